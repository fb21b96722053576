// Tests src/core/http-errors.ts. Kept here because this change may only touch src/collector/; it belongs next to
// the code (src/core/http-errors.test.ts) and can move there as is.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClicklakeError } from './errors.js';
import { toHttpError } from './http-errors.js';

const fastifyError = (code: string, statusCode: number, message = 'fastify says no') =>
  Object.assign(new Error(message), { code, statusCode });

describe('toHttpError', () => {
  const table: [string, unknown, number, string][] = [
    ['ClicklakeError 4xx', new ClicklakeError('CLK_ERR_BAD_BODY', 'no events'), 400, 'CLK_ERR_BAD_BODY'],
    ['duck-typed clicklake code', { code: 'CLK_ERR_TOO_MANY_EVENTS', message: 'x' }, 413, 'CLK_ERR_TOO_MANY_EVENTS'],
    ['fastify body too large', fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), 413, 'CLK_ERR_BODY_TOO_LARGE'],
    ['fastify media type', fastifyError('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 415, 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['fastify invalid JSON', fastifyError('FST_ERR_CTP_INVALID_JSON_BODY', 400), 400, 'CLK_ERR_MALFORMED_JSON'],
    ['fastify default JSON parser', Object.assign(new SyntaxError('Unexpected end'), { statusCode: 400 }), 400, 'CLK_ERR_MALFORMED_JSON'],
    ['fastify other 4xx', fastifyError('FST_ERR_CTP_EMPTY_JSON_BODY', 400), 400, 'CLK_ERR_BAD_REQUEST'],
    ['fastify validation', Object.assign(new Error('body/x must be string'), { code: 'FST_ERR_VALIDATION', statusCode: 400 }), 400, 'CLK_ERR_BAD_REQUEST'],
    ['404', fastifyError('FST_ERR_NOT_FOUND', 404), 404, 'CLK_ERR_NOT_FOUND'],
    ['405', { statusCode: 405, message: 'nope' }, 405, 'CLK_ERR_METHOD_NOT_ALLOWED'],
    ['plain Error', new Error('db password is hunter2'), 500, 'CLK_ERR_INTERNAL'],
    ['5xx statusCode', fastifyError('FST_ERR_X', 500), 500, 'CLK_ERR_INTERNAL'],
    ['a string', 'boom', 500, 'CLK_ERR_INTERNAL'],
    ['null', null, 500, 'CLK_ERR_INTERNAL'],
    ['unknown code on object', { code: 'toString', message: 'x' }, 500, 'CLK_ERR_INTERNAL'],
  ];
  for (const [name, err, status, code] of table) {
    it(`${name} -> ${status} ${code}`, () => {
      const h = toHttpError(err);
      assert.equal(h.status, status);
      assert.equal(h.body.error.code, code);
      assert.equal(typeof h.body.error.message, 'string');
      assert.ok(!h.body.error.message.includes('hunter2'));
      assert.ok(!/\n\s+at /.test(h.body.error.message), 'no stack');
    });
  }

  it('keeps 4xx messages, hides 5xx ones', () => {
    assert.equal(toHttpError(new ClicklakeError('CLK_ERR_BAD_BODY', 'no events')).body.error.message, 'no events');
    const e = new ClicklakeError('CLK_ERR_BUFFER_UNAVAILABLE', 'EIO at /var/data/spool/00001.log', { retryAfter: 2.5 });
    const h = toHttpError(e);
    assert.equal(h.status, 503);
    assert.equal(h.body.error.message, 'The buffer could not store the events; retry later');
    assert.equal(h.retryAfter, 3);
  });

  it('has no retryAfter unless the error carries one', () => {
    assert.equal(toHttpError(new ClicklakeError('CLK_ERR_SHUTTING_DOWN')).retryAfter, undefined);
    assert.equal(toHttpError(new ClicklakeError('CLK_ERR_SHUTTING_DOWN', undefined, { retryAfter: 1 })).retryAfter, 1);
  });
});
