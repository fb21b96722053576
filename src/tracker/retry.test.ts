import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_CAP_MS, MAX_RETRY_AFTER_MS } from './limits.js';
import { backoff, retryDelay } from './retry.js';

describe('backoff', () => {
  it('doubles per attempt with equal jitter in [0.5, 1) of the step', () => {
    assert.equal(backoff(1, 0), 500);
    assert.equal(backoff(1, 0.5), 750);
    assert.ok(backoff(1, 0.999) < 1000 && backoff(1, 0.999) > 990);
    assert.equal(backoff(2, 0), 1000);
    assert.equal(backoff(3, 0), 2000);
    assert.equal(backoff(5, 0), 8000);
  });
  it('is capped, also for huge attempt counts', () => {
    assert.equal(backoff(7, 0.999999), BACKOFF_CAP_MS * (0.5 + 0.999999 / 2));
    for (const attempt of [8, 30, 1000, 1e6]) {
      const d = backoff(attempt, 0.5);
      assert.equal(d, BACKOFF_CAP_MS * 0.75, `attempt ${attempt}`);
    }
  });
});

describe('retryDelay', () => {
  const table: [string, number, string | null, number][] = [
    ['200 delivered', 200, null, -1],
    ['204 delivered', 204, null, -1],
    ['400 not retried', 400, null, -1],
    ['401 not retried', 401, null, -1],
    ['403 not retried', 403, null, -1],
    ['404 not retried', 404, null, -1],
    ['408 not retried (4xx other than 429)', 408, '5', -1],
    ['413 not retried', 413, null, -1],
    ['415 not retried', 415, null, -1],
    ['3xx not followed: not retried', 302, null, -1],
    ['network error: backoff', 0, null, 750],
    ['500: backoff', 500, null, 750],
    ['502: backoff', 502, null, 750],
    ['503 with Retry-After seconds', 503, '5', 5000],
    ['503 with Retry-After 0', 503, '0', 0],
    ['429 with Retry-After', 429, '7', 7000],
    ['429 without Retry-After: backoff', 429, null, 750],
    ['429 with a huge Retry-After: capped', 429, '86400', MAX_RETRY_AFTER_MS],
    ['503 with an HTTP-date Retry-After: backoff', 503, 'Wed, 21 Oct 2026 07:28:00 GMT', 750],
    ['503 with garbage Retry-After: backoff', 503, 'soon', 750],
  ];
  for (const [name, status, retryAfter, expected] of table) {
    it(name, () => assert.equal(retryDelay(status, retryAfter, 1, 0.5), expected));
  }
  it('backs off further with each attempt', () => {
    assert.deepEqual([1, 2, 3, 4].map((a) => retryDelay(0, null, a, 0)), [500, 1000, 2000, 4000]);
  });
});
