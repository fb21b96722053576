// Runs every compiled test file (dist/**/*.test.js) with node:test. Node 20's `node --test` does not expand globs,
// so the list is made here. Extra arguments are passed through (e.g. --test-name-pattern=spool).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filter = process.env.CLICKLAKE_TEST_FILTER;
// A compiled test whose source was deleted or moved is stale output of an earlier build: skip it.
const hasSource = (f) => existsSync(f.replace(/^dist[\\/]/, '').replace(/\.js$/, '.ts'));
const files = find('dist', []).filter((f) => hasSource(f) && (!filter || f.includes(filter))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
