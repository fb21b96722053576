import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ClicklakeError } from '../core/errors.js';
import { emptyManifest, manifestBytes, parseManifest, type Manifest } from '../core/lake.js';
import type { WriterContext } from './context.js';
import { withoutPendingDeletes } from './manifest-state.js';

/**
 * Makes the lake, the writer's memory and the buffer agree with the committed manifest again.
 *
 * Startup (`mode: 'startup'`, what Writer.recover does):
 *  - objects under events/ that the manifest does not list are crash leftovers (put, never committed): deleted;
 *  - pendingDeletes are deleted (no reader of this process can still hold a snapshot naming them) and a manifest
 *    without them is committed;
 *  - the buffer is committed up to the manifest's checkpoint: after a crash between the manifest commit and the
 *    buffer trim, this discards the batch the lake already holds instead of writing it twice;
 *  - scratch files of the previous run are removed from tmpDir.
 * A lake without a manifest gets an empty one (generation 0) first, before anything is written, so that "no manifest"
 * never means "nothing committed yet" once a writer has run. When objects are under the table's prefix but there is no
 * manifest (it was deleted, or the files were copied without `_clicklake/`), nothing is deleted and recovery fails
 * with CLK_ERR_LAKE_NO_MANIFEST: those files may be all of the lake's data, and only the operator can tell.
 * At stop (`mode: 'stop'`, what Writer.stop does after its last flush) the same as at startup: the server has stopped
 * serving queries, so no reader of this process can still use a retired file, and after a graceful stop the lake
 * directory holds exactly the files the manifest lists.
 * After a failed step inside a running writer (`mode: 'resync'`) the same, except that pendingDeletes keep their
 * grace period (readers of this process may be using them) and tmpDir is left alone. It also picks up a manifest
 * whose put reported an error but did land.
 *
 * Only one writer may use a lake at a time (the server holds a lock on the data dir): another writer's files that are
 * not committed yet would look like leftovers.
 */
export type RecoveryMode = 'startup' | 'resync' | 'stop';

const DONE: Record<RecoveryMode, string> = {
  startup: 'writer: recovered the lake',
  resync: 'writer: re-synchronised with the committed manifest',
  stop: 'writer: lake cleaned up at stop',
};

export async function recoverLake(ctx: WriterContext, opts: { mode: RecoveryMode }): Promise<void> {
  const { store, state, logger } = ctx;
  const startup = opts.mode !== 'resync'; // stop: no reader is left, as at startup
  const manifest = await readOrCreateManifest(ctx);
  const live = new Set(manifest.files.map((f) => f.key));
  const pending = new Set(manifest.pendingDeletes);
  let orphans = 0;
  for (const object of await store.list(ctx.table.prefix)) {
    if (live.has(object.key) || pending.has(object.key)) continue; // retired files: below, without a warning
    logger.warn({ key: object.key, bytes: object.size }, 'writer: deleting an object the manifest does not list (crash leftover)');
    await store.delete(object.key);
    orphans++;
  }
  state.adopt(manifest);
  if (startup) {
    for (const key of manifest.pendingDeletes) if (!live.has(key)) await store.delete(key);
    state.retiredAt.clear();
    if (manifest.pendingDeletes.length > 0) {
      await state.commit(withoutPendingDeletes(manifest, manifest.pendingDeletes, ctx.clock));
    }
    await cleanScratch(ctx.tmpDir);
  } else {
    const now = ctx.clock();
    for (const key of [...state.retiredAt.keys()]) if (!pending.has(key)) state.retiredAt.delete(key);
    for (const key of pending) if (!state.retiredAt.has(key)) state.retiredAt.set(key, now);
  }
  if (manifest.checkpoint !== null) await ctx.buffer.commit(manifest.checkpoint);
  logger.info(
    {
      generation: state.current.generation,
      files: state.current.files.length,
      checkpoint: manifest.checkpoint,
      orphansDeleted: orphans,
      pendingDeleted: startup ? manifest.pendingDeletes.length : 0,
    },
    DONE[opts.mode],
  );
}

/**
 * The committed manifest; for a lake without one and nothing under the table's prefix, an empty manifest, written
 * (generation 0: the first commit is generation 1, as without it).
 */
async function readOrCreateManifest(ctx: WriterContext): Promise<Manifest> {
  const { store, table } = ctx;
  const bytes = await store.getBytes(table.manifestKey);
  if (bytes !== null) return parseManifest(bytes);
  const objects = await store.list(table.prefix);
  if (objects.length > 0) {
    const bytesTotal = objects.reduce((n, o) => n + o.size, 0);
    throw new ClicklakeError(
      'CLK_ERR_LAKE_NO_MANIFEST',
      `The lake has ${objects.length} object(s) (${bytesTotal} bytes) under ${table.prefix} but no manifest ${table.manifestKey}; ` +
        `nothing was deleted. Restore the manifest, or move those objects away to start an empty lake (docs/errors.md).`,
    );
  }
  const manifest = emptyManifest();
  await store.putBytes(table.manifestKey, manifestBytes(manifest));
  return manifest;
}

/** Removes what flushes and compactions of a previous run left in tmpDir (they always clean up when they can). */
async function cleanScratch(tmpDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith('batch-') || name.startsWith('compact-') || name.startsWith('forget-')) {
      await rm(join(tmpDir, name), { recursive: true, force: true });
    }
  }
}
