import type { SyntheticVisitor } from './visitors.js';

/**
 * Sends synthetic visitors to a collector over HTTP, the way browsers would: one `POST /collect` per visitor
 * (its events are far fewer than the collector's 500 per request) with the visitor's User-Agent, `text/plain`.
 * A few requests run at once. 503/429 (honouring Retry-After, at most MAX_WAIT_S) and network errors are retried
 * up to ATTEMPTS times; event_id makes a retry safe.
 */
export interface ReplayResult {
  visitors: number;
  events: number;
  accepted: number;
  rejected: number;
  /** Requests that failed for good (their events were not stored). */
  failed: number;
  /** The first error seen, for the report. */
  firstError?: string;
}

export interface ReplayOptions {
  readonly concurrency?: number;
  readonly fetch?: typeof fetch;
  /** Waits between retries (injected by tests). Default: setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const ATTEMPTS = 4;
const MAX_WAIT_S = 10;
const CHUNK = 500; // the collector's default maxEventsPerRequest

export async function replayVisitors(baseUrl: string, visitors: readonly SyntheticVisitor[], opts: ReplayOptions = {}): Promise<ReplayResult> {
  const send = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const url = new URL('/collect', baseUrl).href;
  const result: ReplayResult = { visitors: visitors.length, events: 0, accepted: 0, rejected: 0, failed: 0 };
  const jobs: { ua: string; events: Record<string, unknown>[] }[] = [];
  for (const v of visitors) {
    result.events += v.events.length;
    for (let i = 0; i < v.events.length; i += CHUNK) jobs.push({ ua: v.userAgent, events: v.events.slice(i, i + CHUNK) });
  }

  const post = async (job: (typeof jobs)[number]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      let status = 0;
      let retryAfter: string | null = null;
      let error = '';
      try {
        const res = await send(url, {
          method: 'POST',
          headers: { 'content-type': 'text/plain', 'user-agent': job.ua },
          body: JSON.stringify(job.events),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        const body = (await res.json().catch(() => null)) as { accepted?: number; rejected?: unknown[]; error?: { code: string; message: string } } | null;
        if (status === 200 && body) {
          result.accepted += body.accepted ?? 0;
          result.rejected += body.rejected?.length ?? 0;
          if (body.rejected?.length && !result.firstError) result.firstError = JSON.stringify(body.rejected[0]);
          return;
        }
        error = body?.error ? `${status} ${body.error.code}: ${body.error.message}` : `HTTP ${status}`;
      } catch (err) {
        error = (err as Error).message;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= ATTEMPTS) {
        result.failed += 1;
        result.firstError ??= error;
        return;
      }
      const wait = Math.min(MAX_WAIT_S, Number(retryAfter) || 2 ** (attempt - 1)) * 1000;
      await sleep(wait);
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await post(jobs[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, jobs.length) }, worker));
  return result;
}
