// Formatting of numbers, durations and visitor-supplied URLs for display, and CSV export. Pure functions, tested
// under Node. Everything the API returns is untrusted visitor input: the UI renders it as text only, and builds a
// link from a visitor URL only when its scheme is http(s).

const nf = new Intl.NumberFormat('en-US');
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

export function formatNumber(n: unknown, opts: { compact?: boolean } = {}): string {
  const v = toNumber(n);
  if (v === null) return '–';
  if (opts.compact && Math.abs(v) >= 10_000) return compact.format(v);
  return Number.isInteger(v) ? nf.format(v) : nf.format(Math.round(v * 100) / 100);
}

/** A ratio 0..1 as a percentage; values above 1 are taken as already being percentages. */
export function formatPercent(n: unknown, digits = 1): string {
  const v = toNumber(n);
  if (v === null) return '–';
  const pct = Math.abs(v) <= 1 ? v * 100 : v;
  return `${pct.toFixed(digits)}%`;
}

/** Seconds as "1h 02m", "3m 05s", "42s". */
export function formatDuration(seconds: unknown): string {
  const v = toNumber(seconds);
  if (v === null) return '–';
  const s = Math.max(0, Math.round(v));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Relative change between two values ("+12.5%"), or null when there is no base to compare to. */
export function formatChange(current: unknown, previous: unknown): string | null {
  const c = toNumber(current);
  const p = toNumber(previous);
  if (c === null || p === null || p === 0) return null;
  const pct = ((c - p) / Math.abs(p)) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function toNumber(n: unknown): number | null {
  if (typeof n === 'number') return Number.isFinite(n) ? n : null;
  if (typeof n === 'bigint') return Number(n);
  if (typeof n === 'string' && n.trim() !== '' && Number.isFinite(Number(n))) return Number(n);
  return null;
}

/** Any value as display text (objects as JSON); null/undefined as an en dash. */
export function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number' || typeof v === 'bigint') return formatNumber(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** The URL as an href when it is an absolute http(s) URL; null otherwise (javascript:, data:, relative, junk). */
export function safeHref(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 4000) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/**
 * RFC 4180 CSV of result rows. Text cells that a spreadsheet would run as a formula (starting with = + - @ or a
 * tab/CR) get a leading apostrophe, since the values come from visitors.
 */
export function toCsv(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  const lines = [columns.map(cell).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}
