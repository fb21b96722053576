import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * The client IP of a request, and what may be kept of it (docs/enrichment.md, "Client IP"; docs/privacy.md).
 *
 * - The socket's peer address is the client, unless the peer is a trusted proxy (collector.trustedProxies, IPs or
 *   CIDRs): then X-Forwarded-For is read right to left and the first address that is not a trusted proxy is the
 *   client. An entry that is not an IP address ends the walk: the client is unknown (null), because anything left
 *   of it was written by an untrusted party. When every entry is trusted, the left-most one is the client.
 *   Entries may carry a port ("203.0.113.7:4711", "[2001:db8::1]:443"), which is removed.
 * - IPv4-mapped IPv6 addresses (::ffff:203.0.113.7, how a dual-stack socket reports IPv4 peers) become IPv4.
 * - The raw address is only ever held in memory for the duration of a request: it is never stored or logged.
 */
export function normalizeIp(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return null;
    s = s.slice(1, end);
  } else if (s.indexOf(':') > 0 && s.indexOf(':') === s.lastIndexOf(':') && s.includes('.')) {
    s = s.slice(0, s.indexOf(':')); // IPv4 with a port
  }
  const zone = s.indexOf('%');
  if (zone > 0) s = s.slice(0, zone);
  const v = isIP(s);
  if (v === 0) return null;
  if (v === 6) {
    const lower = s.toLowerCase();
    if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
    return lower;
  }
  return s;
}

/** A BlockList of IPs and CIDRs (IPv4 and IPv6). Throws on an entry that is neither. */
export function blockListOf(entries: readonly string[], what: string): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [addr, bits, extra] = entry.split('/');
    const ip = addr === undefined ? null : normalizeIp(addr);
    if (ip === null || extra !== undefined) throw new Error(`${what}: "${entry}" is not an IP address or CIDR`);
    const family = isIPv4(ip) ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(ip, family);
    } else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 'ipv4' ? 32 : 128) || bits.trim() === '') {
        throw new Error(`${what}: "${entry}" has an invalid prefix length`);
      }
      list.addSubnet(ip, prefix, family);
    }
  }
  return list;
}

function contains(list: BlockList, ip: string): boolean {
  return list.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}

export interface ClientIpResolver {
  (peer: string | null, forwardedFor: string | readonly string[] | undefined): string | null;
}

export function createClientIpResolver(trustedProxies: readonly string[]): ClientIpResolver {
  if (trustedProxies.length === 0) return (peer) => (peer === null ? null : normalizeIp(peer));
  const trusted = blockListOf(trustedProxies, 'collector.trustedProxies');
  return (peer, forwardedFor) => {
    const p = peer === null ? null : normalizeIp(peer);
    if (p === null || !contains(trusted, p) || forwardedFor === undefined) return p;
    const joined = typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',');
    const hops = joined.split(',');
    let last = p;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (hop === '') continue;
      const ip = normalizeIp(hop);
      if (ip === null) return null;
      if (!contains(trusted, ip)) return ip;
      last = ip;
    }
    return last;
  };
}

/** Non-public ranges: no geo lookup (and no meaningful location) for these. */
const PRIVATE = blockListOf(
  [
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
    '192.0.2.0/24', '192.168.0.0/16', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/3',
    '::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'ff00::/8',
  ],
  'private ranges',
);

export function isPrivateIp(ip: string): boolean {
  return contains(PRIVATE, ip);
}

/** /24 for IPv4 ("203.0.113.0"), /48 for IPv6 ("2001:db8:1::"): what privacy.ip = "truncate" stores. */
export function truncateIp(ip: string): string {
  if (isIPv4(ip)) return ip.slice(0, ip.lastIndexOf('.')) + '.0';
  const groups = expandIpv6(ip);
  if (groups === null) return '::';
  const head = groups.slice(0, 3).map((g) => g.toString(16));
  // Compress the zero tail like an address would be written; zero groups inside the head stay.
  while (head.length > 0 && head[head.length - 1] === '0') head.pop();
  return head.length === 0 ? '::' : head.join(':') + '::';
}

/** The 8 groups of an IPv6 address (already validated by isIP). */
function expandIpv6(ip: string): number[] | null {
  let s = ip;
  if (s.includes('.')) {
    // An embedded IPv4 tail (::1.2.3.4) as two hex groups.
    const cut = s.lastIndexOf(':');
    const v4 = s.slice(cut + 1).split('.').map(Number);
    s = s.slice(0, cut + 1) + ((v4[0]! << 8) | v4[1]!).toString(16) + ':' + ((v4[2]! << 8) | v4[3]!).toString(16);
  }
  const halves = s.split('::');
  const groups = (part: string | undefined): number[] => (part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const l = groups(halves[0]);
  const r = groups(halves[1]);
  const fill = 8 - l.length - r.length;
  if (halves.length === 1) return fill === 0 ? l : null;
  return fill < 0 ? null : [...l, ...new Array<number>(fill).fill(0), ...r];
}
