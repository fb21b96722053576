import type { QueryResult } from './engine.js';
import type { JsonValue } from './values.js';

/**
 * Text forms of a query result for the CLI (docs/query.md, "CLI formats"). Every form ends with a line break.
 *
 * table: aligned columns, numeric columns (by DuckDB type) right-aligned, NULL for null, control characters shown
 *        escaped (\n, \t), cells past MAX_CELL characters cut with '…', then a "(N rows)" footer that notes
 *        truncation. Widths count code points, so East Asian wide characters and emoji can misalign.
 * csv:   RFC 4180: a header record, CRLF after every record, a field is quoted when it holds '"', ',', CR or LF
 *        (quotes doubled). null is an empty field; arrays/objects are their JSON text. Formula guard: a string value
 *        that starts with = + - @ TAB or CR, and is not a plain number, gets a leading apostrophe (') so
 *        spreadsheets show it as text instead of running it. Numbers are never changed.
 * json:  a JSON array of row objects, one row per line.
 */
export type ResultFormat = 'table' | 'csv' | 'json';
export const RESULT_FORMATS: readonly ResultFormat[] = ['table', 'csv', 'json'];

type Formattable = Pick<QueryResult, 'columns' | 'rows' | 'truncated'>;

const MAX_CELL = 60;
/** DuckDB type names shown right-aligned. */
const NUMERIC_TYPE = /^(U?(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT)|FLOAT|DOUBLE|DECIMAL(\(\d+,\d+\))?)$/;

export function formatResult(result: Formattable, format: ResultFormat): string {
  switch (format) {
    case 'table':
      return formatTable(result);
    case 'csv':
      return formatCsv(result);
    case 'json':
      return formatJson(result);
  }
}

function plainText(value: JsonValue): string {
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// ---- table

function tableCell(value: JsonValue): string {
  if (value === null) return 'NULL';
  // eslint-disable-next-line no-control-regex
  const text = plainText(value).replace(/[\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  const chars = [...text]; // by code point, so a surrogate pair is never cut in half
  return chars.length > MAX_CELL ? chars.slice(0, MAX_CELL - 1).join('') + '…' : text;
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, size: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
}

function formatTable(result: Formattable): string {
  const names = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) => names.map((n) => tableCell(row[n] ?? null)));
  const numeric = result.columns.map((c) => NUMERIC_TYPE.test(c.type));
  const widths = names.map((n, i) => Math.max(width(tableCell(n)), ...cells.map((r) => width(r[i]))));
  const line = (values: string[], alignRight: boolean[]) =>
    values.map((v, i) => pad(v, widths[i], alignRight[i])).join(' | ').trimEnd();
  const out = [
    line(names.map(tableCell), numeric),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map((r) => line(r, numeric)),
  ];
  const n = result.rows.length;
  out.push(`(${n} row${n === 1 ? '' : 's'}${result.truncated ? `; truncated at ${n}, more rows exist` : ''})`);
  return out.join('\n') + '\n';
}

// ---- csv

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The CSV text of one field (before quoting), with the formula guard applied to strings. */
export function csvText(value: JsonValue): string {
  if (typeof value === 'string') {
    return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  }
  return plainText(value);
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function formatCsv(result: Formattable): string {
  const names = result.columns.map((c) => c.name);
  const records = [names.map((n) => csvField(csvText(n)))];
  for (const row of result.rows) records.push(names.map((n) => csvField(csvText(row[n] ?? null))));
  return records.map((r) => r.join(',') + '\r\n').join('');
}

// ---- json

function formatJson(result: Formattable): string {
  if (result.rows.length === 0) return '[]\n';
  return '[\n' + result.rows.map((r) => JSON.stringify(r)).join(',\n') + '\n]\n';
}
