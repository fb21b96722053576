import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Clock, Enricher, RequestEnrichment, RequestFacts } from '../core/ports.js';
import { loadUserIdKey, pseudonymizeUserId } from '../core/pseudonym.js';
import type { LakeRow } from '../core/schema.js';
import { classifyChannel, referrerHostOf, type Channel } from './channel.js';
import { createClientIpResolver, truncateIp } from './client-ip.js';
import { NO_GEO, openGeo, type GeoInfo, type GeoLookup } from './geo.js';
import { Lru } from './lru.js';
import { cookielessId, DailySalts } from './salts.js';
import { skewCorrected } from './skew.js';
import { createAgentParser, hintsOf, type AgentInfo } from './user-agent.js';
import { redactionSet, redactUrl, scanPageUrl, type PageUrlFacts } from './url.js';

/**
 * The enrichment stage behind the Enricher port (src/core/ports.ts): pure in-memory work per request and per event,
 * no HTTP framework. Per request (forRequest): client IP, user agent + client hints + bot verdict (LRU-cached), geo
 * (LRU-cached), what is kept of the IP. Per event (enrichRow): URL redaction, UTM and click ids, referrer host and
 * channel (one-entry caches: the events of a batch share their URLs), cookieless id, user_id pseudonym, clock skew.
 *
 * Invariant: the raw client IP lives only in the per-request object; it is never put in a row, logged or thrown.
 */
export interface EnricherOptions {
  readonly collector: Pick<Config['collector'], 'trustedProxies' | 'bots' | 'maxClockSkewMs'>;
  readonly enrichment: Config['enrichment'];
  readonly privacy: Config['privacy'];
  /** The data dir: salts in <dataDir>/secrets/salts/, the generated user id key in <dataDir>/secrets/. */
  readonly dataDir: string;
  /** Used once at start to create today's salt. Default Date.now (request times come from the collector). */
  readonly clock?: Clock;
  /** Replaces the geo database (tests); null disables geo. Default: per enrichment.geo / geoDatabase. */
  readonly geo?: GeoLookup | null;
}

/** Distinct bot reasons used as metric labels; later ones count as "other" (labels must stay bounded). */
const MAX_REASON_LABELS = 100;
const GEO_CACHE = 10_000;

export async function createEnricher(opts: EnricherOptions): Promise<Enricher> {
  const geoLookup = opts.geo !== undefined ? opts.geo : opts.enrichment.geo ? await openGeo(opts.enrichment.geoDatabase) : null;
  const userIdKey = opts.privacy.pseudonymizeUserId ? await loadUserIdKey(opts.dataDir, opts.privacy.userIdKey) : null;
  const salts = opts.privacy.cookielessIds ? new DailySalts(join(opts.dataDir, 'secrets', 'salts')) : null;
  salts?.saltFor((opts.clock ?? Date.now)());
  return buildEnricher(opts, geoLookup, userIdKey, salts);
}

function buildEnricher(opts: EnricherOptions, geoLookup: GeoLookup | null, userIdKey: string | null, salts: DailySalts | null): Enricher {
  const clientIp = createClientIpResolver(opts.collector.trustedProxies);
  const agent = createAgentParser(opts.enrichment.userAgentCacheSize);
  const geoCache = new Lru<string, GeoInfo>(GEO_CACHE);
  const redact = redactionSet(opts.privacy.redactQueryParams);
  const dropBots = opts.collector.bots === 'drop';
  const truncate = opts.privacy.ip === 'truncate';
  const shared: Shared = { redact, salts, userIdKey, maxSkewMs: opts.collector.maxClockSkewMs };
  const reasonLabels = new Set<string>();

  function geoOf(ip: string | null): GeoInfo {
    if (ip === null || geoLookup === null) return NO_GEO;
    let g = geoCache.get(ip);
    if (g === undefined) {
      g = geoLookup(ip);
      geoCache.set(ip, g);
    }
    return g;
  }

  function label(reason: string): string {
    if (reasonLabels.has(reason)) return reason;
    if (reasonLabels.size >= MAX_REASON_LABELS) return 'other';
    reasonLabels.add(reason);
    return reason;
  }

  return {
    forRequest(facts: RequestFacts): RequestEnrichment {
      const ip = clientIp(facts.peerAddress, facts.forwardedFor);
      const info = agent(facts.userAgent, hintsOf(facts.headers));
      const drop = dropBots && info.bot_reason !== null ? label(info.bot_reason) : null;
      return new OneRequest(shared, info, drop === null ? geoOf(ip) : NO_GEO, ip, ip !== null && truncate ? truncateIp(ip) : null, facts, drop);
    },
  };
}

