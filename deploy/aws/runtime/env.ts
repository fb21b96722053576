import { z } from 'zod';
import { configSchema } from '../../../src/core/config.js';

/**
 * The environment variables the CDK stack sets on the Lambda functions (lib/stack.ts writes them, the handlers in
 * lambda/ read them through these schemas; nothing else reads process.env).
 */
const int = (min: number) => z.coerce.number().int().min(min);

export const collectEnvSchema = z.object({
  CLICKLAKE_TABLE: z.string().min(1),
  CLICKLAKE_SLICE_SECONDS: int(60).refine((s) => s % 60 === 0 && 3600 % s === 0, 'whole minutes dividing an hour'),
  CLICKLAKE_SHARDS: int(1),
  CLICKLAKE_TTL_DAYS: int(1),
  /** JSON of the Clicklake config keys the collector uses: { collector, sites, enrichment, privacy } (src/core/config.ts). */
  CLICKLAKE_COLLECTOR_CONFIG: z.string().default('{}'),
});

export const processEnvSchema = z.object({
  CLICKLAKE_TABLE: z.string().min(1),
  CLICKLAKE_BUCKET: z.string().min(1),
  CLICKLAKE_SLICE_SECONDS: int(60).refine((s) => s % 60 === 0 && 3600 % s === 0, 'whole minutes dividing an hour'),
  CLICKLAKE_SHARDS: int(1),
  CLICKLAKE_MARGIN_SECONDS: int(0),
  CLICKLAKE_MAX_SLICES: int(1),
  CLICKLAKE_LOOKBACK_SLICES: int(1),
});

/** The collector, sites, enrichment and privacy settings of a Clicklake config (defaults filled, unknown keys rejected). */
export function collectorConfig(json: string) {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const parsed = configSchema.parse({
    collector: raw.collector ?? {},
    sites: raw.sites ?? {},
    enrichment: raw.enrichment ?? {},
    privacy: raw.privacy ?? {},
  });
  return { collector: parsed.collector, sites: parsed.sites, enrichment: parsed.enrichment, privacy: parsed.privacy };
}
