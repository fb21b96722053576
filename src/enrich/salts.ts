import { createHmac, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Cookieless visitor ids (privacy.cookielessIds; docs/privacy.md, "Cookieless visitor ids").
 *
 * An event without anonymous_id gets HMAC-SHA256(salt of the UTC day, site \0 ip \0 user agent), the first 32 hex
 * characters. The salt is 32 random bytes per UTC day, so the same browser on the same network gets the same id
 * all day, and ids of different days cannot be linked once the old salt is gone.
 *
 * Design constraints:
 * - One file per day, `<dir>/YYYY-MM-DD` (hex), mode 0600 in a 0700 dir, written to a temp file, fsynced and
 *   renamed: a restart on the same day reads the same salt (the day's ids do not change), a crash never leaves a
 *   partial salt.
 * - Created on demand, the first time a day is needed; at that moment every older day's file is deleted.
 *   Files of later days are left alone (a clock stepping back must not destroy today's salt).
 * - The day comes from the time passed in (the request's received_at, i.e. the collector's injected clock).
 * - Synchronous file I/O: it happens once per day per process (the salt is then held in memory).
 */
const DAY_MS = 86_400_000;
const NAME = /^\d{4}-\d{2}-\d{2}$/;

export class DailySalts {
  private day = -1;
  private salt: Buffer = Buffer.alloc(0);

  constructor(private readonly dir: string) {}

  /** The salt of the UTC day of `now` (epoch ms). */
  saltFor(now: number): Buffer {
    const day = Math.floor(now / DAY_MS);
    if (day !== this.day) {
      this.salt = this.load(new Date(day * DAY_MS).toISOString().slice(0, 10));
      this.day = day;
    }
    return this.salt;
  }

  private load(name: string): Buffer {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const path = join(this.dir, name);
    let salt: Buffer | null = null;
    try {
      const hex = readFileSync(path, 'utf8').trim();
      if (/^[0-9a-f]{64}$/.test(hex)) salt = Buffer.from(hex, 'hex');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (salt === null) {
      salt = randomBytes(32);
      const tmp = `${path}.${process.pid}.tmp`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, salt.toString('hex') + '\n');
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    }
    for (const file of readdirSync(this.dir)) {
      if ((NAME.test(file) && file < name) || file.endsWith('.tmp')) {
        if (file !== `${name}.${process.pid}.tmp`) unlinkSync(join(this.dir, file));
      }
    }
    return salt;
  }
}

export function cookielessId(salt: Buffer, siteId: string, ip: string | null, userAgent: string | null): string {
  return createHmac('sha256', salt)
    .update(`${siteId}\0${ip ?? ''}\0${userAgent ?? ''}`, 'utf8')
    .digest('hex')
    .slice(0, 32);
}
