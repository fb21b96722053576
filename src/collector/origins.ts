/**
 * Which browser origins may send events for which site (config `sites.<id>.allowedOrigins`). Pure; used by the
 * native protocol (per event) and by the CORS headers of the plugin.
 *
 * - A site that is not listed, or whose list contains "*", accepts any origin (and no Origin header).
 * - A restricted site accepts only requests whose Origin header is in its list. A request without an Origin header
 *   (curl, server-side senders) is not allowed for a restricted site: such senders must set one.
 * - Origins compare as browsers serialise them: scheme://host[:port], lower case, no trailing slash. List entries
 *   are normalised the same way once, when the policy is built.
 */
export interface SiteOriginsConfig {
  readonly [siteId: string]: { readonly allowedOrigins: readonly string[] };
}

export interface OriginPolicy {
  /** `origin` must already be normalised (normalizeOrigin) or null when the request had none. */
  allows(siteId: string, origin: string | null): boolean;
  /** True when at least one site accepts this origin; unlisted sites accept any, so currently always true. */
  allowsAnySite(origin: string | null): boolean;
}

export function normalizeOrigin(origin: string | undefined | null): string | null {
  if (origin === undefined || origin === null || origin === '') return null;
  let o = origin.trim().toLowerCase();
  while (o.endsWith('/')) o = o.slice(0, -1);
  return o;
}

export function compileOriginPolicy(sites: SiteOriginsConfig | undefined): OriginPolicy {
  const restricted = new Map<string, ReadonlySet<string>>();
  for (const siteId of Object.keys(sites ?? {})) {
    const list = sites![siteId].allowedOrigins;
    if (list.includes('*')) continue;
    restricted.set(siteId, new Set(list.map((o) => normalizeOrigin(o)).filter((o): o is string => o !== null)));
  }
  return {
    allows(siteId, origin) {
      const allowed = restricted.get(siteId);
      return allowed === undefined || (origin !== null && allowed.has(origin));
    },
    // Events for sites not listed in the config are accepted from any origin, so every origin may legitimately
    // post to /collect; per-event checks (allows) do the real work. Kept as a function so a future default policy
    // (e.g. a "*" site entry) changes one place.
    allowsAnySite() {
      return true;
    },
  };
}
