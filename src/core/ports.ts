import type { LakeRow } from './schema.js';
import type { FailedRow } from './tables.js';

/**
 * Ports: the interfaces between stages. Stages depend on these, never on each other; the composition root
 * (src/server/) picks the implementations. Each port has one contract test suite that every implementation passes
 * (src/buffer/contract.ts, src/store/contract.ts).
 */

/** Minimal structured logger; pino satisfies it. Stages receive one, they never create a global one. */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Injected time source (epoch milliseconds). */
export type Clock = () => number;

/**
 * Where the buffer's consumer (the writer) has got to. Opaque to everyone but the buffer that made it; the writer
 * stores it in its manifest in the same atomic step as the Parquet files it wrote, which is what makes a crash
 * between "Parquet committed" and "buffer trimmed" harmless. Plain JSON (numbers only) so it can be stored anywhere.
 * The spool uses `{ "segment": N }`: every record of segments <= N is in the lake.
 */
export type BufferCheckpoint = { readonly [key: string]: number };

export interface BufferBatch {
  /**
   * Payloads in append order, as raw bytes: each one is the UTF-8 JSON of one LakeRow, exactly the bytes of the string
   * that was appended. The consumer receives bytes because it writes bytes (NDJSON for DuckDB) and because every
   * buffer stores bytes (spool segments, Kafka and NATS messages): no buffer decodes them into strings.
   * They may be views into a larger buffer (the spool returns subarrays of the segment file it read, without
   * copying): treat them as read-only, and drop them once the batch is written, since a view keeps its whole
   * underlying buffer alive. A buffer never reuses that memory: a batch stays intact across later calls.
   */
  readonly payloads: readonly Uint8Array[];
  /** Sum of the payloads' byte lengths. */
  readonly bytes: number;
  /** Committing this discards this batch and everything before it. */
  readonly checkpoint: BufferCheckpoint;
}

/** Where a tail reader (readUncommitted) stopped; opaque, pass it back to continue. */
export type TailCursor = { readonly [key: string]: number };

export interface TailRead {
  readonly payloads: string[];
  readonly cursor: TailCursor;
}

export interface BufferStats {
  /** Bytes the buffer holds on disk (or remotely). */
  readonly bytes: number;
  /** Number of storage units (segment files, ...). */
  readonly segments: number;
  /** Records appended and not yet committed by the consumer. */
  readonly pendingRecords: number;
  /** Epoch ms at which the oldest uncommitted record was appended, or null when none is pending. */
  readonly oldestPendingMs: number | null;
}

/**
 * The durable queue between the collector and the writer.
 *
 * Producer side: `append` resolves only once every payload is on stable storage (for the spool: written and
 * fsynced). It rejects with ClicklakeError CLK_ERR_BUFFER_FULL (size bound reached, disk full) or
 * CLK_ERR_BUFFER_UNAVAILABLE (I/O error), both with `retryAfter`, and then nothing of that call is acknowledged.
 * Appends of concurrent callers may share one fsync (group commit).
 *
 * Consumer side: `poll(after)` is stateless: it returns the next closed batch after `after` (null: from the start),
 * closing the currently open unit first if it holds records, or null when there is nothing. Calling it twice with
 * the same `after` returns the same records. `commit(cp)` discards everything up to cp; committing an old or the
 * same checkpoint again is a no-op.
 *
 * Freshness: `readUncommitted(after, cursor)` returns records not covered by `after` that were not returned for
 * `cursor` yet (null: from the first uncommitted record), including the open unit's durable records, so queries can
 * see acknowledged events before they reach Parquet. A unit deleted concurrently (committed meanwhile) is skipped.
 */
export interface EventBuffer {
  readonly kind: string;
  append(payloads: readonly string[]): Promise<void>;
  poll(after: BufferCheckpoint | null, limits: { maxRecords: number; maxBytes: number }): Promise<BufferBatch | null>;
  commit(checkpoint: BufferCheckpoint): Promise<void>;
  readUncommitted(after: BufferCheckpoint | null, cursor: TailCursor | null): Promise<TailRead>;
  stats(): BufferStats;
  /** Stops accepting appends, waits for in-flight ones, releases files. */
  close(): Promise<void>;
}

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

/**
 * Where the lake's objects live (local disk, S3, ...). Keys are '/'-separated relative paths such as
 * `events/dt=2026-11-27/hour=09/part-....parquet`. Every put is atomic and durable when it resolves: a reader sees
 * the whole object or nothing (local: temp file, fsync, rename, fsync dir).
 */
