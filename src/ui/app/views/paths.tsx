// Paths: for one page, where its visitors came from (previous page, or the entrance with its referrer) and where
// they went next (next page, or the exit) (GET /api/stats/paths?page=).
import { useState } from 'preact/hooks';
import { useApp } from '../components/context.js';
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';
import { formatNumber } from '../format.js';
import { withExtra } from '../state.js';

interface PathStep {
  type: 'page' | 'exit' | 'entrance';
  page: string | null;
  referrer: string | null;
  count: number;
}
interface PathsResult {
  page: string;
  views: number;
  next: PathStep[];
  previous: PathStep[];
}

function label(s: PathStep): string {
  if (s.type === 'exit') return '(exit)';
  if (s.type === 'entrance') return s.referrer ? `(entrance from ${s.referrer})` : '(entrance, direct)';
  return s.page ?? '(none)';
}

export function Paths() {
  const { state, navigate } = useApp();
  const page = state.extra.page ?? '';
  const [draft, setDraft] = useState(page);
  const top = useStats<{ top: { page: string }[] }>('/api/stats/pages', { limit: 50 });
  const loaded = useStats<PathsResult>(page ? '/api/stats/paths' : null, { page });
  const d = loaded.data?.data;
  const rows = (steps: PathStep[]) => steps.map((s) => ({ step: label(s), page: s.type === 'page' ? s.page : null, count: s.count, share: d && d.views > 0 ? s.count / d.views : null }));
  return (
    <div class="grid">
      <form
        class="toolbar tile wide"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(withExtra(state, { page: draft.trim() || null }));
        }}
      >
        <label>
          <span>Page path</span>
          <input type="text" list="path-pages" value={draft} placeholder="/" maxLength={1000} onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} data-testid="paths-page" />
        </label>
        <datalist id="path-pages">
          {(top.data?.data.top ?? []).map((p) => (
            <option value={p.page} />
          ))}
        </datalist>
        <button type="submit">Show paths</button>
        {d ? <span class="meta">{formatNumber(d.views)} views of {d.page}</span> : null}
      </form>
      {!page ? (
        <p class="state empty tile wide">Choose a page to see where its visitors came from and go next.</p>
      ) : (
        <>
          <Tile title="Came from" id="paths-previous" loaded={loaded} empty={!!d && d.previous.length === 0}>
            <DataTable caption={`Before ${page}`} rows={d ? rows(d.previous) : []} columns={[{ key: 'step', label: 'Previous' }, { key: 'count', label: 'Views', format: 'number', bar: true }, { key: 'share', label: 'Share', format: 'percent' }]} />
          </Tile>
          <Tile title="Went next" id="paths-next" loaded={loaded} empty={!!d && d.next.length === 0}>
            <DataTable caption={`After ${page}`} rows={d ? rows(d.next) : []} columns={[{ key: 'step', label: 'Next' }, { key: 'count', label: 'Views', format: 'number', bar: true }, { key: 'share', label: 'Share', format: 'percent' }]} />
          </Tile>
        </>
      )}
    </div>
  );
}
