import { MAX_EPOCH_MS } from './limits.js';

/**
 * Client times (`ts`, `sent_at`): an ISO-8601 / RFC 3339 date-time WITH an offset (`Z` or `+hh:mm`), or epoch
 * milliseconds. Strings without an offset are rejected: they would be read in the server's local zone. Parsed by
 * hand because Date.parse is lenient (it accepts 2020-02-30 and many non-ISO formats).
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?)$/i;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** Epoch ms, or a reason (string) when the value is not a valid client time. */
export function parseClientTime(value: string | number): number | string {
  let t: number;
  if (typeof value === 'number') {
    t = Math.floor(value);
  } else {
    const m = ISO.exec(value);
    if (m === null) return 'must be an ISO-8601 date-time with an offset (e.g. 2026-11-27T10:00:00.000Z) or epoch ms';
    const y = +m[1], mo = +m[2], d = +m[3], h = +m[4], mi = +m[5];
    const s = m[6] === undefined ? 0 : +m[6];
    if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) {
      return 'is not a valid date-time';
    }
    const ms = m[7] === undefined ? 0 : +(m[7] + '00').slice(0, 3);
    let offsetMin = 0;
    if (m[8] === undefined) {
      const oh = +m[10], om = m[11] === undefined ? 0 : +m[11];
      if (oh > 23 || om > 59) return 'has an invalid offset';
      offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    t = Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
  }
  if (!(t >= 0 && t <= MAX_EPOCH_MS)) return 'is out of range (1970-01-01 to 9999-12-31)';
  return t;
}
