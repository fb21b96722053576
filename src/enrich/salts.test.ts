import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { cookielessId, DailySalts } from './salts.js';

const DAY1 = Date.parse('2026-11-27T08:00:00.000Z');
const DAY1_LATE = Date.parse('2026-11-27T23:59:59.999Z');
const DAY2 = Date.parse('2026-11-28T00:00:00.000Z');
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';

describe('daily salts and cookieless ids', () => {
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'clicklake-salts-'));
    dirs.push(d);
    return join(d, 'secrets', 'salts');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('same id within a UTC day, different across days; the old salt file is deleted', () => {
    const dir = tmp();
    const salts = new DailySalts(dir);
    const a = cookielessId(salts.saltFor(DAY1), 'shop', '81.2.69.142', UA);
    assert.match(a, /^[0-9a-f]{32}$/);
    assert.equal(cookielessId(salts.saltFor(DAY1_LATE), 'shop', '81.2.69.142', UA), a);
    assert.deepEqual(readdirSync(dir), ['2026-11-27']);
    assert.equal(statSync(join(dir, '2026-11-27')).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);

    const b = cookielessId(salts.saltFor(DAY2), 'shop', '81.2.69.142', UA);
    assert.notEqual(b, a);
    assert.deepEqual(readdirSync(dir), ['2026-11-28'], 'yesterday deleted at rotation');
  });

  it('a restart keeps the day\'s salt (same ids)', () => {
    const dir = tmp();
    const before = cookielessId(new DailySalts(dir).saltFor(DAY1), 'shop', '81.2.69.142', UA);
    const after = cookielessId(new DailySalts(dir).saltFor(DAY1_LATE), 'shop', '81.2.69.142', UA);
    assert.equal(after, before);
  });

  it('a clock stepping back does not delete the later day', () => {
    const dir = tmp();
    const salts = new DailySalts(dir);
    salts.saltFor(DAY2);
    salts.saltFor(DAY1);
    assert.deepEqual(readdirSync(dir).sort(), ['2026-11-27', '2026-11-28']);
  });

  it('site, ip and user agent each change the id', () => {
    const salt = new DailySalts(tmp()).saltFor(DAY1);
    const base = cookielessId(salt, 'shop', '81.2.69.142', UA);
    assert.notEqual(cookielessId(salt, 'blog', '81.2.69.142', UA), base);
    assert.notEqual(cookielessId(salt, 'shop', '81.2.69.143', UA), base);
    assert.notEqual(cookielessId(salt, 'shop', '81.2.69.142', UA + ' x'), base);
    // The separator keeps fields apart: ("ab", "c") and ("a", "bc") differ.
    assert.notEqual(cookielessId(salt, 'ab', 'c', null), cookielessId(salt, 'a', 'bc', null));
  });
});
