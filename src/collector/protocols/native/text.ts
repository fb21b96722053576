/**
 * String hygiene for everything the collector stores. Rules (docs/collect.md, "Text rules"):
 *
 * - Lone UTF-16 surrogates (possible through JSON escapes such as "\ud800") are replaced by U+FFFD in every string,
 *   so every stored string is valid UTF-8. Never a rejection.
 * - Control characters (U+0000-U+001F, U+007F-U+009F):
 *   - free text (name, title, element text/classes/selector, user agent): tab, LF and CR are kept, the others are
 *     replaced by U+FFFD;
 *   - every other string (ids, tokens, URLs, language, time zone): the event is rejected naming the field.
 * - `props` values are kept as they are (JSON escapes control characters); only lone surrogates are replaced.
 *
 * The fast path is one regular-expression test per string; typical ASCII strings never leave it.
 */

/** Anything that may need work: a control character or any surrogate (paired ones are fine but rarer). */
const SUSPECT = /[\x00-\x1f\x7f-\x9f\ud800-\udfff]/;
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const TEXT_CONTROL_G = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]/g;

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** String.prototype.isWellFormed / toWellFormed exist since Node 20 (V8 11.3); lib ES2022 does not type them. */
export function toWellFormed(s: string): string {
  const w = s as unknown as WellFormedString;
  return w.isWellFormed() ? s : w.toWellFormed();
}

/** Free text: never fails. */
export function cleanText(s: string): string {
  if (!SUSPECT.test(s)) return s;
  return toWellFormed(s.replace(TEXT_CONTROL_G, '\uFFFD'));
}

/** Identifiers, tokens, URLs: null when the string holds a control character (the caller rejects the event). */
export function cleanToken(s: string): string | null {
  if (!SUSPECT.test(s)) return s;
  if (CONTROL.test(s)) return null;
  return toWellFormed(s);
}

/** True when the string may hold a lone surrogate or a control character (cheap pre-check for the props walk). */
export function hasSurrogate(s: string): boolean {
  return SUSPECT.test(s);
}

/** Cuts `s` to at most `max` code units without splitting a surrogate pair. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  const last = s.charCodeAt(max - 1);
  return s.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
