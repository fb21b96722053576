import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { NO_ENRICHMENT, type LakeRow } from '../../src/core/schema.js';
import { buildCatalog } from './catalog.js';
import { type Rng, intBetween, seededRng, uuidFrom } from './rng.js';
import { EventStream, type SimEvent } from './sessions.js';
import { countryOf, sourceOf, uaInfo } from './enrichment.js';

/**
 * LakeRows as the collector would hand them to the buffer (JSON, keys = LAKE_COLUMNS), for the writer benchmark.
 * Event ids are random UUIDs (the one column that cannot compress), the other columns repeat with realistic
 * cardinalities, and timestamps increase the way live traffic does.
 */
export function toLakeRow(e: SimEvent, rng: Rng): LakeRow {
  const sentAt = e.tsMs + intBetween(rng, 50, 3_000);
  const receivedAt = sentAt + intBetween(rng, 15, 400);
  const el = e.element;
  // What src/enrich would add (bench/gen/enrichment.ts): user agent, country, referrer host, channel, utm.
  const params = e.url ? new URL(e.url).searchParams : new URLSearchParams();
  const utm = { source: params.get('utm_source'), medium: params.get('utm_medium') };
  const source = sourceOf(e.referrer, e.site.host, utm);
  return {
    event_id: uuidFrom(rng),
    event_type: e.type,
    event_name: e.name,
    ts: new Date(e.tsMs).toISOString(),
    client_ts: null,
    received_at: new Date(receivedAt).toISOString(),
    site_id: e.site.id,
    anonymous_id: e.visitorId,
    user_id: null,
    session_id: e.sessionId,
    seq: e.seq,
    page_url: e.url,
    page_host: e.site.host,
    page_path: e.path,
    page_title: e.title,
    referrer: e.referrer,
    element_tag: el?.tag ?? null,
    element_id: el?.id ?? null,
    element_classes: el?.classes ?? null,
    element_text: el?.text ?? null,
    element_selector: el?.selector ?? null,
    element_href: el?.href ?? null,
    x: e.x,
    y: e.y,
    scroll_depth: e.scrollDepth,
    viewport_w: e.device.viewport.w,
    viewport_h: e.device.viewport.h,
    screen_w: e.device.screen.w,
    screen_h: e.device.screen.h,
    language: e.locale.language,
    timezone: e.locale.timezone,
    user_agent: e.device.userAgent,
    properties: e.props === null ? '{}' : JSON.stringify(e.props),
    // Enrichment last, so the keys stay in LAKE_COLUMNS order (NO_ENRICHMENT lists them in order).
    ...NO_ENRICHMENT,
    ...uaInfo(e.device.userAgent),
    is_bot: false,
    country: countryOf(e.locale.timezone),
    referrer_host: source.referrer_host,
    channel: source.channel,
    utm_source: utm.source,
    utm_medium: utm.medium,
    utm_campaign: params.get('utm_campaign'),
  };
}

export interface LakeRowsOptions {
  readonly events: number;
  /** Traffic spans [endMs - spanMs, endMs]. */
  readonly endMs: number;
  readonly spanMs: number;
  readonly seed?: number;
}

/** Yields `events` JSON-serialised LakeRows in time order. */
export function* lakeRowPayloads(opts: LakeRowsOptions): Generator<string> {
  const stream = new EventStream({
    catalog: buildCatalog(),
    seed: opts.seed ?? 11,
    startMs: opts.endMs - opts.spanMs,
    endMs: opts.endMs,
    expectedEvents: opts.events,
    visitors: 50_000,
  });
  const rng = seededRng((opts.seed ?? 11) + 1);
  for (let i = 0; i < opts.events; i++) yield JSON.stringify(toLakeRow(stream.next(), rng));
}

/** Writes the payloads as NDJSON; returns the file's size in bytes. */
export async function writeNdjson(path: string, payloads: Iterable<string>): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  let chunk: string[] = [];
  for (const p of payloads) {
    chunk.push(p);
    if (chunk.length === 2000) {
      const s = chunk.join('\n') + '\n';
      bytes += Buffer.byteLength(s);
      if (!out.write(s)) await once(out, 'drain');
      chunk = [];
    }
  }
  if (chunk.length > 0) {
    const s = chunk.join('\n') + '\n';
    bytes += Buffer.byteLength(s);
    out.write(s);
  }
  out.end();
  await once(out, 'finish');
  return bytes;
}
