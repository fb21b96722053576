import type { Clock, Logger } from '../../core/ports.js';
import { ClicklakeError } from '../../core/errors.js';
import { encodedSize, encodeHeader, encodeRecords } from './format.js';
import { errorCode } from './io.js';
import type { SpoolFile, SpoolIo } from './io.js';
import type { RejectReason, SpoolMetrics } from './metrics.js';
import type { SegmentInfo, SegmentTable } from './segments.js';

export interface AppenderDeps {
  readonly io: SpoolIo;
  readonly table: SegmentTable;
  readonly logger: Logger;
  readonly metrics: SpoolMetrics;
  readonly clock: Clock;
  readonly segmentBytes: number;
  readonly maxBytes: number;
  readonly retryAfterSeconds: number;
}

interface Waiter {
  readonly payloads: readonly string[];
  readonly size: number;
  resolve(): void;
  reject(err: unknown): void;
}

interface Active {
  readonly segment: SegmentInfo;
  readonly file: SpoolFile;
}

/**
 * The producer side of the spool: group commit into the active segment, rotation, and the failure rules of the
 * design constraints (spool.ts). Everything that touches the active segment runs under one lock, one round at a
 * time; callers arriving during a round queue for the next one.
 */
export class Appender {
  private queue: Waiter[] = [];
  private draining: Promise<void> | null = null;
  private active: Active | null = null;
  private lockTail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly deps: AppenderDeps) {}

  append(payloads: readonly string[]): Promise<void> {
    if (this.closed) return Promise.reject(this.refusal('closed', 'CLK_ERR_SHUTTING_DOWN', 'spool is closed'));
    let size: number;
    try {
      size = encodedSize(payloads);
    } catch (err) {
      return Promise.reject(err);
    }
    if (size === 0) return Promise.resolve();
    if (this.deps.table.bytes >= this.deps.maxBytes) return Promise.reject(this.fullError());
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payloads: payloads.slice(), size, resolve, reject }); // the caller may reuse its array
      if (this.draining === null) this.draining = this.drain();
    });
  }

  /** Opens the first active segment at startup. A full disk is tolerated (appends retry); other errors throw. */
  async start(): Promise<void> {
    await this.exclusive(async () => {
      try {
        await this.ensureActive();
      } catch (err) {
        if (errorCode(err) !== 'ENOSPC') throw err;
        this.deps.logger.error({ err }, 'spool: disk full, no active segment yet; appends will retry');
      }
    });
  }

  /** Seals the active segment if it holds records, so that poll can hand it out; the next append opens a new one. */
  sealIfHoldingRecords(): Promise<void> {
    return this.exclusive(async () => {
      if (this.active && this.active.segment.records > 0) await this.retire();
    });
  }

  /**
   * Makes sure an active segment exists (unless closed), so that a commit never leaves the directory without the
   * newest id on disk. False when none could be opened (disk full).
   */
  ensureActiveSegment(): Promise<boolean> {
    return this.exclusive(async () => {
      if (this.active) return true;
      if (this.closed) return false;
      try {
        await this.ensureActive();
        return true;
      } catch (err) {
        this.deps.logger.warn({ err }, 'spool: could not open a new active segment');
        return false;
      }
    });
  }

  /** Refuses new appends, lets queued ones finish, then seals the active segment and closes its file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining !== null) await this.draining;
    await this.exclusive(() => this.retire());
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lockTail.then(fn);
    this.lockTail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // The queue is taken inside the lock, so callers arriving up to the moment the round starts join it.
        await this.exclusive(async () => {
          const round = this.queue;
          this.queue = [];
          try {
            await this.commitRound(round);
          } catch (err) {
            for (const w of round) w.reject(err);
          }
        });
      }
    } finally {
      this.draining = null;
    }
  }

  private async commitRound(round: Waiter[]): Promise<void> {
    const { table, maxBytes, metrics } = this.deps;
    let active: Active;
    try {
      active = await this.ensureActive();
    } catch (err) {
      this.fail(round, err, 'create a segment');
      return;
    }
    const accepted: Waiter[] = [];
    let projected = table.bytes;
    let size = 0;
    for (const w of round) {
      if (projected >= maxBytes) {
        w.reject(this.fullError());
        continue;
      }
      accepted.push(w);
      projected += w.size;
      size += w.size;
    }
    if (accepted.length === 0) return;

    const encoded = encodeRecords(
      accepted.map((w) => w.payloads),
      size,
    );
    const at = active.segment.end;
    let step = 'write';
    try {
      await active.file.write(encoded.data, at);
      step = 'fsync';
      const stopTimer = metrics.fsyncSeconds.startTimer();
      await active.file.sync();
      stopTimer();
    } catch (err) {
      await this.afterFailedRound(active, at, err, step);
      this.fail(accepted, err, step);
      return;
    }
    table.grow(active.segment, encoded.data.length, encoded.records, encoded.payloadBytes, this.deps.clock());
    metrics.appendedRecords.inc(encoded.records);
    metrics.groupCommits.inc();
    for (const w of accepted) w.resolve();
    if (active.segment.end >= this.deps.segmentBytes) await this.retire();
  }

  /**
   * ENOSPC on write: cut the file back to the last durable offset and keep using it. Anything else (EIO, any fsync
   * failure, a failed cut): the file's state is unknown, so it is sealed at its durable offset and never written
   * again; a best-effort truncate keeps a restart from resurrecting the rejected bytes.
   */
  private async afterFailedRound(active: Active, at: number, err: unknown, step: string): Promise<void> {
    const { logger } = this.deps;
    const file = active.segment.path;
    if (errorCode(err) === 'ENOSPC' && step === 'write') {
      try {
        await active.file.truncate(at);
        await active.file.sync();
        logger.warn({ file, offset: at }, 'spool: disk full; cut the segment back to its durable end');
        return;
      } catch (cutErr) {
        logger.error({ err: cutErr, file, offset: at }, 'spool: could not cut back a failed write; sealing segment');
      }
    } else {
      logger.error({ err, file, offset: at, step }, 'spool: I/O error; sealing the segment, appends continue in a new one');
      await active.file.truncate(at).catch(() => undefined);
    }
    await this.retire();
  }

  private async ensureActive(): Promise<Active> {
    if (this.active) return this.active;
    const { io, table } = this.deps;
    const segment = table.allocate(this.deps.clock());
    let file: SpoolFile | null = null;
    try {
      file = await io.create(segment.path);
      await file.write(encodeHeader(segment.createdMs), 0);
      await file.sync();
      await io.syncDir(table.dir);
    } catch (err) {
      if (file) await file.close().catch(() => undefined);
      await io.unlink(segment.path).catch(() => undefined);
      throw err;
    }
    table.add(segment);
    this.active = { segment, file };
    return this.active;
  }

  /** Seals the active segment (it is never written again) and closes its file. */
  private async retire(): Promise<void> {
    const active = this.active;
    if (!active) return;
    this.active = null;
    active.segment.sealed = true;
    try {
      await active.file.close();
    } catch (err) {
      this.deps.logger.warn({ err, file: active.segment.path }, 'spool: closing a sealed segment failed');
    }
  }

  private fail(waiters: Waiter[], err: unknown, step: string): void {
    const full = errorCode(err) === 'ENOSPC';
    const reason: RejectReason = full ? 'full' : 'io';
    const message = `spool could not ${step}: ${errorCode(err) ?? String(err)}`;
    for (const w of waiters) {
      w.reject(this.refusal(reason, full ? 'CLK_ERR_BUFFER_FULL' : 'CLK_ERR_BUFFER_UNAVAILABLE', message, err));
    }
  }

  private fullError(): ClicklakeError {
    return this.refusal('full', 'CLK_ERR_BUFFER_FULL', 'spool reached its size bound (spool.maxBytes)');
  }

  private refusal(
    reason: RejectReason,
    code: 'CLK_ERR_BUFFER_FULL' | 'CLK_ERR_BUFFER_UNAVAILABLE' | 'CLK_ERR_SHUTTING_DOWN',
    message: string,
    cause?: unknown,
  ): ClicklakeError {
    this.deps.metrics.appendsRejected.inc({ reason });
    return new ClicklakeError(code, message, { cause, retryAfter: this.deps.retryAfterSeconds });
  }
}
