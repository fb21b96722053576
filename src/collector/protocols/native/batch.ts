import type { ErrorCode } from '../../../core/errors.js';
import type { Enricher } from '../../../core/ports.js';
import { createNormalizeContext, type NormalizeContextInput } from './context.js';
import { normalizeEvent } from './normalize.js';

/**
 * One parsed batch -> lake rows, for every adapter of the native protocol (the Fastify collector, the AWS Lambda):
 * the per-request context, the enrichment step and the per-event normalisation, in that order. Pure apart from
 * what the enricher does (salts); storing the rows is the caller's job.
 */
export interface BatchRequest extends Omit<NormalizeContextInput, 'enrichment'> {
  readonly events: readonly unknown[];
  readonly enricher?: Enricher | undefined;
  /** The TCP peer of the request (socket address, API Gateway sourceIp); given to the enricher only, never logged. */
  readonly peerAddress: string | null;
  readonly forwardedFor: string | readonly string[] | undefined;
  /** Request headers with lower-case names (client hints). */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

export interface NormalizedBatch {
  /** JSON rows of the valid events, in request order. */
  readonly rows: string[];
  /** Request index of each row. */
  readonly kept: number[];
  readonly rejected: { index: number; code: ErrorCode; message: string }[];
  /**
   * Set when the request comes from a bot whose events are dropped: its events are validated (bad ones are listed)
   * but neither enriched nor stored, and the sender is answered as if they were.
   */
  readonly dropBotReason: string | null;
}

export function normalizeBatch(req: BatchRequest): NormalizedBatch {
  const ctx = createNormalizeContext(req);
  const enrichment =
    req.enricher === undefined
      ? null
      : req.enricher.forRequest({
          peerAddress: req.peerAddress,
          forwardedFor: req.forwardedFor,
          userAgent: ctx.userAgent,
          headers: req.headers,
          receivedAt: req.receivedAt,
        });
  const dropBotReason = enrichment === null ? null : enrichment.dropBotReason;
  if (enrichment !== null && dropBotReason === null) ctx.enrichment = enrichment;
  const rows: string[] = [];
  const kept: number[] = [];
  const rejected: NormalizedBatch['rejected'] = [];
  for (let index = 0; index < req.events.length; index++) {
    const result = normalizeEvent(req.events[index], ctx);
    if ('row' in result) {
      rows.push(result.row);
      kept.push(index);
    } else rejected.push({ index, code: result.code, message: result.message });
  }
  return { rows, kept, rejected, dropBotReason };
}
