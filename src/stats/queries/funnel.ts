import { z } from 'zod';
import { ClicklakeError } from '../../core/errors.js';
import type { SqlParam, SqlRunner } from '../../core/ports.js';
import { eventScope, type Scope, type StatsQuery } from '../params.js';
import { num, ratio } from '../sql.js';

/**
 * Funnels (docs/dashboard-api.md, "Funnels"): ordered steps, counted per visitor (anonymous_id) inside the range.
 *
 * A step is a page view (`{"page": "/checkout"}`; `*` in the path matches any characters, so "/products/*" is a
 * prefix) or an event (`{"event": "signup"}`: event_name OR event_type equals it), each with optional property
 * equalities on the event's `properties` JSON (top-level keys, compared as text). Matching (per visitor):
 * - step 1 is the visitor's first matching event in the range; each later step is the first matching event
 *   strictly after the previous step's time (greedy earliest match, which reaches the most steps);
 * - with a window, every step must happen within `windowSeconds` of step 1; then every step-1 event is tried as a
 *   start, and the visitor counts with the start that reaches the most steps (the earliest of those).
 * Time from the previous step is measured on that one chain per visitor; the median is DuckDB's `median`
 * (the mean of the two middle values for an even count).
 *
 * Everything a user sends is bound: paths, names, property keys (as a JSON path) and values are parameters.
 */
export const MIN_STEPS = 2;
export const MAX_STEPS = 10;
export const MAX_PROPERTIES = 10;
/** Longest window: 366 days. */
export const MAX_WINDOW_SECONDS = 366 * 86_400;
/** Property keys: top-level JSON keys of this shape only (they become a quoted JSON path, bound). */
export const PROPERTY_KEY_RE = /^[A-Za-z0-9_-]{1,64}$/;

const propertyValue = z.union([z.string().max(1000), z.number(), z.boolean()]);
const properties = z
  .record(z.string().regex(PROPERTY_KEY_RE, 'property keys are 1-64 of A-Z a-z 0-9 _ -'), propertyValue)
  .refine((p) => Object.keys(p).length <= MAX_PROPERTIES, `at most ${MAX_PROPERTIES} properties per step`)
  .optional();
const label = z.string().min(1).max(200).optional();

export const STEP_SHAPE = 'each step is {"page": "/path"} or {"event": "name"}, with optional "properties" and "label"';

/** One object with exactly one of page / event (not a union, so errors name the exact field). */
export const funnelStepSchema = z
  .strictObject({
    page: z.string().min(1).max(1000).startsWith('/', 'a page path starts with /').optional(),
    event: z.string().min(1).max(256).optional(),
    properties,
    label,
  })
  .refine((s) => (s.page === undefined) !== (s.event === undefined), STEP_SHAPE);
export const funnelStepsSchema = z.array(funnelStepSchema).min(MIN_STEPS).max(MAX_STEPS);
export const windowSchema = z.number().int().min(1).max(MAX_WINDOW_SECONDS);

export type FunnelStep = z.infer<typeof funnelStepSchema>;

export interface FunnelDefinition {
  readonly steps: readonly FunnelStep[];
  /** Every step within this many seconds of the first step; unset: anywhere in the range. */
  readonly windowSeconds?: number | undefined;
}

export interface FunnelStepResult {
  readonly index: number;
  readonly label: string;
  readonly visitors: number;
  /** visitors / visitors of step 1 (0 when step 1 has none), rounded to 4 decimals. */
  readonly conversion: number;
  /** visitors / visitors of the previous step (1 for step 1; 0 when the previous step has none). */
  readonly conversionFromPrevious: number;
  /** Visitors of the previous step who did not reach this one (0 for step 1). */
  readonly dropOff: number;
  /** Median milliseconds from the previous step (null for step 1 or when nobody reached it). */
  readonly medianMsFromPrevious: number | null;
}

export interface FunnelResult {
  readonly windowSeconds: number | null;
  readonly steps: FunnelStepResult[];
}

/** The LIKE pattern of a page glob: `*` -> `%`, with %, _ and \ escaped (ESCAPE '\'). */
export function globToLike(glob: string): string {
  return glob.replace(/[\\%_]/g, (c) => `\\${c}`).replaceAll('*', '%');
}

export function stepLabel(step: FunnelStep): string {
  if (step.label !== undefined) return step.label;
  return step.page ?? step.event ?? '';
}

/** The boolean SQL of one step; parameters $fn_<i>_... */
function stepCondition(step: FunnelStep, i: number, params: Record<string, SqlParam>): string {
  const p = `fn_${i}`;
  const parts: string[] = [];
  if (step.page !== undefined) {
    parts.push(`event_type = 'page_view'`);
    if (step.page.includes('*')) {
      params[`${p}_page`] = globToLike(step.page);
      parts.push(`page_path LIKE $${p}_page ESCAPE '\\'`);
    } else {
      params[`${p}_page`] = step.page;
      parts.push(`page_path = $${p}_page`);
    }
  } else {
    params[`${p}_event`] = step.event ?? '';
    parts.push(`(event_name = $${p}_event OR event_type = $${p}_event)`);
  }
  Object.entries(step.properties ?? {}).forEach(([key, value], k) => {
    // The key passed the allow-list pattern; it still travels as a bound JSON path, never as SQL text.
    params[`${p}_k${k}`] = `$."${key}"`;
    params[`${p}_v${k}`] = String(value);
    parts.push(`json_extract_string(properties, $${p}_k${k}) = $${p}_v${k}`);
  });
  return `(${parts.join(' AND ')})`;
}

