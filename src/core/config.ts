import { z } from 'zod';

/**
 * The whole configuration, one strict schema with every default in one place. Unknown keys are rejected with their
 * path. Sizes are bytes, durations milliseconds unless the key says otherwise. docs/config.md documents each key.
 * Only the composition root reads files and environment variables; it passes the parsed result to the stages.
 */
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const siteSchema = z.strictObject({
  /** Origins allowed to send events for this site, e.g. ["https://shop.example"]; ["*"] allows any. */
  allowedOrigins: z.array(z.string().min(1)).default(['*']),
});

export const configSchema = z.strictObject({
  /** HTTP port. */
  port: z.number().int().min(0).max(65535).default(8080),
  /** Interface to bind; 0.0.0.0 for containers. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Where the spool, the lake and the admin token live. */
  dataDir: z.string().min(1).default('./clicklake-data'),
  /** Bearer token for /api; generated and kept in <dataDir>/admin-token when unset. */
  adminToken: z.string().min(16).optional(),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
  /** Per-site settings, keyed by site id. Events for sites not listed are accepted from any origin. */
  sites: z.record(z.string().min(1).max(128), siteSchema).default({}),
  collector: z
    .strictObject({
      maxBodyBytes: z.number().int().positive().default(1 * MiB), // 1 MiB, compressed and decompressed
      maxEventsPerRequest: z.number().int().positive().default(500),
      maxEventBytes: z.number().int().positive().default(32 * KiB), // 32 KiB per event as stored
      /** Client times further than this from received_at are replaced by received_at in `ts`. */
      maxClockSkewMs: z.number().int().nonnegative().default(7 * 24 * 3600 * 1000), // 7 days
      /**
       * Proxies (IPs or CIDRs, e.g. "10.0.0.0/8") whose X-Forwarded-For is trusted: the client IP is the right-most
       * address not in this list. Empty (default): the socket's peer address is the client, the header is ignored.
       */
      trustedProxies: z.array(z.string().min(1)).default([]),
      /** Events from detected bots: dropped and counted per reason ("drop"), or kept with is_bot = true ("keep"). */
      bots: z.enum(['drop', 'keep']).default('drop'),
    })
    .prefault({}),
  enrichment: z
    .strictObject({
      /** Country/region/city from the client IP with the offline database shipped in the npm package. */
      geo: z.boolean().default(true),
      /** Path of another MaxMind-format (.mmdb) city or country database to use instead of the shipped one. */
      geoDatabase: z.string().min(1).optional(),
      /** Parsed user agents kept in memory (LRU). */
      userAgentCacheSize: z.number().int().min(0).default(10_000),
    })
    .prefault({}),
  privacy: z
    .strictObject({
      /** The client IP in the lake: never the raw IP; dropped (default) or truncated to /24 (IPv4) and /48 (IPv6). */
      ip: z.enum(['drop', 'truncate']).default('drop'),
      /**
       * Events without anonymous_id (cookieless tracker) get hash(daily salt, site, ip, user agent); salts rotate at
       * UTC midnight and old ones are deleted, so ids cannot be linked across days.
       */
      cookielessIds: z.boolean().default(true),
      /** Query parameters removed from page URLs and referrers (case-insensitive names). */
      redactQueryParams: z
        .array(z.string().min(1))
        .default(['token', 'access_token', 'id_token', 'auth', 'password', 'pass', 'pwd', 'secret', 'key', 'api_key', 'apikey', 'session', 'sessionid', 'sid', 'code', 'email', 'e-mail', 'phone', 'ssn']),
      /** Replace user_id by HMAC-SHA256(key, user_id) (hex) before it is stored. */
      pseudonymizeUserId: z.boolean().default(false),
      /** HMAC key for pseudonymizeUserId; generated and kept in <dataDir>/secrets/ when unset. */
      userIdKey: z.string().min(16).optional(),
    })
    .prefault({}),
  retention: z
    .strictObject({
      /** Event partitions (dt=) older than this many days are deleted; unset keeps everything. */
      days: z.number().int().positive().optional(),
      /** Dead-letter partitions (failed/dt=) older than this many days are deleted. */
      failedDays: z.number().int().positive().default(30),
    })
    .prefault({}),
  deadLetter: z
    .strictObject({
      /** Store events that fail validation under lake/failed/dt=YYYY-MM-DD/ (view failed_events). */
      enabled: z.boolean().default(true),
      /** Raw payload bytes kept per dead-lettered event or request. */
      maxPayloadBytes: z.number().int().min(64).default(4 * KiB),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** Dashboard users besides the admin token: [{ "name": "ana", "passwordHash": "<clicklake hash-password>" }]. */
      users: z
        .array(z.strictObject({ name: z.string().min(1).max(64), passwordHash: z.string().min(1) }))
        .default([]),
      /** Lifetime of a login session. */
      sessionTtlHours: z.number().positive().default(24 * 7),
      /** Secure attribute of the session cookie: "auto" sets it when the request came over HTTPS. */
      secureCookie: z.enum(['auto', 'always', 'never']).default('auto'),
    })
    .prefault({}),
  spool: z
    .strictObject({
      segmentBytes: z.number().int().min(4 * KiB).default(8 * MiB), // a segment is closed past this size
      maxBytes: z.number().int().min(64 * KiB).default(2 * GiB), // appends are refused (503) past this
      retryAfterSeconds: z.number().int().positive().default(5),
    })
    .prefault({}),
  writer: z
    .strictObject({
      intervalMs: z.number().int().min(100).default(10_000), // flush period
      maxEvents: z.number().int().positive().default(200_000), // flush early once this many are pending
      batchMaxBytes: z.number().int().positive().default(16 * MiB), // one Parquet batch reads at most this much (bounds memory: DuckDB needs ~5x)
      compactMinFiles: z.number().int().min(2).default(8), // compact an hour once it has this many files
      compactTargetBytes: z.number().int().positive().default(256 * MiB), // ... whose total is below this
      deleteGraceMs: z.number().int().nonnegative().default(60_000), // keep compacted-away files this long
      duckdbMemoryLimit: z.string().default('256MB'),
      duckdbThreads: z.number().int().positive().default(1), // leave the other core(s) to the collector
    })
    .prefault({}),
  query: z
    .strictObject({
      timeoutMs: z.number().int().positive().default(30_000),
      maxRows: z.number().int().positive().default(10_000), // rows returned by /api/query
      duckdbMemoryLimit: z.string().default('1GB'),
      threads: z.number().int().positive().optional(),
      // The dashboards' rollup of closed days (docs/dashboard-api.md, "Speed"), kept in <dataDir>/cache/rollup/.
      rollup: z.boolean().default(true),
      rollupSettleMs: z.number().int().nonnegative().default(600_000), // a day (an hour of today) is rolled up this long after its end
    })
    .prefault({}),
  lake: z
    .strictObject({
      /**
       * Where the lake is: "local" (the embedded pipeline writes <dataDir>/lake) or "s3": a read-only lake follower
       * that serves dashboards and queries over a lake in S3 written elsewhere (the AWS `process` Lambda) and does not
       * collect (docs/aws.md).
       */
      store: z.enum(['local', 's3']).default('local'),
      s3: z
        .strictObject({
          /** Bucket of the lake (required when store is "s3"). */
          bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').optional(),
          /** Key prefix of the lake inside the bucket: '' (default) or ending in '/'. */
          prefix: z.string().max(512).regex(/^$|^[^/].*\/$/, "must be '' or end in '/' (and not start with '/')").default(''),
          /** AWS region; unset: the SDK's default (AWS_REGION). */
          region: z.string().min(1).optional(),
          /** Endpoint of an S3-compatible server (path-style requests); unset: AWS S3. */
          endpoint: z.url().optional(),
        })
        .prefault({}),
      /** How often the follower re-reads the manifest and copies new files. */
      syncIntervalMs: z.number().int().min(1000).default(60_000), // 1 min
      /** Local copy of the lake's files; unset: <dataDir>/lake-cache. */
      cacheDir: z.string().min(1).optional(),
      /** Most bytes the cached files may hold; a larger lake fails the sync (the last snapshot stays). */
      cacheMaxBytes: z.number().int().positive().default(16 * GiB),
    })
    .prefault({}),
}).superRefine((c, ctx) => {
  if (c.lake.store === 's3' && c.lake.s3.bucket === undefined) {
    ctx.addIssue({ code: 'custom', path: ['lake', 's3', 'bucket'], message: 'required when lake.store is "s3"' });
  }
  // Cross-key bounds: a poll returns whole segments, and compacted files must outlive the longest query.
  if (c.spool.segmentBytes > c.writer.batchMaxBytes) {
    ctx.addIssue({ code: 'custom', path: ['spool', 'segmentBytes'], message: `must be <= writer.batchMaxBytes (${c.writer.batchMaxBytes})` });
  }
  if (c.query.timeoutMs >= c.writer.deleteGraceMs) {
    ctx.addIssue({ code: 'custom', path: ['query', 'timeoutMs'], message: `must be < writer.deleteGraceMs (${c.writer.deleteGraceMs})` });
  }
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Parses config; throws an Error listing every problem with its key path. */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
