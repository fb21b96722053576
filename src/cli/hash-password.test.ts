import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { verifyPassword } from '../auth/password.js';

const MAIN = fileURLToPath(new URL('./main.js', import.meta.url));

it('clicklake hash-password reads the password from stdin and prints a hash that verifies it', async () => {
  const run = spawnSync(process.execPath, [MAIN, 'hash-password'], { input: 'pa ss wörd\n', encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const hash = run.stdout.trim();
  assert.match(hash, /^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
  assert.equal(await verifyPassword('pa ss wörd', hash), true, 'one trailing newline is dropped');
  assert.equal(await verifyPassword('pa ss wörd\n', hash), false);
  assert.doesNotMatch(run.stdout + run.stderr, /pa ss/, 'the password is not echoed');
});

it('an empty password is refused', () => {
  const run = spawnSync(process.execPath, [MAIN, 'hash-password'], { input: '\n', encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /empty/);
});