export interface ObjectStore {
  readonly kind: string;
  /** Uploads/moves a local file to `key`; the source file may be consumed (renamed) by a local store. */
  putFile(key: string, sourcePath: string): Promise<void>;
  putBytes(key: string, data: Uint8Array): Promise<void>;
  /** Null when the object does not exist. */
  getBytes(key: string): Promise<Uint8Array | null>;
  /** Deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** A local filesystem path DuckDB can read for `key`, or null when the store is remote. */
  localPath(key: string): string | null;
}

/** A bound SQL parameter; pass timestamps as ISO strings and cast in SQL ($from::TIMESTAMPTZ). */
export type SqlParam = string | number | boolean | bigint | null;

/** A JSON-safe cell value of a result (BIGINT beyond 2^53 and DECIMAL come back as strings, dates as ISO text). */
export type SqlValue = string | number | boolean | null | SqlValue[] | { [key: string]: SqlValue };

export interface SqlResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly rows: Record<string, SqlValue>[];
  /** True when the query had more rows than were returned. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/**
 * Read-only SQL over the lake views (`events`, ...) with bound parameters ($1 or $name), for code that asks fixed
 * questions of the lake (the dashboards' named queries). The query stage implements it (QueryEngine.queryInternal);
 * the result always reflects every acknowledged event (the view is refreshed first).
 */
export interface SqlRunner {
  queryInternal(
    sql: string,
    params: readonly SqlParam[] | Readonly<Record<string, SqlParam>>,
    options?: { readonly maxRows?: number },
  ): Promise<SqlResult>;
  /**
   * A fingerprint of what `events` holds for the UTC days [fromDay, toDay] (YYYY-MM-DD; null: unbounded), taken
   * after bringing the view up to date: the Parquet files of those days plus the count of not-yet-written events of
   * those days. Equal fingerprints mean equal data for those days, so a result computed from only those days may be
   * reused (the dashboards' result cache). Optional: runners without it are never cached.
   */
  dataFingerprint?(fromDay: string | null, toDay: string | null): Promise<string>;
  /**
   * The same per UTC day: day -> fingerprint of that day's data, for every day in [fromDay, toDay] that has data
   * (days missing from the map hold nothing), after bringing the view up to date. The key '*' (data whose day is
   * unknown: a file path without dt=, an unreadable tail payload) means per-day reuse is not possible. Lets a
   * caller reuse per-day partial results of unchanged days (src/stats/partials.ts). Optional.
   */
  dayFingerprints?(fromDay: string | null, toDay: string | null): Promise<ReadonlyMap<string, string>>;
  /**
   * When the runner keeps the dashboards' rollup (core/rollup.ts, table ROLLUP_TABLE): the UTC days in
   * [fromDay, toDay] whose rollup rows are current data, each with the number of its first hours they cover: 24 for
   * the whole day (a day that holds no data at all is listed with 24 too), less for the closed hours of a day still
   * going on (its rows hold only those hours, hour < N). Days not listed, and the hours after N, must be computed
   * from `events`.
   */
  rollupDays?(fromDay: string, toDay: string): Promise<ReadonlyMap<string, number>>;
  /**
   * With rollupDays: a number that changes whenever the stored rows of a partial day change (its next hour added, a
   * rebuild, the day completed or dropped), whenever a build numbers new visitors (rollupSiteStats), and whenever the
   * lake's files do (a writer commit). A statement built
   * from rollupDays' answer reads a partial day's stored rows by day and the later hours from `events`; if the stored
   * rows changed in between, the two overlap or leave a gap. And the relations of eventsOfDays and liveRowsOfDays
   * name the files of one lake snapshot but read the not-yet-written events when the statement runs: after a commit
   * in between, the events it wrote would be in neither. A caller compares this before rollupDays and after its
   * statement, and runs again when it moved (about once an hour, plus once per writer commit while events arrive).
   */
  rollupGeneration?(): number;
  /**
   * With rollupDays: what the rollup holds of a site (undefined: nothing). `visitors`: the highest visitor number
   * (core/visitor-bits.ts VISITOR_NUMBERS_TABLE), the bitmap size of a distinct-visitor count over stored rows; a statement
   * that read it counts no visitor numbered later, and rollupGeneration moves when one is. `sourceValues`: distinct
   * source values (hashes) of all stored days, a bound on the groups of the sources tile; `audienceValues`: the same
   * for the audience tile's dimensions (the sum of each one's distinct values, NULL included). `bitmapCapacity`: the
   * capacity of the site's per-day visitor bitmaps (core/visitor-bits.ts BITMAP_SITES_TABLE), kept for every stored day; 0:
   * none. `sourceBits`: the same for its source bitmaps (SOURCE_BITS_TABLE), 0 when it keeps none.
   */
  rollupSiteStats?(site: string): RollupSiteStats | undefined;
  /**
   * With rollupDays, for a statement that needs the rollup rows (core/rollup.ts rollupSelectSql) of the later hours
   * of partial days (`partial`: day -> first hour the rollup does not hold): `rows`, a SELECT of the rollup rows of
   * those hours' Parquet files, computed once per file (null when there are none), and `source`, eventsOfDays'
   * relation for [fromDay, toDay] without those files (the not-yet-written events are in `source` only), or null
   * when there is nothing else to read: no other file of those days and no not-yet-written event of them at the call
   * (a statement then answers for the data of that moment; one written since moves rollupGeneration). Rows of
   * different files are not merged: a (session, page, hour) can have several, so readers must re-aggregate.
   * `derived` (null with `rows`): per derived table name (core/rollup.ts DERIVED_TABLES) whose rows the runner keeps
   * per file too, a SELECT of those files' rows of it, not merged across files either.
   */
  liveRowsOfDays?(
    fromDay: string,
    toDay: string,
    partial: ReadonlyMap<string, number>,
  ): Promise<{ rows: string | null; derived: ReadonlyMap<string, string> | null; source: string | null }>;
  /**
   * A relation (SQL text for a FROM clause) with the rows of `events` of the UTC days [fromDay, toDay] and possibly
   * more, cheaper to plan than `events` (which lists every file of the lake: ~0.1 s for 720 files); callers still
   * filter by day and hour. `skip` (day -> N): the rows of the first N hours of those days may be left out.
   * Optional: `events` serves otherwise.
   */
  eventsOfDays?(fromDay: string, toDay: string, skip?: ReadonlyMap<string, number>): Promise<string>;
}

