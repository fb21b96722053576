import { readFile } from 'node:fs/promises';
import { parseConfig, type Config } from '../core/config.js';

/** Command-line overrides; undefined means "not given". */
export interface ConfigOverrides {
  port?: number;
  host?: string;
  dataDir?: string;
  configFile?: string;
}

/**
 * Builds the effective config. Precedence: command-line flags > environment variables > config file > defaults.
 * Environment variables (documented in docs/config.md): CLICKLAKE_PORT, CLICKLAKE_HOST, CLICKLAKE_DATA_DIR,
 * CLICKLAKE_ADMIN_TOKEN, CLICKLAKE_LOG_LEVEL, CLICKLAKE_CONFIG, CLICKLAKE_LAKE_* (mergeLakeEnv).
 */
export async function loadConfig(overrides: ConfigOverrides, env: NodeJS.ProcessEnv): Promise<Config> {
  const file = overrides.configFile ?? env.CLICKLAKE_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`cannot read config file ${file}: ${(err as Error).message}`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new Error(`config file ${file} is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
      throw new Error(`config file ${file} must hold a JSON object`);
    }
  }
  const merged: Record<string, unknown> = { ...fromFile };
  const envPort = env.CLICKLAKE_PORT;
  if (envPort !== undefined && envPort !== '') merged.port = parsePort(envPort, 'CLICKLAKE_PORT');
  if (env.CLICKLAKE_HOST) merged.host = env.CLICKLAKE_HOST;
  if (env.CLICKLAKE_DATA_DIR) merged.dataDir = env.CLICKLAKE_DATA_DIR;
  if (env.CLICKLAKE_ADMIN_TOKEN) merged.adminToken = env.CLICKLAKE_ADMIN_TOKEN;
  if (env.CLICKLAKE_LOG_LEVEL) merged.log = { ...(merged.log as object | undefined), level: env.CLICKLAKE_LOG_LEVEL };
  mergeLakeEnv(merged, env);
  if (overrides.port !== undefined) merged.port = overrides.port;
  if (overrides.host !== undefined) merged.host = overrides.host;
  if (overrides.dataDir !== undefined) merged.dataDir = overrides.dataDir;
  return parseConfig(merged);
}

/** CLICKLAKE_LAKE_* (the lake follower, docs/cli.md) into `merged.lake`; the schema validates the values. */
function mergeLakeEnv(merged: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const lake = { ...(merged.lake as Record<string, unknown> | undefined) };
  const s3 = { ...(lake.s3 as Record<string, unknown> | undefined) };
  if (env.CLICKLAKE_LAKE_STORE) lake.store = env.CLICKLAKE_LAKE_STORE;
  if (env.CLICKLAKE_LAKE_S3_BUCKET) s3.bucket = env.CLICKLAKE_LAKE_S3_BUCKET;
  if (env.CLICKLAKE_LAKE_S3_PREFIX !== undefined) s3.prefix = env.CLICKLAKE_LAKE_S3_PREFIX;
  if (env.CLICKLAKE_LAKE_S3_REGION) s3.region = env.CLICKLAKE_LAKE_S3_REGION;
  if (env.CLICKLAKE_LAKE_S3_ENDPOINT) s3.endpoint = env.CLICKLAKE_LAKE_S3_ENDPOINT;
  const interval = env.CLICKLAKE_LAKE_SYNC_INTERVAL_MS;
  if (interval) {
    if (!/^\d+$/.test(interval)) throw new Error(`CLICKLAKE_LAKE_SYNC_INTERVAL_MS must be a number of milliseconds, got "${interval}"`);
    lake.syncIntervalMs = Number(interval);
  }
  if (Object.keys(s3).length > 0) lake.s3 = s3;
  if (Object.keys(lake).length > 0) merged.lake = lake;
}

export function parsePort(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${what} must be a port number 0-65535, got "${value}"`);
  }
  return n;
}
