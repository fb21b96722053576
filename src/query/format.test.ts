import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvText, formatResult } from './format.js';

const result = {
  columns: [
    { name: 'name', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
    { name: 'meta', type: 'STRUCT(a INTEGER)' },
  ],
  rows: [
    { name: 'plain', n: 1, meta: { a: 1 } },
    { name: 'has, comma "and" quotes', n: 22, meta: null },
    { name: 'line\nbreak', n: -333, meta: { a: 2 } },
  ],
  truncated: false,
};

describe('formatResult csv', () => {
  it('quotes per RFC 4180 with CRLF records', () => {
    assert.equal(
      formatResult(result, 'csv'),
      'name,n,meta\r\n' +
        'plain,1,"{""a"":1}"\r\n' +
        '"has, comma ""and"" quotes",22,\r\n' +
        '"line\nbreak",-333,"{""a"":2}"\r\n',
    );
  });

  it('guards strings that a spreadsheet would run as a formula', () => {
    const cases: [string | number | null, string][] = [
      ['=HYPERLINK("http://evil")', `'=HYPERLINK("http://evil")`],
      ['+1+cmd', `'+1+cmd`],
      ['-2+3', `'-2+3`],
      ['@SUM(A1)', `'@SUM(A1)`],
      ['\tx', `'\tx`],
      ['-5', '-5'],
      ['+3.25e2', '+3.25e2'],
      [-7, '-7'],
      ['a=b', 'a=b'],
      [null, ''],
    ];
    for (const [value, expected] of cases) assert.equal(csvText(value), expected, String(value));
    const one = { columns: [{ name: 'v', type: 'VARCHAR' }], rows: [{ v: '=1,2' }], truncated: false };
    const csv = formatResult(one, 'csv');
    assert.equal(csv, `v\r\n"'=1,2"\r\n`);
  });
});

describe('formatResult table', () => {
  it('aligns columns, right-aligns numbers and escapes line breaks', () => {
    const text = formatResult(result, 'table');
    assert.equal(
      text,
      [
        'name                    |    n | meta',
        '------------------------+------+--------',
        'plain                   |    1 | {"a":1}',
        'has, comma "and" quotes |   22 | NULL',
        'line\\nbreak             | -333 | {"a":2}',
        '(3 rows)',
        '',
      ].join('\n'),
    );
  });

  it('cuts very wide cells and notes truncation', () => {
    const text = formatResult(
      { columns: [{ name: 'v', type: 'VARCHAR' }], rows: [{ v: 'x'.repeat(500) }], truncated: true },
      'table',
    );
    const lines = text.split('\n');
    assert.equal(lines[2], 'x'.repeat(59) + '…');
    assert.equal(lines[3], '(1 row; truncated at 1, more rows exist)');
  });
});

describe('formatResult json', () => {
  it('is a JSON array of row objects', () => {
    const text = formatResult(result, 'json');
    assert.deepEqual(JSON.parse(text), result.rows);
    assert.equal(text.split('\n').length, result.rows.length + 3);
    assert.equal(formatResult({ ...result, rows: [] }, 'json'), '[]\n');
  });
});
