import { isbotMatch, isbotMatches } from 'isbot';

/**
 * Bot detection (docs/enrichment.md, "Bots"): isbot's maintained pattern list, plus one rule of ours: a request
 * without a User-Agent is a bot (every browser sends one). Headless browsers (HeadlessChrome, PhantomJS) and HTTP
 * libraries (curl, node, python-requests) are in isbot's list.
 *
 * The reason is the user-agent product token that holds the matched pattern, lower case, without its version:
 * "Mozilla/5.0 (compatible; Googlebot/2.1; ...)" -> "googlebot", "curl/8.5.0" -> "curl",
 * "... HeadlessChrome/131.0.0.0 ..." -> "headlesschrome". Bounded to 48 characters of [a-z0-9._-].
 */
export const NO_USER_AGENT = 'no-user-agent';

const TOKEN_CHAR = /[A-Za-z0-9_.\-]/;
const MAX_REASON = 48;

/** Matches that only say "there is a URL in it", and tokens that name no product. */
const GENERIC_MATCH = /^(https?|\.com|\.net|\.org)$/i;
const GENERIC_TOKEN = new Set(['mozilla', 'compatible', 'http', 'https', '']);

export function botReason(userAgent: string | null): string | null {
  if (userAgent === null || userAgent.trim() === '') return NO_USER_AGENT;
  const first = isbotMatch(userAgent);
  if (first === null) return null;
  for (const match of [first, ...isbotMatches(userAgent)]) {
    if (GENERIC_MATCH.test(match)) continue;
    const token = tokenAt(userAgent, match);
    if (token !== null && !GENERIC_TOKEN.has(token)) return token;
  }
  return clean(first);
}

/** The product token (lower case, no version) holding the first occurrence of `match`, or null. */
function tokenAt(userAgent: string, match: string): string | null {
  let at = userAgent.indexOf(match);
  if (at < 0) at = userAgent.toLowerCase().indexOf(match.toLowerCase());
  if (at < 0) return null;
  let start = at;
  while (start > 0 && TOKEN_CHAR.test(userAgent[start - 1]!)) start--;
  let end = at;
  while (end < userAgent.length && TOKEN_CHAR.test(userAgent[end]!)) end++;
  if (end === start) return null;
  return clean(userAgent.slice(start, end));
}

function clean(token: string): string {
  const name = token.split('/')[0]!.toLowerCase().replace(/[^a-z0-9._-]/g, '').slice(0, MAX_REASON);
  return name === '' ? 'bot' : name;
}
