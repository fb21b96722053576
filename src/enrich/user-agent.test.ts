import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { botReason } from './bots.js';
import { createAgentParser, hintsOf, parseAgent, type AgentInfo } from './user-agent.js';

interface Case {
  name: string;
  ua: string | null;
  headers?: Record<string, string>;
  expect: Partial<AgentInfo>;
}

const WIN_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';

const cases: Case[] = [
  {
    name: 'desktop Chrome on Windows (reduced UA)',
    ua: WIN_CHROME,
    expect: { browser: 'Chrome', browser_version: '131.0.0.0', os: 'Windows', os_version: '10', device_type: 'desktop', device_vendor: null, device_model: null, bot_reason: null },
  },
  {
    name: 'Chrome on Windows 11 with client hints: hints win',
    ua: WIN_CHROME,
    headers: {
      'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
      'sec-ch-ua-full-version-list': '"Google Chrome";v="131.0.6778.86", "Chromium";v="131.0.6778.86", "Not_A Brand";v="24.0.0.0"',
      'sec-ch-ua-platform': '"Windows"',
      'sec-ch-ua-platform-version': '"15.0.0"',
      'sec-ch-ua-mobile': '?0',
    },
    expect: { browser: 'Chrome', browser_version: '131.0.6778.86', os: 'Windows', os_version: '11', device_type: 'desktop' },
  },
  {
    name: 'Brave: same UA as Chrome, told apart by Sec-CH-UA',
    ua: WIN_CHROME,
    headers: { 'sec-ch-ua': '"Brave";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-platform-version': '"10.0.0"' },
    expect: { browser: 'Brave', browser_version: '131', os: 'Windows', os_version: '10' },
  },
  {
    name: 'desktop Firefox on Windows',
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
    expect: { browser: 'Firefox', browser_version: '133.0', os: 'Windows', os_version: '10', device_type: 'desktop', bot_reason: null },
  },
  {
    name: 'desktop Safari on macOS',
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    expect: { browser: 'Safari', browser_version: '18.1', os: 'Mac OS', os_version: '10.15.7', device_type: 'desktop', device_vendor: 'Apple', device_model: 'Macintosh' },
  },
  {
    name: 'desktop Edge',
    ua: WIN_CHROME + ' Edg/131.0.0.0',
    expect: { browser: 'Edge', browser_version: '131.0.0.0', os: 'Windows', device_type: 'desktop' },
  },
  {
    name: 'Edge on macOS with hints: macOS version from Sec-CH-UA-Platform-Version',
    ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    headers: { 'sec-ch-ua': '"Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-platform': '"macOS"', 'sec-ch-ua-platform-version': '"14.5.0"' },
    expect: { browser: 'Edge', browser_version: '131', os: 'Mac OS', os_version: '14.5' },
  },
  {
    name: 'iOS Safari on an iPhone',
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    expect: { browser: 'Mobile Safari', browser_version: '17.6', os: 'iOS', os_version: '17.6', device_type: 'mobile', device_vendor: 'Apple', device_model: 'iPhone' },
  },
  {
    name: 'iPad Safari is a tablet',
    ua: 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
    expect: { os: 'iOS', device_type: 'tablet', device_model: 'iPad' },
  },
  {
    name: 'Android Chrome (reduced UA): "K" is not a model',
    ua: ANDROID_CHROME,
    expect: { browser: 'Chrome', os: 'Android', os_version: '10', device_type: 'mobile', device_model: null },
  },
  {
    name: 'Android Chrome with hints: real OS version and model',
    ua: ANDROID_CHROME,
    headers: { 'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"', 'sec-ch-ua-platform': '"Android"', 'sec-ch-ua-platform-version': '"14.0.0"', 'sec-ch-ua-mobile': '?1', 'sec-ch-ua-model': '"Pixel 7"' },
    expect: { browser: 'Chrome', os: 'Android', os_version: '14', device_type: 'mobile', device_model: 'Pixel 7' },
  },
  {
    name: 'Samsung phone (full UA)',
    ua: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
    expect: { browser: 'Samsung Internet', os: 'Android', os_version: '14', device_type: 'mobile', device_vendor: 'Samsung', device_model: 'SM-S918B' },
  },
  {
    name: 'Googlebot',
    ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    expect: { device_type: 'bot', bot_reason: 'googlebot' },
  },
  {
    name: 'Googlebot smartphone (Chrome-like UA)',
    ua: 'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.69 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    expect: { device_type: 'bot', bot_reason: 'googlebot', os: 'Android' },
  },
  {
    name: 'bingbot',
    ua: 'Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36',
    expect: { device_type: 'bot', bot_reason: 'bingbot' },
  },
  { name: 'curl', ua: 'curl/8.5.0', expect: { device_type: 'bot', bot_reason: 'curl', browser: null, os: null } },
  {
    name: 'headless Chrome',
    ua: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
    expect: { device_type: 'bot', bot_reason: 'headlesschrome' },
  },
  { name: 'no user agent', ua: null, expect: { device_type: 'bot', bot_reason: 'no-user-agent' } },
  { name: 'blank user agent', ua: '   ', expect: { device_type: 'bot', bot_reason: 'no-user-agent' } },
];

describe('parseAgent: real user agents and client hints', () => {
  for (const c of cases) {
    it(c.name, () => {
      const info = parseAgent(c.ua, c.headers === undefined ? null : hintsOf(c.headers));
      for (const [k, v] of Object.entries(c.expect)) assert.equal(info[k as keyof AgentInfo], v, `${c.name}: ${k}`);
    });
  }
});

describe('hints', () => {
  it('are absent when no Sec-CH-UA header is sent', () => {
    assert.equal(hintsOf({ 'user-agent': 'x', accept: '*/*' }), null);
  });
  it('GREASE brands are ignored and oversized headers dropped', () => {
    const h = hintsOf({ 'sec-ch-ua': '"Not)A;Brand";v="99", "Chromium";v="131"', 'sec-ch-ua-platform': '"' + 'x'.repeat(600) + '"' });
    assert.ok(h !== null);
    const info = parseAgent(WIN_CHROME, h);
    assert.equal(info.browser, 'Chromium');
    assert.equal(info.os, 'Windows', 'oversized platform ignored');
  });
});

describe('bot reasons', () => {
  it('are bounded lower-case tokens', () => {
    const r = botReason(`Mozilla/5.0 (compatible; ${'Super'.repeat(30)}Bot/1.0)`);
    assert.ok(r !== null && r.length <= 48 && /^[a-z0-9._-]+$/.test(r), String(r));
    assert.equal(botReason(WIN_CHROME), null);
  });
});

describe('createAgentParser', () => {
  it('caches per user agent and hints, and evicts beyond its size', () => {
    const parse = createAgentParser(2);
    const a = parse(WIN_CHROME, null);
    assert.equal(parse(WIN_CHROME, null), a, 'same object from the cache');
    const withHints = parse(WIN_CHROME, hintsOf({ 'sec-ch-ua': '"Brave";v="131"' }));
    assert.notEqual(withHints, a);
    assert.equal(withHints.browser, 'Brave');
    parse('curl/8.5.0', null); // evicts WIN_CHROME (least recently used)
    assert.notEqual(parse(WIN_CHROME, null), a, 'evicted, parsed again');
    assert.deepEqual(parse(WIN_CHROME, null), a);
  });
});
