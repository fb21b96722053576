// The funnel builder's form state <-> the funnel definition of the API (docs/dashboard-api.md, "Funnels"):
// `{ steps: [{ page } | { event }, with optional properties], windowSeconds? }`. Pure, tested under Node.

export interface StepDraft {
  readonly kind: 'page' | 'event';
  readonly value: string;
  readonly props: readonly { readonly key: string; readonly value: string }[];
}

export interface FunnelDefinition {
  readonly steps: Record<string, unknown>[];
  readonly windowSeconds?: number;
}

/** Steps with an empty value and properties with an empty key are left out. */
export function toDefinition(steps: readonly StepDraft[], windowSeconds: string): FunnelDefinition {
  const out = steps
    .filter((s) => s.value.trim() !== '')
    .map((s) => {
      const props = Object.fromEntries(s.props.filter((p) => p.key.trim() !== '').map((p) => [p.key.trim(), p.value]));
      return { [s.kind]: s.value.trim(), ...(Object.keys(props).length > 0 ? { properties: props } : {}) };
    });
  const w = Number(windowSeconds);
  return windowSeconds && Number.isInteger(w) && w > 0 ? { steps: out, windowSeconds: w } : { steps: out };
}

/** The form state of a definition (from the URL or a saved funnel); at least two (empty) steps. */
export function toDrafts(def: { steps?: unknown } | null): StepDraft[] {
  const steps = Array.isArray(def?.steps) ? (def!.steps as unknown[]) : [];
  const drafts: StepDraft[] = [];
  for (const raw of steps) {
    if (!raw || typeof raw !== 'object') continue;
    const s = raw as { page?: unknown; event?: unknown; properties?: unknown };
    const props = s.properties && typeof s.properties === 'object' ? Object.entries(s.properties as Record<string, unknown>) : [];
    drafts.push({
      kind: s.page !== undefined ? 'page' : 'event',
      value: String(s.page ?? s.event ?? ''),
      props: props.map(([key, value]) => ({ key, value: String(value) })),
    });
  }
  while (drafts.length < 2) drafts.push({ kind: 'page', value: '', props: [] });
  return drafts;
}

/** The definition kept in the URL (`funnel=<JSON>`), or null when absent or not JSON. */
export function parseDefinition(text: string | undefined): { steps?: unknown; windowSeconds?: unknown } | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as { steps?: unknown }) : null;
  } catch {
    return null;
  }
}
