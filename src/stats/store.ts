import { randomUUID } from 'node:crypto';
import { open, readFile, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { ClicklakeError } from '../core/errors.js';
import type { Clock, Logger } from '../core/ports.js';
import { funnelStepsSchema, windowSchema } from './queries/funnel.js';

/**
 * Saved dashboard items: funnels (name, steps, window) and SQL console queries (name, sql), in one JSON file,
 * `<dataDir>/dashboards.json` (docs/dashboard-api.md, "Saved funnels and queries").
 *
 * Design constraints:
 * - The file is only ever replaced whole: temp file in the same directory, write, fsync, rename over the file,
 *   fsync the directory. A crash leaves the old file or the new one, never a mix; a leftover temp file (torn write)
 *   is deleted at the next open and never read.
 * - Mutations run one at a time (a promise chain); the in-memory state changes only after the new file is durable,
 *   so a failed write changes nothing.
 * - Every item is validated with zod on the way in AND when the file is read. A file that does not parse is moved
 *   aside (dashboards.json.corrupt-<epoch ms>) and logged, and the store starts empty: saved items are
 *   conveniences, and refusing to start the whole server over them would be worse.
 * - Bounded: at most MAX_FUNNELS funnels and MAX_QUERIES queries; names and SQL have maximum lengths.
 */
export const STORE_FILE = 'dashboards.json';
export const MAX_FUNNELS = 200;
export const MAX_QUERIES = 200;
export const MAX_NAME_CHARS = 100;
export const MAX_SQL_CHARS = 20_000;

const name = z.string().trim().min(1).max(MAX_NAME_CHARS);
export const funnelInputSchema = z.strictObject({
  name,
  steps: funnelStepsSchema,
  windowSeconds: windowSchema.optional(),
});
export const queryInputSchema = z.strictObject({ name, sql: z.string().min(1).max(MAX_SQL_CHARS) });

const meta = { id: z.string().min(1).max(64), created_at: z.string(), updated_at: z.string() };
const funnelItem = funnelInputSchema.extend(meta);
const queryItem = queryInputSchema.extend(meta);
const fileSchema = z.strictObject({
  version: z.literal(1),
  funnels: z.array(funnelItem).max(MAX_FUNNELS),
  queries: z.array(queryItem).max(MAX_QUERIES),
});

export type FunnelInput = z.infer<typeof funnelInputSchema>;
export type QueryInput = z.infer<typeof queryInputSchema>;
export type SavedFunnel = z.infer<typeof funnelItem>;
export type SavedQuery = z.infer<typeof queryItem>;
type StoreFile = z.infer<typeof fileSchema>;

export type Collection = 'funnels' | 'queries';
interface Items {
  funnels: SavedFunnel;
  queries: SavedQuery;
}
interface Inputs {
  funnels: FunnelInput;
  queries: QueryInput;
}
const INPUT_SCHEMAS = { funnels: funnelInputSchema, queries: queryInputSchema } as const;
const LIMITS: Record<Collection, number> = { funnels: MAX_FUNNELS, queries: MAX_QUERIES };
const NOUN: Record<Collection, string> = { funnels: 'funnel', queries: 'saved query' };

export interface SavedStore {
  list<C extends Collection>(collection: C): readonly Items[C][];
  /** Throws CLK_ERR_NOT_FOUND. */
  get<C extends Collection>(collection: C, id: string): Items[C];
  /** `input` is untrusted: validated here (CLK_ERR_BAD_REQUEST naming the field). */
  create<C extends Collection>(collection: C, input: unknown): Promise<Items[C]>;
  update<C extends Collection>(collection: C, id: string, input: unknown): Promise<Items[C]>;
  remove(collection: Collection, id: string): Promise<void>;
}

export interface SavedStoreOptions {
  readonly dir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly newId?: () => string;
}

function emptyFile(): StoreFile {
  return { version: 1, funnels: [], queries: [] };
}

export function parseInput<C extends Collection>(collection: C, input: unknown): Inputs[C] {
  const parsed = INPUT_SCHEMAS[collection].safeParse(input);
  if (parsed.success) return parsed.data as Inputs[C];
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
  throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function load(path: string, logger: Logger, clock: Clock): Promise<StoreFile> {
  // Temp files are written completely before the rename; one still here was torn by a crash.
  const base = basename(path);
  for (const entry of await readdir(dirname(path))) {
    if (entry.startsWith(`${base}.tmp-`)) await rm(join(dirname(path), entry), { force: true });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
    throw err;
  }
  try {
    return fileSchema.parse(JSON.parse(text));
  } catch (err) {
    const aside = `${path}.corrupt-${clock()}`;
    await rename(path, aside);
    logger.error({ err, path, movedTo: aside }, 'saved funnels/queries file is not valid; moved aside, starting empty');
    return emptyFile();
  }
}

export async function openSavedStore(options: SavedStoreOptions): Promise<SavedStore> {
  const clock = options.clock ?? Date.now;
  const newId = options.newId ?? randomUUID;
  const path = join(options.dir, STORE_FILE);
  let state = await load(path, options.logger, clock);
  let chain: Promise<unknown> = Promise.resolve();

  /** Runs one mutation after the previous ones; `change` returns the new state (or throws, changing nothing). */
  function mutate<T>(change: (current: StoreFile) => { next: StoreFile; result: T }): Promise<T> {
    const run = chain.then(async () => {
      const { next, result } = change(state);
      await writeAtomic(path, JSON.stringify(next, null, 2) + '\n');
      state = next;
      return result;
    });
    chain = run.catch(() => undefined);
    return run;
  }

  function find<C extends Collection>(file: StoreFile, collection: C, id: string): number {
    const i = (file[collection] as Items[C][]).findIndex((item) => item.id === id);
    if (i < 0) throw new ClicklakeError('CLK_ERR_NOT_FOUND', `no ${NOUN[collection]} with id "${id.slice(0, 64)}"`);
    return i;
  }

  return {
    list: (collection) => state[collection] as never,
    get(collection, id) {
      return state[collection][find(state, collection, id)] as never;
    },
    async create(collection, input) {
      const data = parseInput(collection, input);
      return mutate((file) => {
        if (file[collection].length >= LIMITS[collection]) {
          throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `at most ${LIMITS[collection]} ${collection}; delete one first`);
        }
        const now = new Date(clock()).toISOString();
        const item = { ...data, id: newId(), created_at: now, updated_at: now } as Items[typeof collection];
        return { next: { ...file, [collection]: [...file[collection], item] }, result: item };
      });
    },
    async update(collection, id, input) {
      const data = parseInput(collection, input);
      return mutate((file) => {
        const i = find(file, collection, id);
        const old = file[collection][i]!;
        const item = { ...data, id: old.id, created_at: old.created_at, updated_at: new Date(clock()).toISOString() } as Items[typeof collection];
        const items = [...file[collection]];
        items[i] = item as never;
        return { next: { ...file, [collection]: items }, result: item };
      });
    },
    async remove(collection, id) {
      await mutate((file) => {
        const i = find(file, collection, id);
        return { next: { ...file, [collection]: file[collection].filter((_, k) => k !== i) }, result: undefined };
      });
    },
  };
}