/** The funnel statement over `scope` (the WHERE condition of the range, site and filters). */
export function funnelSql(def: FunnelDefinition, scope: Scope): { sql: string; params: Record<string, SqlParam> } {
  const n = def.steps.length;
  if (n < MIN_STEPS || n > MAX_STEPS) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `steps: ${MIN_STEPS}..${MAX_STEPS} steps`);
  const params: Record<string, SqlParam> = { ...scope.params };
  const conds = def.steps.map((s, i) => stepCondition(s, i, params));
  const windowed = def.windowSeconds !== undefined;
  if (windowed) params.fn_window_ms = def.windowSeconds! * 1000;
  const idx = [...Array(n).keys()];

  const ctes = [
    `ev AS (SELECT anonymous_id AS v, ts, ${conds.map((c, i) => `${c} AS s${i}`).join(', ')} FROM events ` +
      `WHERE ${scope.sql} AND anonymous_id IS NOT NULL AND (${conds.join(' OR ')}))`,
    ...idx.map((i) => `e${i} AS (SELECT v, ts FROM ev WHERE s${i})`),
    // Chain starts: the first step-1 event per visitor, or every one of them when a window applies.
    windowed ? `c0 AS (SELECT DISTINCT v, ts AS t0 FROM e0)` : `c0 AS (SELECT v, min(ts) AS t0 FROM e0 GROUP BY v)`,
    // Step i: the earliest matching event strictly after step i-1 (ASOF picks the nearest greater ts), cut by the window.
    // DuckDB's ASOF JOIN may pair a NULL key (a chain that already stopped) with some row, so the CASE re-checks
    // the order itself; the CASE's NULL ends the chain.
    ...idx.slice(1).map((i) => {
      const inWindow = windowed ? ` AND e.ts <= c.t0 + to_milliseconds($fn_window_ms)` : '';
      const pick = `CASE WHEN c.t${i - 1} IS NOT NULL AND e.ts > c.t${i - 1}${inWindow} THEN e.ts END`;
      return `c${i} AS (SELECT c.*, ${pick} AS t${i} FROM c${i - 1} c ASOF LEFT JOIN e${i} e ON c.v = e.v AND e.ts > c.t${i - 1})`;
    }),
    `best AS (SELECT * FROM c${n - 1} QUALIFY row_number() OVER ` +
      `(PARTITION BY v ORDER BY ${idx.map((i) => `(t${i} IS NOT NULL)::INTEGER`).join(' + ')} DESC, t0) = 1)`,
  ];
  const columns = idx.map((i) =>
    i === 0
      ? `count(t0) AS n0`
      : `count(t${i}) AS n${i}, median(epoch_ms(t${i}) - epoch_ms(t${i - 1})) AS m${i}`,
  );
  return { sql: `WITH ${ctes.join(',\n')}\nSELECT ${columns.join(', ')} FROM best`, params };
}

export async function runFunnel(sql: SqlRunner, q: StatsQuery, def: FunnelDefinition): Promise<FunnelResult> {
  const statement = funnelSql(def, eventScope(q));
  const result = await sql.queryInternal(statement.sql, statement.params, { maxRows: 1 });
  const row = result.rows[0] ?? {};
  const counts = def.steps.map((_, i) => num(row[`n${i}`]));
  const steps = def.steps.map((step, i): FunnelStepResult => {
    const median = i === 0 ? null : row[`m${i}`];
    return {
      index: i + 1,
      label: stepLabel(step),
      visitors: counts[i]!,
      conversion: ratio(counts[i]!, counts[0]!),
      conversionFromPrevious: i === 0 ? 1 : ratio(counts[i]!, counts[i - 1]!),
      dropOff: i === 0 ? 0 : counts[i - 1]! - counts[i]!,
      medianMsFromPrevious: typeof median === 'number' ? median : null,
    };
  });
  return { windowSeconds: def.windowSeconds ?? null, steps };
}

/** Parses a funnel definition (request body or saved funnel); zod issues become one 400 naming the field. */
export function parseFunnelDefinition(input: { steps?: unknown; windowSeconds?: unknown }): FunnelDefinition {
  const steps = funnelStepsSchema.safeParse(input.steps);
  if (!steps.success) throw badField('steps', steps.error);
  if (input.windowSeconds === undefined || input.windowSeconds === null) return { steps: steps.data };
  const w = windowSchema.safeParse(input.windowSeconds);
  if (!w.success) throw badField('windowSeconds', w.error);
  return { steps: steps.data, windowSeconds: w.data };
}

export function badField(field: string, error: z.ZodError): ClicklakeError {
  const issue = error.issues[0];
  const where = [field, ...(issue?.path ?? []).map(String)].join('.');
  return new ClicklakeError('CLK_ERR_BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'}`);
}