interface Shared {
  readonly redact: ReadonlySet<string>;
  readonly salts: DailySalts | null;
  readonly userIdKey: string | null;
  readonly maxSkewMs: number;
}

class OneRequest implements RequestEnrichment {
  // One-entry caches: the events of a batch mostly share page URL, referrer, site and user.
  private pageUrl: string | null = null;
  private page: PageUrlFacts | null = null;
  private referrer: string | null = null;
  private referrerPageHost: string | null = null;
  private referrerRedacted: string | null = null;
  private referrerHost: string | null = null;
  private channelPage: PageUrlFacts | null | undefined = undefined;
  private channelHost: string | null = null;
  private channel: Channel = 'direct';
  private site: string | null = null;
  private anonId = '';
  private userId: string | null = null;
  private userHash = '';

  constructor(
    private readonly shared: Shared,
    private readonly agent: AgentInfo,
    private readonly geo: GeoInfo,
    /** The raw client IP: only ever used in memory (cookieless id), never stored. */
    private readonly clientIp: string | null,
    private readonly storedIp: string | null,
    private readonly facts: RequestFacts,
    readonly dropBotReason: string | null,
  ) {}

  enrichRow(row: LakeRow, clientTs: number | null, sentAt: number | null): void {
    const a = this.agent;
    row.browser = a.browser;
    row.browser_version = a.browser_version;
    row.os = a.os;
    row.os_version = a.os_version;
    row.device_type = a.device_type;
    row.device_vendor = a.device_vendor;
    row.device_model = a.device_model;
    row.is_bot = a.bot_reason !== null;
    row.bot_reason = a.bot_reason;
    row.country = this.geo.country;
    row.region = this.geo.region;
    row.city = this.geo.city;
    row.ip = this.storedIp;

    const s = this.shared;
    let page: PageUrlFacts | null = null;
    if (row.page_url !== null) {
      if (row.page_url !== this.pageUrl) {
        this.pageUrl = row.page_url;
        this.page = scanPageUrl(row.page_url, s.redact);
      }
      page = this.page!;
      row.page_url = page.url;
      row.utm_source = page.utm_source;
      row.utm_medium = page.utm_medium;
      row.utm_campaign = page.utm_campaign;
      row.utm_term = page.utm_term;
      row.utm_content = page.utm_content;
      row.click_id_type = page.click_id_type;
    }
    if (row.referrer !== null) {
      if (row.referrer !== this.referrer || row.page_host !== this.referrerPageHost) {
        this.referrer = row.referrer;
        this.referrerPageHost = row.page_host;
        this.referrerRedacted = redactUrl(row.referrer, s.redact);
        this.referrerHost = referrerHostOf(row.referrer, row.page_host);
      }
      row.referrer = this.referrerRedacted;
      row.referrer_host = this.referrerHost;
    }
    if (row.element_href !== null) row.element_href = redactUrl(row.element_href, s.redact);
    const host = row.referrer_host;
    if (page !== this.channelPage || host !== this.channelHost) {
      this.channelPage = page;
      this.channelHost = host;
      this.channel = classifyChannel({
        referrerHost: host,
        utmSource: page === null ? null : page.utm_source,
        utmMedium: page === null ? null : page.utm_medium,
        clickId: page === null ? null : page.click_id_type,
      });
    }
    row.channel = this.channel;

    if (row.anonymous_id === null && s.salts !== null) {
      if (row.site_id !== this.site) {
        this.site = row.site_id;
        this.anonId = cookielessId(s.salts.saltFor(this.facts.receivedAt), row.site_id, this.clientIp, this.facts.userAgent);
      }
      row.anonymous_id = this.anonId;
    }
    if (row.user_id !== null && s.userIdKey !== null) {
      if (row.user_id !== this.userId) {
        this.userId = row.user_id;
        this.userHash = pseudonymizeUserId(s.userIdKey, row.user_id);
      }
      row.user_id = this.userHash;
    }
    const corrected = skewCorrected(clientTs, sentAt, this.facts.receivedAt, s.maxSkewMs);
    if (corrected !== null) {
      row.client_ts = row.client_ts ?? row.ts;
      row.ts = new Date(corrected).toISOString();
    }
  }
}
