// The size budget of the script build, enforced: at most 3,072 bytes minified + gzip (issue 3). Reads what
// scripts/build-tracker.mjs produced, so it measures exactly what GET /tracker.js serves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { TRACKER_FILE } from './serve.js';

const BUDGET_BYTES = 3072;

test(`the script build is at most ${BUDGET_BYTES} bytes minified + gzip`, (t) => {
  const script = readFileSync(TRACKER_FILE);
  const gz = gzipSync(script, { level: 9 }).length;
  t.diagnostic(`tracker.js: ${script.length} B minified, ${gz} B gzip (budget ${BUDGET_BYTES})`);
  assert.ok(gz <= BUDGET_BYTES, `tracker.js is ${gz} B gzip, over the ${BUDGET_BYTES} B budget`);
});

test('the script build is one self-contained ES2017 IIFE', () => {
  const script = readFileSync(TRACKER_FILE, 'utf8');
  assert.match(script, /^\(\(\)=>\{/);
  assert.doesNotMatch(script, /\bimport\s*[({"']|\brequire\(|export\s*\{/);
  // Syntax newer than ES2017 would have been lowered by esbuild; none of it should appear.
  assert.doesNotMatch(script, /\?\?|\?\.[a-zA-Z_$[(]|\bcatch\{/);
  assert.ok(script.split('\n').length <= 2, 'minified');
});

test('the ES module build exports init', async () => {
  const mjs = readFileSync(new URL('../../../dist/tracker/tracker.mjs', import.meta.url), 'utf8');
  assert.match(mjs, /export\s*\{[^}]*\binit\b/);
});
