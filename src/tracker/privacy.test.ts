import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clean, cut, optedOut, redact, REDACTED_PARAMS } from './privacy.js';

describe('redact', () => {
  const names = REDACTED_PARAMS.concat(['coupon']);
  const table: [string, string, string][] = [
    ['query token', 'https://a.example/p?token=abc&x=1', 'https://a.example/p?token=REDACTED&x=1'],
    ['several, any case', 'https://a.example/?Email=a%40b.c&q=shoes&PASSWORD=hunter2', 'https://a.example/?Email=REDACTED&q=shoes&PASSWORD=REDACTED'],
    ['fragment params (OAuth implicit flow)', 'https://a.example/cb#access_token=xyz&state=s1', 'https://a.example/cb#access_token=REDACTED&state=s1'],
    ['hash-routed query', 'https://a.example/#/reset?token=t0k&step=2', 'https://a.example/#/reset?token=REDACTED&step=2'],
    ['empty value', 'https://a.example/?token=&a=b', 'https://a.example/?token=REDACTED&a=b'],
    ['extra names', 'https://a.example/?coupon=FREE&utm_source=x', 'https://a.example/?coupon=REDACTED&utm_source=x'],
    ['similar names are kept', 'https://a.example/?tokens=1&my_token=2&email_opt_in=yes', 'https://a.example/?tokens=1&my_token=2&email_opt_in=yes'],
    ['no query', 'https://a.example/token=abc', 'https://a.example/token=abc'],
    ['semicolon separator', 'https://a.example/?a=1;token=abc', 'https://a.example/?a=1;token=REDACTED'],
  ];
  for (const [name, input, expected] of table) it(name, () => assert.equal(redact(input, names), expected));

  it('works on an event as JSON without leaving the string', () => {
    const json = JSON.stringify({ url: 'https://a.example/?token=abc', title: 'x', props: { next: '/login?email=a@b.c', n: 1 } });
    const out = JSON.parse(redact(json, names));
    assert.deepEqual(out, { url: 'https://a.example/?token=REDACTED', title: 'x', props: { next: '/login?email=REDACTED', n: 1 } });
    const tricky = JSON.stringify({ a: 'x?token=a"b', b: 'c' });
    assert.deepEqual(JSON.parse(redact(tricky, names)), { a: 'x?token=REDACTED"b', b: 'c' });
  });
});

describe('optedOut', () => {
  it('is true for Do-Not-Track "1" or Global Privacy Control', () => {
    assert.equal(optedOut({ doNotTrack: '1' }), true);
    assert.equal(optedOut({ globalPrivacyControl: true }), true);
    assert.equal(optedOut({ doNotTrack: '0', globalPrivacyControl: true }), true);
  });
  it('is false otherwise', () => {
    assert.equal(optedOut({}), false);
    assert.equal(optedOut({ doNotTrack: null }), false);
    assert.equal(optedOut({ doNotTrack: '0' }), false);
    assert.equal(optedOut({ doNotTrack: 'unspecified', globalPrivacyControl: false }), false);
  });
});

describe('clean and cut', () => {
  it('strips control characters and bounds the length', () => {
    assert.equal(clean('u\n1\u0000\u009f2', 10), 'u12');
    assert.equal(clean(42, 10), '42');
    assert.equal(clean('x'.repeat(300), 256).length, 256);
    assert.equal(cut('abcdef', 3), 'abc');
  });
});
