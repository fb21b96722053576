import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadUserIdKey, pseudonymizeUserId, userIdKeyPath } from './pseudonym.js';

describe('user_id pseudonyms', () => {
  it('is HMAC-SHA256(key, user_id) in hex', () => {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    assert.equal(
      pseudonymizeUserId('Jefe', 'what do ya want for nothing?'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    assert.notEqual(pseudonymizeUserId('key-one-0123456789', 'u1'), pseudonymizeUserId('key-two-0123456789', 'u1'));
    assert.equal(pseudonymizeUserId('k', 'ü'), createHmac('sha256', 'k').update(Buffer.from('ü', 'utf8')).digest('hex'));
  });

  it('generates a key once, 0600, and reads it back; a configured key wins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clicklake-pseudonym-'));
    try {
      const first = await loadUserIdKey(dir);
      assert.match(first, /^[0-9a-f]{64}$/);
      assert.equal(statSync(userIdKeyPath(dir)).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'secrets')).mode & 0o777, 0o700);
      assert.equal(readFileSync(userIdKeyPath(dir), 'utf8').trim(), first);
      assert.equal(await loadUserIdKey(dir), first, 'same key after a restart');
      assert.equal(await loadUserIdKey(dir, 'configured-key-0123456789'), 'configured-key-0123456789');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
