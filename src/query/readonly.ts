import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { ClicklakeError } from '../core/errors.js';

/**
 * The read-only gate for user SQL: exactly one statement, and DuckDB itself must classify it as SELECT (which covers
 * WITH ... SELECT, FROM-first queries, VALUES, DESCRIBE/SHOW/SUMMARIZE and PIVOT with an explicit IN list).
 * PRAGMA is refused by its first keyword, because DuckDB rewrites some PRAGMAs into SELECTs before classifying
 * them. Everything else (INSERT, CREATE, COPY, ATTACH, SET, CALL, EXPLAIN, ...) is refused by its type.
 * This is one of two layers: the sandbox (sandbox.ts) blocks file access and configuration changes anyway.
 */
const REFUSED_FIRST_KEYWORDS = new Set(['PRAGMA']);
/** First keywords a query can start with; used only to word the error when binding fails. */
const QUERY_FIRST_KEYWORDS = new Set([
  'SELECT', 'WITH', 'FROM', 'VALUES', 'TABLE', 'SHOW', 'DESCRIBE', 'DESC', 'SUMMARIZE', 'PIVOT', 'UNPIVOT', '(',
]);

/** The first keyword of `sql` after whitespace and comments (-- line, nested block), upper-cased; '' if none. */
export function firstKeyword(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      let depth = 0;
      while (i < sql.length) {
        if (sql.startsWith('/*', i)) {
          depth++;
          i += 2;
        } else if (sql.startsWith('*/', i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else {
          i++;
        }
      }
    } else {
      const match = /^[A-Za-z_]+/.exec(sql.slice(i, i + 64));
      return match ? match[0].toUpperCase() : ch;
    }
  }
  return '';
}

function notReadOnly(detail: string): ClicklakeError {
  const message = `Only a single SELECT or WITH statement is allowed (${detail})`;
  return new ClicklakeError('CLK_ERR_QUERY_NOT_READ_ONLY', message);
}

function invalid(err: unknown): ClicklakeError {
  const message = err instanceof Error ? err.message : String(err);
  return new ClicklakeError('CLK_ERR_QUERY_INVALID', message.replace(/^Failed to extract statements: /, ''), {
    cause: err,
  });
}

/**
 * Parses and binds `sql` on `conn`; returns the prepared statement when it is one SELECT. Throws
 * CLK_ERR_QUERY_NOT_READ_ONLY or, for SQL DuckDB cannot parse or bind, CLK_ERR_QUERY_INVALID.
 */
export async function prepareReadOnly(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
  const keyword = firstKeyword(sql);
  if (keyword === '') throw notReadOnly('the query is empty');
  if (REFUSED_FIRST_KEYWORDS.has(keyword)) throw notReadOnly(`${keyword} is not allowed`);
  let extracted;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    throw invalid(err);
  }
  if (extracted.count === 0) throw notReadOnly('the query is empty');
  if (extracted.count > 1) throw notReadOnly(`found ${extracted.count} statements`);
  let prepared: DuckDBPreparedStatement;
  try {
    prepared = await extracted.prepare(0);
  } catch (err) {
    // DuckDB binds before it checks anything else: an INSERT into a missing table fails here. Report the kind
    // of statement when it is obviously not a query, so the client learns the real rule.
    if (!QUERY_FIRST_KEYWORDS.has(keyword)) throw notReadOnly(`${keyword} is not allowed`);
    throw invalid(err);
  }
  if (prepared.statementType !== StatementType.SELECT) {
    const name = StatementType[prepared.statementType] ?? String(prepared.statementType);
    prepared.destroySync();
    throw notReadOnly(`${name} statements are not allowed`);
  }
  return prepared;
}

export { invalid as queryInvalidError };
