/**
 * The query stage: read-only DuckDB SQL over the view `events` (lake Parquet files + the buffer's acknowledged
 * tail). docs/query.md is the user-facing description.
 */
export {
  createQueryEngine,
  type QueryColumn,
  type QueryEngine,
  type QueryEngineOptions,
  type QueryOptions,
  type QueryParam,
  type QueryParams,
  type QueryResult,
  type QueryTable,
} from './engine.js';
export { DELIVERY_VIEW } from './delivery.js';
export { formatResult, RESULT_FORMATS, type ResultFormat } from './format.js';
export type { JsonValue } from './values.js';
