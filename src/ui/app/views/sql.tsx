// SQL: a read-only console over the view `events` (POST /api/query: one SELECT/WITH statement, sandboxed by the
// server), the result as a table, CSV download, and saved queries (GET/POST/PUT/DELETE /api/saved-queries). The
// query text is kept in the URL (`sql`), so a link runs the same query again.
import { useState } from 'preact/hooks';
import { useApp } from '../components/context.js';
import { Tile, useFetch } from '../components/data.js';
import { formatCell, formatNumber, toCsv } from '../format.js';
import { withExtra } from '../state.js';

interface QueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
  elapsedMs: number;
}
interface SavedQuery {
  id: string;
  name: string;
  sql: string;
}

const EXAMPLE = 'SELECT event_type, count(*) AS events, count(DISTINCT anonymous_id) AS visitors\nFROM events\nGROUP BY ALL\nORDER BY events DESC';
const SHOWN_ROWS = 500;

export function Sql() {
  const { api, state, navigate, version } = useApp();
  const current = state.extra.sql ?? '';
  const [text, setText] = useState(current || (state.site ? EXAMPLE.replace('FROM events', `FROM events\nWHERE site_id = '${state.site.replaceAll("'", "''")}'`) : EXAMPLE));
  const [name, setName] = useState('');
  const [savedVersion, setSavedVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  const result = useFetch(current ? `${current}#${version}` : null, (signal) => api.send<QueryResult>('POST', '/api/query', { sql: current }, signal));
  const saved = useFetch(`queries#${savedVersion}`, (signal) => api.get<{ data: SavedQuery[] }>('/api/saved-queries', undefined, signal));

  const run = (e?: Event) => {
    e?.preventDefault();
    if (text.trim()) navigate(withExtra(state, { sql: text.trim() }));
  };
  const download = () => {
    const r = result.data;
    if (!r) return;
    const blob = new Blob([toCsv(r.columns.map((c) => c.name), r.rows)], { type: 'text/csv;charset=utf-8' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'clicklake-query.csv';
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  };
  const save = async () => {
    if (!name.trim() || !text.trim()) {
      setMessage('Give the query a name to save it.');
      return;
    }
    const existing = saved.data?.data.find((q) => q.name === name.trim());
    try {
      if (existing) await api.send('PUT', `/api/saved-queries/${encodeURIComponent(existing.id)}`, { name: name.trim(), sql: text.trim() });
      else await api.send('POST', '/api/saved-queries', { name: name.trim(), sql: text.trim() });
      setMessage(`Saved “${name.trim()}”.`);
      setSavedVersion((n) => n + 1);
    } catch (err) {
      setMessage(`Could not save: ${(err as Error).message}`);
    }
  };
  const remove = async (q: SavedQuery) => {
    if (!confirm(`Delete the saved query “${q.name}”?`)) return;
    await api.send('DELETE', `/api/saved-queries/${encodeURIComponent(q.id)}`).catch((err: Error) => setMessage(`Could not delete: ${err.message}`));
    setSavedVersion((n) => n + 1);
  };

  const r = result.data;
  return (
    <div class="grid">
      <section class="tile wide" aria-labelledby="sql-h" data-tile="sql-editor">
        <header class="tile-head">
          <h2 id="sql-h">Query</h2>
          <span class="meta">Read-only: one SELECT or WITH over the view events.</span>
        </header>
        <form onSubmit={run}>
          <label>
            <span class="sr-only">SQL</span>
            <textarea
              class="sql"
              value={text}
              spellcheck={false}
              maxLength={20_000}
              onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(e);
              }}
              data-testid="sql-text"
            />
          </label>
          <div class="toolbar">
            <button type="submit" class="primary">
              Run (Ctrl+Enter)
            </button>
            <button type="button" onClick={download} disabled={!r}>
              Download CSV
            </button>
            <label>
              <span>Name</span>
              <input type="text" value={name} maxLength={100} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <button type="button" onClick={save}>
              Save query
            </button>
          </div>
          {message ? (
            <p class="meta" role="status">
              {message}
            </p>
          ) : null}
        </form>
      </section>
      {current ? (
        <Tile title="Result" id="sql-result" loaded={result} wide empty={!!r && r.rows.length === 0} emptyText="The query returned no rows.">
          {r ? (
            <>
              <p class="meta" data-testid="sql-meta">
                {formatNumber(r.rows.length)} rows{r.truncated ? ' (truncated)' : ''} in {formatNumber(r.elapsedMs)} ms
                {r.rows.length > SHOWN_ROWS ? `; the first ${SHOWN_ROWS} are shown, the CSV has all` : ''}
              </p>
              <div class="table-wrap">
                <table>
                  <caption class="sr-only">Query result</caption>
                  <thead>
                    <tr>
                      {r.columns.map((c) => (
                        <th scope="col" title={c.type} class={typeof r.rows[0]?.[c.name] === 'number' ? 'num' : ''}>
                          {c.name}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {r.rows.slice(0, SHOWN_ROWS).map((row) => (
                      <tr>
                        {r.columns.map((c) => (
                          <td class={typeof row[c.name] === 'number' ? 'num' : ''}>{formatCell(row[c.name])}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          ) : null}
        </Tile>
      ) : null}
      <Tile title="Saved queries" id="saved-queries" loaded={saved} wide empty={(saved.data?.data ?? []).length === 0} emptyText="No saved queries yet.">
        <ul class="saved">
          {(saved.data?.data ?? []).map((q) => (
            <li>
              <button
                type="button"
                class="link"
                onClick={() => {
                  setText(q.sql);
                  setName(q.name);
                  navigate(withExtra(state, { sql: q.sql }));
                }}
              >
                {q.name}
              </button>
              <button type="button" aria-label={`Delete saved query ${q.name}`} onClick={() => remove(q)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      </Tile>
    </div>
  );
}
