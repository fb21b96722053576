import type { SqlRunner } from '../core/ports.js';

/** How many times runConsistent() runs a tile with the rollup before it answers from `events` alone. */
const CONSISTENT_ATTEMPTS = 3;

/**
 * Runs `answer` (a tile over `sql`) so that it never mixes two states of a partial day's stored rows (see
 * SqlRunner.rollupGeneration): again when they changed while it ran (they change about once an hour), and after
 * CONSISTENT_ATTEMPTS such runs once more without the rollup, from `events` alone.
 */
export async function runConsistent<T>(sql: SqlRunner, answer: (sql: SqlRunner) => Promise<T>): Promise<T> {
  if (sql.rollupGeneration === undefined) return answer(sql);
  for (let i = 0; i < CONSISTENT_ATTEMPTS; i++) {
    const before = sql.rollupGeneration();
    const result = await answer(sql);
    if (sql.rollupGeneration() === before) return result;
  }
  return answer(withoutRollup(sql));
}

/** `sql` without its rollup (rollupDays, rollupGeneration): the tiles then read `events` only. */
function withoutRollup(sql: SqlRunner): SqlRunner {
  return {
    queryInternal: sql.queryInternal.bind(sql),
    ...(sql.dataFingerprint ? { dataFingerprint: sql.dataFingerprint.bind(sql) } : {}),
    ...(sql.dayFingerprints ? { dayFingerprints: sql.dayFingerprints.bind(sql) } : {}),
    ...(sql.eventsOfDays ? { eventsOfDays: sql.eventsOfDays.bind(sql) } : {}),
  };
}
