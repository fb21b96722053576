import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChange, formatDuration, formatNumber, formatPercent, safeHref, toCsv } from './format.js';

describe('dashboard formatting', () => {
  it('formats numbers, percentages, durations and changes', () => {
    assert.equal(formatNumber(1234567), '1,234,567');
    assert.equal(formatNumber('12'), '12');
    assert.equal(formatNumber(2.345), '2.35');
    assert.equal(formatNumber(null), '–');
    assert.equal(formatNumber(123456, { compact: true }), '123.5K');
    assert.equal(formatPercent(0.4567), '45.7%');
    assert.equal(formatPercent(45.67), '45.7%');
    assert.equal(formatDuration(42.4), '42s');
    assert.equal(formatDuration(185), '3m 05s');
    assert.equal(formatDuration(3720), '1h 02m');
    assert.equal(formatChange(110, 100), '+10.0%');
    assert.equal(formatChange(90, 100), '-10.0%');
    assert.equal(formatChange(5, 0), null);
  });

  it('makes links only from http(s) URLs', () => {
    assert.equal(safeHref('https://shop.example/a?b=1'), 'https://shop.example/a?b=1');
    assert.equal(safeHref('http://x.example'), 'http://x.example/');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>', '/relative', 'vbscript:x', '', 42, null]) {
      assert.equal(safeHref(bad), null, String(bad));
    }
  });

  it('writes RFC 4180 CSV and defuses spreadsheet formulas in text', () => {
    const csv = toCsv(['a', 'b'], [
      { a: 'x,y', b: 'say "hi"' },
      { a: '=HYPERLINK("http://evil")', b: -3 },
      { a: null, b: 'line\nbreak' },
    ]);
    assert.equal(csv, 'a,b\r\n"x,y","say ""hi"""\r\n"\'=HYPERLINK(""http://evil"")",-3\r\n,"line\nbreak"\r\n');
  });
});
