import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { checkContentTypeCharset, parseBody } from './body.js';

const limits = { maxBodyBytes: 1024, maxEventsPerRequest: 3 };
const bytes = (s: string) => new TextEncoder().encode(s);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
}

describe('parseBody', () => {
  it('accepts an array and the {"events": [...]} form', () => {
    assert.deepEqual(parseBody(bytes('[{"type":"a"}]'), undefined, limits), [{ type: 'a' }]);
    assert.deepEqual(parseBody(bytes('{"events":[{"type":"a"}],"extra":1}'), 'identity', limits), [{ type: 'a' }]);
  });

  it('strips a UTF-8 BOM', () => {
    assert.deepEqual(parseBody(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('[1]')]), undefined, limits), [1]);
  });

  it('inflates gzip (case-insensitive, x-gzip alias)', () => {
    const gz = gzipSync(bytes('[{"type":"a"},{"type":"b"}]'));
    assert.equal(parseBody(gz, 'gzip', limits).length, 2);
    assert.equal(parseBody(gz, ' GZIP ', limits).length, 2);
    assert.equal(parseBody(gz, 'x-gzip', limits).length, 2);
  });

  const table: [string, Uint8Array, string | undefined, string][] = [
    ['bad gzip', bytes('not gzip'), 'gzip', 'CLK_ERR_BAD_ENCODING'],
    ['truncated gzip', gzipSync(bytes('[1,2,3]')).subarray(0, 12), 'gzip', 'CLK_ERR_BAD_ENCODING'],
    ['unsupported encoding', bytes('[1]'), 'br', 'CLK_ERR_UNSUPPORTED_ENCODING'],
    ['stacked encodings', bytes('[1]'), 'gzip, gzip', 'CLK_ERR_UNSUPPORTED_ENCODING'],
    ['invalid UTF-8', new Uint8Array([0x5b, 0x22, 0xff, 0x22, 0x5d]), undefined, 'CLK_ERR_BAD_ENCODING'],
    ['overlong UTF-8', new Uint8Array([0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d]), undefined, 'CLK_ERR_BAD_ENCODING'],
    ['malformed JSON', bytes('[{"type":'), undefined, 'CLK_ERR_MALFORMED_JSON'],
    ['empty body', bytes(''), undefined, 'CLK_ERR_MALFORMED_JSON'],
    ['a string', bytes('"x"'), undefined, 'CLK_ERR_BAD_BODY'],
    ['null', bytes('null'), undefined, 'CLK_ERR_BAD_BODY'],
    ['object without events', bytes('{"type":"a"}'), undefined, 'CLK_ERR_BAD_BODY'],
    ['events not an array', bytes('{"events":{}}'), undefined, 'CLK_ERR_BAD_BODY'],
    ['empty batch', bytes('[]'), undefined, 'CLK_ERR_BAD_BODY'],
    ['too many events', bytes('[1,2,3,4]'), undefined, 'CLK_ERR_TOO_MANY_EVENTS'],
    ['body too large', bytes(`["${'a'.repeat(1100)}"]`), undefined, 'CLK_ERR_BODY_TOO_LARGE'],
    ['gzip bomb', gzipSync(bytes(`["${'a'.repeat(100_000)}"]`)), 'gzip', 'CLK_ERR_BODY_TOO_LARGE'],
  ];
  for (const [name, body, enc, expected] of table) {
    it(`${name} -> ${expected}`, () => assert.equal(code(() => parseBody(body, enc, limits)), expected));
  }

  it('allows a decompressed body of exactly the limit', () => {
    const exact = `["${'a'.repeat(1020)}"]`;
    assert.equal(exact.length, 1024);
    assert.equal(parseBody(gzipSync(bytes(exact)), 'gzip', limits).length, 1);
  });
});

describe('checkContentTypeCharset', () => {
  it('accepts no charset or UTF-8, rejects others', () => {
    assert.doesNotThrow(() => checkContentTypeCharset(undefined));
    assert.doesNotThrow(() => checkContentTypeCharset('application/json'));
    assert.doesNotThrow(() => checkContentTypeCharset('text/plain;charset=UTF-8'));
    assert.doesNotThrow(() => checkContentTypeCharset('application/json; charset="utf8"'));
    assert.equal(code(() => checkContentTypeCharset('text/plain; charset=iso-8859-1')), 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});
