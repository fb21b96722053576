import type { BufferBatch, BufferCheckpoint, BufferStats, Clock, EventBuffer, TailCursor, TailRead } from '../../core/ports.js';

/**
 * An in-memory EventBuffer for writer tests: records get increasing sequence numbers, a checkpoint is
 * `{ seq: N }` (every record <= N), poll hands out up to maxRecords/maxBytes (at least one record) after a checkpoint,
 * as UTF-8 bytes like every buffer.
 * Hooks let a test fail a call (`failCommit`) or watch them (`calls`).
 */
export class MemoryBuffer implements EventBuffer {
  readonly kind = 'memory';
  readonly calls: { op: 'poll' | 'commit'; checkpoint: BufferCheckpoint | null }[] = [];
  /** Called before a commit is applied; throw from it to make the commit fail. */
  failCommit: ((checkpoint: BufferCheckpoint) => void) | null = null;
  private records: { seq: number; payload: string; data: Buffer; bytes: number; appendedMs: number }[] = [];
  private nextSeq = 1;
  private committed = 0;

  constructor(private readonly clock: Clock = Date.now) {}

  async append(payloads: readonly string[]): Promise<void> {
    for (const payload of payloads) {
      const data = Buffer.from(payload, 'utf8');
      this.records.push({ seq: this.nextSeq++, payload, data, bytes: data.length, appendedMs: this.clock() });
    }
  }

  async poll(after: BufferCheckpoint | null, limits: { maxRecords: number; maxBytes: number }): Promise<BufferBatch | null> {
    this.calls.push({ op: 'poll', checkpoint: after });
    const from = Math.max(after?.seq ?? 0, this.committed);
    const payloads: Uint8Array[] = [];
    let bytes = 0;
    let last = from;
    for (const r of this.records) {
      if (r.seq <= from) continue;
      if (payloads.length > 0 && (payloads.length + 1 > limits.maxRecords || bytes + r.bytes > limits.maxBytes)) break;
      payloads.push(r.data);
      bytes += r.bytes;
      last = r.seq;
    }
    return payloads.length === 0 ? null : { payloads, bytes, checkpoint: { seq: last } };
  }

  async commit(checkpoint: BufferCheckpoint): Promise<void> {
    this.calls.push({ op: 'commit', checkpoint });
    this.failCommit?.(checkpoint);
    const upTo = checkpoint.seq ?? 0;
    if (upTo <= this.committed) return;
    this.committed = upTo;
    this.records = this.records.filter((r) => r.seq > upTo);
  }

  async readUncommitted(after: BufferCheckpoint | null, cursor: TailCursor | null): Promise<TailRead> {
    const from = Math.max(after?.seq ?? 0, cursor?.seq ?? 0, this.committed);
    const rest = this.records.filter((r) => r.seq > from);
    return { payloads: rest.map((r) => r.payload), cursor: { seq: rest.at(-1)?.seq ?? from } };
  }

  stats(): BufferStats {
    return {
      bytes: this.records.reduce((n, r) => n + r.bytes, 0),
      segments: 1,
      pendingRecords: this.records.length,
      oldestPendingMs: this.records[0]?.appendedMs ?? null,
    };
  }

  async close(): Promise<void> {}
}
