import type { BufferCheckpoint, Clock, Logger, ObjectStore } from '../core/ports.js';
import { type LakeSnapshot, type Manifest, type ManifestFile, MANIFEST_KEY, emptyManifest, manifestBytes, snapshotOf } from '../core/lake.js';

/**
 * The writer's copy of the committed manifest, and the only code that commits a new one.
 *
 * `commit(next)` writes the manifest with one atomic, durable store.putBytes (the lake's commit point) and only then
 * makes `next` current and tells the listeners. A failed put leaves the previous manifest both in the store and here
 * (if the put did land despite the error, the writer's recovery reads it back; see recovery.ts).
 *
 * Manifests are values: the helpers below derive the next one from the current one.
 */
export type CommitListener = (snapshot: LakeSnapshot) => void;

export class ManifestState {
  #current: Manifest = emptyManifest();
  /** snapshot() of #current, made once per manifest (the query engine asks for it before every query). */
  #snapshot: { readonly of: Manifest; readonly snapshot: LakeSnapshot } | null = null;
  readonly #listeners = new Set<CommitListener>();
  /** When each key of pendingDeletes was retired (epoch ms); in memory only, see compaction.ts. */
  readonly retiredAt = new Map<string, number>();

  constructor(
    private readonly store: ObjectStore,
    private readonly logger: Logger,
    private readonly onChange: (manifest: Manifest) => void,
    /** The table's manifest key (core/tables.ts). */
    private readonly manifestKey: string = MANIFEST_KEY,
  ) {}

  get current(): Manifest {
    return this.#current;
  }

  /** Adopts a manifest read from the store (recovery), without writing it. */
  adopt(manifest: Manifest): void {
    const changed = manifest.generation !== this.#current.generation;
    this.#current = manifest;
    this.onChange(manifest);
    if (changed && manifest.generation > 0) this.#notify();
  }

  async commit(next: Manifest): Promise<void> {
    if (next.generation !== this.#current.generation + 1) {
      throw new Error(`manifest generation ${next.generation} does not follow ${this.#current.generation}`);
    }
    await this.store.putBytes(this.manifestKey, manifestBytes(next));
    this.#current = next;
    this.onChange(next);
    this.#notify();
  }

  snapshot(): LakeSnapshot {
    // Manifests are values (a change is a new object), so the cached one is current while it is the same object.
    if (this.#snapshot?.of !== this.#current) {
      this.#snapshot = { of: this.#current, snapshot: snapshotOf(this.#current, (key) => this.store.localPath(key)) };
    }
    return this.#snapshot.snapshot;
  }

  onCommit(listener: CommitListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    if (this.#listeners.size === 0) return;
    let snap: LakeSnapshot;
    try {
      snap = this.snapshot();
    } catch (err) {
      this.logger.error({ err }, 'writer: cannot build a lake snapshot for listeners');
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener(snap);
      } catch (err) {
        this.logger.error({ err }, 'writer: commit listener failed');
      }
    }
  }
}

function next(m: Manifest, clock: Clock, change: Partial<Pick<Manifest, 'checkpoint' | 'files' | 'pendingDeletes'>>): Manifest {
  return {
    ...m,
    ...change,
    generation: m.generation + 1,
    updatedAt: new Date(clock()).toISOString(),
  };
}

/** A flush: new files and the buffer position they cover. */
export function withBatch(m: Manifest, files: readonly ManifestFile[], checkpoint: BufferCheckpoint, clock: Clock): Manifest {
  return next(m, clock, { checkpoint, files: [...m.files, ...files] });
}

/** A compaction: `replaced` leave the live set for pendingDeletes, `merged` joins it. */
export function withSwap(m: Manifest, replaced: readonly string[], merged: ManifestFile, clock: Clock): Manifest {
  const gone = new Set(replaced);
  return next(m, clock, {
    files: [...m.files.filter((f) => !gone.has(f.key)), merged],
    pendingDeletes: [...m.pendingDeletes, ...replaced.filter((k) => !m.pendingDeletes.includes(k))],
  });
}

/**
 * Retention and forget: `replaced` leave the live set for pendingDeletes (a query on an older snapshot may still read
 * them), `added` (rewritten files, possibly none) join it.
 */
export function withReplaced(m: Manifest, replaced: readonly string[], added: readonly ManifestFile[], clock: Clock): Manifest {
  const gone = new Set(replaced);
  return next(m, clock, {
    files: [...m.files.filter((f) => !gone.has(f.key)), ...added],
    pendingDeletes: [...m.pendingDeletes, ...replaced.filter((k) => !m.pendingDeletes.includes(k))],
  });
}

/** Deleted objects leave pendingDeletes. */
export function withoutPendingDeletes(m: Manifest, deleted: readonly string[], clock: Clock): Manifest {
  const gone = new Set(deleted);
  return next(m, clock, { pendingDeletes: m.pendingDeletes.filter((k) => !gone.has(k)) });
}

export function lakeTotals(m: Manifest): { files: number; bytes: number; rows: number } {
  let bytes = 0;
  let rows = 0;
  for (const f of m.files) {
    bytes += f.bytes;
    rows += f.rows;
  }
  return { files: m.files.length, bytes, rows };
}