export interface RollupSiteStats {
  readonly visitors: number;
  readonly sourceValues: number;
  readonly audienceValues: number;
  readonly bitmapCapacity: number;
  readonly sourceBits: number;
}

/**
 * Where the collector sends what it refused (dead letters, core/tables.ts FAILED_COLUMNS): `append` resolves once
 * the records are durable. The collector awaits it but never lets it fail the request's good events (a rejection is
 * logged and counted). The server backs it with a second spool and writer (table failed_events).
 */
export interface DeadLetterSink {
  append(records: readonly FailedRow[]): Promise<void>;
}

/**
 * Facts of one `/collect` request that enrichment needs (docs/enrichment.md). The collector passes them as it got
 * them: the raw peer address and X-Forwarded-For are read only by the enricher, which never stores or logs them.
 */
export interface RequestFacts {
  /** The socket's peer address (IPv4, IPv6 or IPv4-mapped IPv6), or null when unknown. */
  readonly peerAddress: string | null;
  /** The X-Forwarded-For header(s) as received. */
  readonly forwardedFor: string | readonly string[] | undefined;
  /** The User-Agent header, already bounded and cleaned by the collector (null when absent). */
  readonly userAgent: string | null;
  /** Request headers (lower-case names); the enricher reads the Sec-CH-UA* client hints from them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** Server time (epoch ms) at which the request was received. */
  readonly receivedAt: number;
}

/** What the enricher made of one request; `enrichRow` runs once per event of it. Use from one caller at a time. */
export interface RequestEnrichment {
  /** Set when the request comes from a detected bot and bot events are dropped: the reason (a bounded label). */
  readonly dropBotReason: string | null;
  /**
   * Fills the enrichment columns of a normalised row and applies the privacy rules in place (URL redaction,
   * cookieless anonymous_id, user_id pseudonym, clock-skew correction of ts/client_ts). Strings it sets are not
   * JSON-escaped; the row encoder escapes the enrichment columns. `clientTs`/`sentAt` are the event's validated
   * `ts` and `sent_at` in epoch ms (null when absent).
   */
  enrichRow(row: LakeRow, clientTs: number | null, sentAt: number | null): void;
}

/** The enrichment stage (src/enrich/) as the collector sees it: one cheap step per request. */
export interface Enricher {
  forRequest(facts: RequestFacts): RequestEnrichment;
}
