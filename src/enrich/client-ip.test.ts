import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockListOf, createClientIpResolver, isPrivateIp, normalizeIp, truncateIp } from './client-ip.js';

describe('client IP', () => {
  const cases: { name: string; trusted: string[]; peer: string | null; xff?: string | string[]; ip: string | null }[] = [
    { name: 'no trusted proxies: the peer, XFF ignored', trusted: [], peer: '198.51.100.7', xff: '8.8.8.8', ip: '198.51.100.7' },
    { name: 'untrusted peer: XFF ignored (spoofing)', trusted: ['127.0.0.1'], peer: '81.2.69.142', xff: '8.8.8.8', ip: '81.2.69.142' },
    { name: 'trusted peer: right-most XFF entry', trusted: ['127.0.0.1'], peer: '127.0.0.1', xff: '8.8.8.8', ip: '8.8.8.8' },
    { name: 'trusted peer: a spoofed left entry is not used', trusted: ['127.0.0.1'], peer: '127.0.0.1', xff: '6.6.6.6, 81.2.69.142', ip: '81.2.69.142' },
    { name: 'chain of trusted proxies (CIDR) is skipped', trusted: ['10.0.0.0/8', '127.0.0.1'], peer: '127.0.0.1', xff: '1.1.1.1, 10.1.2.3, 10.9.9.9', ip: '1.1.1.1' },
    { name: 'several XFF headers are one list', trusted: ['10.0.0.0/8'], peer: '10.0.0.1', xff: ['1.1.1.1', '8.8.4.4'], ip: '8.8.4.4' },
    { name: 'all entries trusted: the left-most', trusted: ['10.0.0.0/8'], peer: '10.0.0.1', xff: '10.0.0.2, 10.0.0.3', ip: '10.0.0.2' },
    { name: 'trusted peer without XFF: the peer', trusted: ['10.0.0.0/8'], peer: '10.0.0.1', ip: '10.0.0.1' },
    { name: 'garbage entry: unknown client', trusted: ['127.0.0.1'], peer: '127.0.0.1', xff: '8.8.8.8, nonsense', ip: null },
    { name: 'ports are removed', trusted: ['127.0.0.1'], peer: '127.0.0.1', xff: '81.2.69.142:4711', ip: '81.2.69.142' },
    { name: 'bracketed IPv6 with port', trusted: ['127.0.0.1'], peer: '127.0.0.1', xff: '[2001:4860:4860::8888]:443', ip: '2001:4860:4860::8888' },
    { name: 'IPv4-mapped peer is IPv4 (and matches a v4 trust entry)', trusted: ['127.0.0.1'], peer: '::ffff:127.0.0.1', xff: '1.1.1.1', ip: '1.1.1.1' },
    { name: 'IPv6 trusted proxy range', trusted: ['fd00::/8'], peer: 'fd00::5', xff: '2001:67c:2e8:22::c100:68b', ip: '2001:67c:2e8:22::c100:68b' },
    { name: 'no peer', trusted: [], peer: null, ip: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(createClientIpResolver(c.trusted)(c.peer, c.xff), c.ip);
    });
  }

  it('rejects a bad trustedProxies entry at start', () => {
    assert.throws(() => blockListOf(['10.0.0.0/33'], 'collector.trustedProxies'), /invalid prefix/);
    assert.throws(() => blockListOf(['proxy.local'], 'collector.trustedProxies'), /not an IP address/);
  });

  it('normalizes addresses', () => {
    assert.equal(normalizeIp('::FFFF:81.2.69.142'), '81.2.69.142');
    assert.equal(normalizeIp('2001:DB8::1'), '2001:db8::1');
    assert.equal(normalizeIp('fe80::1%eth0'), 'fe80::1');
    assert.equal(normalizeIp('999.1.1.1'), null);
  });

  it('knows private ranges', () => {
    for (const ip of ['10.0.0.1', '192.168.0.10', '127.0.0.1', '100.64.1.1', '::1', 'fc00::1', 'fe80::2']) assert.ok(isPrivateIp(ip), ip);
    for (const ip of ['8.8.8.8', '2001:4860:4860::8888']) assert.ok(!isPrivateIp(ip), ip);
  });
});

describe('truncateIp (privacy.ip = truncate)', () => {
  const cases: [string, string][] = [
    ['81.2.69.142', '81.2.69.0'],
    ['8.8.8.8', '8.8.8.0'],
    ['2001:4860:4860::8888', '2001:4860:4860::'],
    ['2001:67c:2e8:22::c100:68b', '2001:67c:2e8::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:0:0:1::1', '2001::'],
    ['2a00:1450:4001:82a::200e', '2a00:1450:4001::'],
    ['::1', '::'],
    ['64:ff9b::81.2.69.142', '64:ff9b::'],
  ];
  for (const [ip, out] of cases) it(`${ip} -> ${out}`, () => assert.equal(truncateIp(ip), out));
});
