/**
 * Privacy rules of the tracker (pure): the browser's opt-out signals, URL redaction, and string bounds.
 */

/**
 * Query parameters whose values never leave the browser, compared case-insensitively (names as written);
 * the `redact` option adds names. docs/tracker.md lists the same names.
 */
export const REDACTED_PARAMS = 'token access_token id_token auth code key secret password pwd session email'.split(' ');

/** True when the browser sends Do-Not-Track or Global Privacy Control. */
export function optedOut(nav: { doNotTrack?: string | null; globalPrivacyControl?: boolean }): boolean {
  return nav.doNotTrack == '1' || nav.globalPrivacyControl == true;
}

/**
 * Replaces the value of each listed parameter (`names` in lower case) by REDACTED wherever a query string or a
 * fragment that looks like one (`#access_token=...`, `#/route?token=...`) appears in `text`; the rest is kept
 * byte for byte. `text` may be a URL or a whole event as JSON: names and values stop at a quote or a backslash,
 * so a match never leaves its JSON string.
 */
export function redact(text: string, names: string[]): string {
  return text.replace(/([?&#;])([^=&#;?"\\]+)=[^&#;"\\]*/g, (all, sep: string, name: string) =>
    names.indexOf(name.toLowerCase()) < 0 ? all : sep + name + '=REDACTED',
  );
}

/** At most `max` characters (UTF-16 code units). */
export function cut(s: string, max: number): string {
  return s.slice(0, max);
}

/** An identifier from the caller: a string without control characters (the collector refuses them), bounded. */
export function clean(value: unknown, max: number): string {
  return cut(String(value).replace(/[\x00-\x1f\x7f-\x9f]/g, ''), max);
}
