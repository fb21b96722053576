// The public contracts documented in docs/ must match the code: every error code, lake column and config key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from './errors.js';
import { LAKE_COLUMNS } from './schema.js';
import { configSchema } from './config.js';

const docs = (name: string) => readFileSync(fileURLToPath(new URL(`../../../docs/${name}`, import.meta.url)), 'utf8');

test('docs/errors.md lists every error code with its status', () => {
  const text = docs('errors.md');
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    const row = text.split('\n').find((l) => l.startsWith(`| \`${code}\``));
    assert.ok(row, `${code} documented`);
    if (status !== 400 && status !== 500 && !['CLK_ERR_EVENT_TOO_LARGE', 'CLK_ERR_ORIGIN_NOT_ALLOWED'].includes(code)) {
      assert.ok(row.includes(String(status)), `${code} documented with ${status}`);
    }
  }
});

test('docs/lake-schema.md lists every column with its type, in order', () => {
  const text = docs('lake-schema.md');
  let last = -1;
  for (const c of LAKE_COLUMNS) {
    const at = text.indexOf(`| \`${c.name}\` | ${c.type} |`);
    assert.ok(at > last, `${c.name} documented after the previous column`);
    last = at;
  }
});

function configKeys(shape: Record<string, unknown>, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [key, schema] of Object.entries(shape)) {
    let inner: any = schema;
    while (inner?.def?.innerType) inner = inner.def.innerType; // unwrap default/optional/prefault
    if (inner?.def?.type === 'object' && key !== 'sites') keys.push(...configKeys(inner.def.shape, `${prefix}${key}.`));
    else keys.push(`${prefix}${key}`);
  }
  return keys;
}

test('docs/config.md lists every config key', () => {
  const text = docs('config.md');
  const keys = configKeys(configSchema.def.shape as Record<string, unknown>);
  assert.ok(keys.length > 20, `walked the schema (${keys.length} keys)`);
  for (const key of keys) assert.ok(text.includes(`| \`${key}\``), `${key} documented`);
});
