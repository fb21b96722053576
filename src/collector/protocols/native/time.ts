import { MAX_EPOCH_MS } from './limits.js';

/**
 * Client times (`ts`, `sent_at`): an ISO-8601 / RFC 3339 date-time WITH an offset, `YYYY-MM-DDTHH:MM[:SS[.f{1,9}]]`
 * followed by `Z` or `+hh:mm` / `+hhmm` / `+hh`, or epoch milliseconds (fractions are floored). Strings without an
 * offset are rejected (they would be read in the server's local zone); so are impossible dates (2026-02-30), leap
 * seconds, and times outside 1970-01-01 .. 9999-12-31. Parsed by hand: Date.parse is lenient (it accepts
 * 2026-02-30 and many non-ISO formats) and a regex match allocates a dozen strings per event.
 */
const BAD_FORMAT = 'must be an ISO-8601 date-time with an offset (e.g. 2026-11-27T10:00:00.000Z) or epoch ms';
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  if (month !== 2) return DAYS[month - 1];
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

/** The number written by `n` ASCII digits of s at i, or -1. */
function num(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

function parseIso(s: string): number | string {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return BAD_FORMAT;
  const t = s.charCodeAt(10);
  if (t !== 84 && t !== 116) return BAD_FORMAT; // T t
  const y = num(s, 0, 4), mo = num(s, 5, 2), d = num(s, 8, 2), h = num(s, 11, 2), mi = num(s, 14, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0) return BAD_FORMAT;
  let i = 16;
  let sec = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    sec = num(s, i + 1, 2);
    if (sec < 0) return BAD_FORMAT;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      const start = ++i;
      while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      const len = i - start;
      if (len < 1 || len > 9) return BAD_FORMAT;
      ms = len >= 3 ? num(s, start, 3) : num(s, start, len) * (len === 1 ? 100 : 10);
    }
  }
  let offsetMin = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    i++; // Z z
  } else if (z === 43 || z === 45) {
    const oh = num(s, i + 1, 2);
    if (oh < 0) return BAD_FORMAT;
    i += 3;
    let om = 0;
    if (i < n) {
      if (s.charCodeAt(i) === 58) i++;
      om = num(s, i, 2);
      if (om < 0) return BAD_FORMAT;
      i += 2;
    }
    if (oh > 23 || om > 59) return 'has an invalid offset';
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return BAD_FORMAT;
  }
  if (i !== n) return BAD_FORMAT;
  if (y < 1000 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) {
    return 'is not a valid date-time';
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60_000;
}

/** Epoch ms, or a reason (string) when the value is not a valid client time. */
export function parseClientTime(value: string | number): number | string {
  const t = typeof value === 'number' ? Math.floor(value) : parseIso(value);
  if (typeof t === 'string') return t;
  if (!(t >= 0 && t <= MAX_EPOCH_MS)) return 'is out of range (1970-01-01 to 9999-12-31)';
  return t;
}

/** The UTC ISO string of a parsed client time; reuses the client's string when it is already canonical. */
export function isoOf(value: string | number, t: number): string {
  if (
    typeof value === 'string' &&
    value.length === 24 &&
    value.charCodeAt(23) === 90 && // Z
    value.charCodeAt(10) === 84 && // T
    value.charCodeAt(19) === 46 // .
  ) {
    return value;
  }
  return new Date(t).toISOString();
}
