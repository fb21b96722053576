import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SKEW_THRESHOLD_MS, skewCorrected } from './skew.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const DAY = 86_400_000;
const H = 3_600_000;

describe('skewCorrected', () => {
  const cases: [string, number | null, number | null, number | null][] = [
    ['device 1 h behind: shifted by the offset', NOW - H - 5_000, NOW - H, NOW - 5_000],
    ['device 2 h ahead', NOW + 2 * H - 30_000, NOW + 2 * H, NOW - 30_000],
    ['latency below the threshold: untouched', NOW - 10_000, NOW - SKEW_THRESHOLD_MS, null],
    ['no sent_at', NOW - H, null, null],
    ['no ts', null, NOW - H, null],
    ['sent_at insane (beyond maxClockSkewMs)', NOW - 9 * DAY, NOW - 8 * DAY, null],
    ['ts after sent_at: inconsistent, untouched', NOW - H + 60_000, NOW - H, null],
    ['corrected time still too old (queued offline 8 days)', NOW - 8 * DAY - H, NOW - H, null],
  ];
  for (const [name, ts, sentAt, out] of cases) it(name, () => assert.equal(skewCorrected(ts, sentAt, NOW, 7 * DAY), out));
});
