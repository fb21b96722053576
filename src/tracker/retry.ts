import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, MAX_RETRY_AFTER_MS } from './limits.js';

/**
 * Retry policy of the tracker (pure). After a send:
 * - 2xx: delivered. A 200 may list events the collector refused; resending cannot help, so they are done too.
 * - network error (status 0), 5xx and 429: retry the same batch after the server's Retry-After when it sent one in
 *   seconds (at most MAX_RETRY_AFTER_MS; the collector always sends seconds), else (also for the rare HTTP-date
 *   form) after exponential backoff with equal jitter: min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2^(attempt-1)) *
 *   [0.5, 1).
 * - any other status (4xx but 429, a 3xx not followed): retrying cannot help; the batch is dropped.
 */

/** Backoff before retry number `attempt` (1 = the first retry); `random` in [0, 1). */
export function backoff(attempt: number, random: number): number {
  return Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)) * (0.5 + random / 2);
}

/** Ms to wait before sending the batch again, or -1 when it is done (delivered, or retrying cannot help). */
export function retryDelay(status: number, retryAfter: string | null | undefined, attempt: number, random: number): number {
  if (status && status != 429 && status < 500) return -1;
  const ra = retryAfter ? +retryAfter * 1000 : NaN;
  return ra >= 0 ? Math.min(ra, MAX_RETRY_AFTER_MS) : backoff(attempt, random);
}
