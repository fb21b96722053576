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
    })
    .prefault({}),
}).superRefine((c, ctx) => {
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
