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
 * CLICKLAKE_ADMIN_TOKEN, CLICKLAKE_LOG_LEVEL, CLICKLAKE_CONFIG.
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
  if (overrides.port !== undefined) merged.port = overrides.port;
  if (overrides.host !== undefined) merged.host = overrides.host;
  if (overrides.dataDir !== undefined) merged.dataDir = overrides.dataDir;
  return parseConfig(merged);
}

export function parsePort(value: string, what: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`${what} must be a port number 0-65535, got "${value}"`);
  }
  return n;
}
