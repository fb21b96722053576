import UAParser from 'ua-parser-js';
import { botReason } from './bots.js';
import { Lru } from './lru.js';

/**
 * User agent -> browser, OS and device (ua-parser-js 1.x, MIT), refined by User-Agent Client Hints when the browser
 * sent them, plus the bot verdict (bots.ts). Parsing costs ~70 us, so results are cached (LRU keyed by the UA and
 * the hint headers).
 *
 * Client hints take precedence where present, because Chrome's reduced User-Agent freezes the details: the OS
 * version ("Windows NT 10.0" for Windows 11 too, "Android 10" for every Android), the minor browser version
 * ("131.0.0.0") and the device model ("K"). Hint headers, lower case: sec-ch-ua, sec-ch-ua-full-version-list,
 * sec-ch-ua-platform, sec-ch-ua-platform-version, sec-ch-ua-mobile, sec-ch-ua-model.
 */
export interface AgentInfo {
  readonly browser: string | null;
  readonly browser_version: string | null;
  readonly os: string | null;
  readonly os_version: string | null;
  readonly device_type: string | null;
  readonly device_vendor: string | null;
  readonly device_model: string | null;
  /** Null for humans. */
  readonly bot_reason: string | null;
}

export interface ClientHints {
  readonly ua?: string | undefined;
  readonly fullVersionList?: string | undefined;
  readonly platform?: string | undefined;
  readonly platformVersion?: string | undefined;
  readonly mobile?: string | undefined;
  readonly model?: string | undefined;
}

type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** Hint headers longer than this are ignored (real ones are < 200 characters). */
const MAX_HINT = 512;
/** Values taken from hints are cut to this. */
const MAX_VALUE = 64;

function header(headers: HeaderBag, name: string): string | undefined {
  const v = headers[name];
  const s = typeof v === 'string' ? v : v === undefined ? undefined : v.join(', ');
  return s === undefined || s.length > MAX_HINT ? undefined : s;
}

export function hintsOf(headers: HeaderBag): ClientHints | null {
  const ua = header(headers, 'sec-ch-ua');
  const platform = header(headers, 'sec-ch-ua-platform');
  const mobile = header(headers, 'sec-ch-ua-mobile');
  if (ua === undefined && platform === undefined && mobile === undefined) return null;
  return {
    ua,
    fullVersionList: header(headers, 'sec-ch-ua-full-version-list'),
    platform,
    platformVersion: header(headers, 'sec-ch-ua-platform-version'),
    mobile,
    model: header(headers, 'sec-ch-ua-model'),
  };
}

/** Structured-header brand list -> [brand, version] pairs. */
function brands(list: string | undefined): [string, string][] {
  if (list === undefined) return [];
  const out: [string, string][] = [];
  const re = /"([^"]{1,64})"\s*;\s*v\s*=\s*"([^"]{0,64})"/g;
  for (let m = re.exec(list); m !== null; m = re.exec(list)) out.push([m[1]!, m[2]!]);
  return out;
}

const GREASE = /^not[^a-z]*a[^a-z]*brand$/i;
/** Hint brand -> the name ua-parser-js uses for the same browser. */
const BRAND_NAMES: Readonly<Record<string, string>> = {
  'Google Chrome': 'Chrome',
  'Microsoft Edge': 'Edge',
  'Samsung Internet': 'Samsung Internet',
  YaBrowser: 'Yandex',
  'Opera GX': 'Opera GX',
};
const PLATFORM_NAMES: Readonly<Record<string, string>> = { macOS: 'Mac OS', 'Chrome OS': 'Chromium OS', 'Chromium OS': 'Chromium OS' };

/** A structured-header string item without its quotes, bounded; null when empty. */
function item(v: string | undefined): string | null {
  if (v === undefined) return null;
  const s = v.trim().replace(/^"|"$/g, '').trim();
  return s === '' || s === 'Unknown' ? null : s.slice(0, MAX_VALUE);
}

/** "14.0.0" -> "14", "14.5.0" -> "14.5". */
function trimZeros(v: string): string {
  return v.replace(/(\.0)+$/, '');
}

function hintBrand(h: ClientHints): [string, string] | null {
  const list = brands(h.ua).filter(([b]) => !GREASE.test(b));
  const pick = list.find(([b]) => b !== 'Chromium') ?? list.find(([b]) => b === 'Chromium');
  if (pick === undefined) return null;
  const full = brands(h.fullVersionList).find(([b]) => b === pick[0]);
  return [BRAND_NAMES[pick[0]] ?? pick[0], full !== undefined && full[1] !== '' ? full[1] : pick[1]];
}

function hintOsVersion(os: string, version: string): string | null {
  if (os === 'Windows') {
    // Sec-CH-UA-Platform-Version on Windows is the UniversalApiContract version: 13+ is Windows 11, 1-10 Windows 10.
    const major = Number.parseInt(version, 10);
    if (!(major >= 0)) return null;
    return major >= 13 ? '11' : major > 0 ? '10' : null;
  }
  return trimZeros(version);
}

export function parseAgent(userAgent: string | null, hints: ClientHints | null): AgentInfo {
  const reason = botReason(userAgent);
  const r = UAParser(userAgent ?? '');
  let browser = r.browser.name ?? null;
  let browserVersion = r.browser.version ?? null;
  let os = r.os.name ?? null;
  let osVersion = r.os.version ?? null;
  let type = r.device.type ?? null;
  let model = r.device.model ?? null;
  // Chrome's reduced UA on Android says "Android 10; K": K is a placeholder, not a model.
  if (model === 'K' && os === 'Android') model = null;
  if (hints !== null) {
    const brand = hintBrand(hints);
    if (brand !== null) {
      browser = brand[0];
      if (brand[1] !== '') browserVersion = brand[1];
    }
    const platform = item(hints.platform);
    if (platform !== null) {
      const name = PLATFORM_NAMES[platform] ?? platform;
      if (name !== os) osVersion = null;
      os = name;
      const pv = item(hints.platformVersion);
      const v = pv === null ? null : hintOsVersion(name, pv);
      if (v !== null) osVersion = v;
    }
    if (type === null && item(hints.mobile) === '?1') type = 'mobile';
    const hintModel = item(hints.model);
    if (hintModel !== null) model = hintModel;
  }
  return {
    browser,
    browser_version: browserVersion,
    os,
    os_version: osVersion,
    device_type: reason !== null ? 'bot' : type ?? 'desktop',
    device_vendor: r.device.vendor ?? null,
    device_model: model,
    bot_reason: reason,
  };
}

/** parseAgent behind an LRU cache (size 0: no cache). */
export function createAgentParser(cacheSize: number): (userAgent: string | null, hints: ClientHints | null) => AgentInfo {
  const cache = new Lru<string, AgentInfo>(cacheSize);
  return (userAgent, hints) => {
    const key =
      hints === null
        ? userAgent ?? ''
        : `${userAgent ?? ''}\n${hints.ua ?? ''}\n${hints.fullVersionList ?? ''}\n${hints.platform ?? ''}\n${hints.platformVersion ?? ''}\n${hints.mobile ?? ''}\n${hints.model ?? ''}`;
    let info = cache.get(key);
    if (info === undefined) {
      info = parseAgent(userAgent, hints);
      cache.set(key, info);
    }
    return info;
  };
}
