import type { ErrorCode } from '../../../core/errors.js';
import type { RequestEnrichment } from '../../../core/ports.js';
import { compileOriginPolicy, normalizeOrigin, type OriginPolicy, type SiteOriginsConfig } from '../../origins.js';
import { FIELD_LIMITS as L, type NativeLimits } from './limits.js';
import { cleanText, truncate } from './text.js';

/**
 * What normalizeEvent needs besides the event: the time, the id generator, the request's User-Agent and Origin,
 * the limits and the site policy. Built once per request; it also caches per-batch values (the last URL's
 * parts), so use one context per request, from one caller at a time.
 */
export interface NormalizeContextInput {
  /** Server time (epoch ms) at which the request was received. */
  readonly receivedAt: number;
  /** The request's User-Agent header (bounded and cleaned here). */
  readonly userAgent?: string | null;
  /** The request's Origin header. */
  readonly origin?: string | null;
  /** Makes an event_id (a lower-case UUID) for events that carry none. */
  readonly newId: () => string;
  readonly limits: NativeLimits;
  /** Config `sites`, or a policy compiled once with compileOriginPolicy (preferred on a hot path). */
  readonly sites: SiteOriginsConfig | OriginPolicy;
  /**
   * The events were parsed from a body for which isPlainJson (body.ts) is true: their strings need no cleaning
   * or escaping. Default false (every row is checked). Setting it wrongly would store unclean text.
   */
  readonly plain?: boolean;
  /**
   * The enrichment step of this request (Enricher.forRequest), run on each row before it is encoded; absent: the
   * enrichment columns stay NULL and nothing is rewritten.
   */
  readonly enrichment?: RequestEnrichment | null;
}

export interface NormalizeContext {
  readonly receivedAt: number;
  readonly receivedAtIso: string;
  readonly userAgent: string | null;
  /** userAgent as a JSON value (it may hold quotes), made once per request. */
  readonly userAgentJson: string;
  readonly plain: boolean;
  readonly origin: string | null;
  readonly newId: () => string;
  readonly limits: NativeLimits;
  readonly policy: OriginPolicy;
  /** The request's enrichment step; may be set after creation (it needs the cleaned userAgent above). */
  enrichment: RequestEnrichment | null;
  /** One-entry cache of the URL parts: the events of a batch mostly share their page URL. */
  lastUrl: string | null;
  lastHost: string | null;
  lastPath: string | null;
}

export type NormalizeResult = { row: string } | { code: ErrorCode; message: string };

function isPolicy(sites: SiteOriginsConfig | OriginPolicy): sites is OriginPolicy {
  return typeof (sites as OriginPolicy).allows === 'function';
}

export function createNormalizeContext(input: NormalizeContextInput): NormalizeContext {
  const cleaned = input.userAgent ? cleanText(truncate(input.userAgent, L.user_agent)) : null;
  const ua = cleaned === '' ? null : cleaned;
  return {
    receivedAt: input.receivedAt,
    receivedAtIso: new Date(input.receivedAt).toISOString(),
    userAgent: ua,
    userAgentJson: JSON.stringify(ua),
    plain: input.plain === true,
    origin: normalizeOrigin(input.origin),
    newId: input.newId,
    limits: input.limits,
    policy: isPolicy(input.sites) ? input.sites : compileOriginPolicy(input.sites),
    enrichment: input.enrichment ?? null,
    lastUrl: null,
    lastHost: null,
    lastPath: null,
  };
}
