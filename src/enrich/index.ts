/**
 * The enrichment stage (docs/enrichment.md): user agent, bots, geo, referrer/channel, UTM, clock skew and the
 * privacy rules (IP, cookieless ids, URL redaction, user_id pseudonyms). The collector sees it only through the
 * Enricher port of src/core/ports.ts; the composition root creates it with createEnricher.
 */
export { createEnricher, type EnricherOptions } from './enricher.js';
export { openGeo, shippedGeoFiles, type GeoInfo, type GeoLookup } from './geo.js';
