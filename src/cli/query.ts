import { loadConfig, openLakeReader } from '../server/index.js';
import { formatResult } from '../query/format.js';
import { isClicklakeError } from '../core/errors.js';

interface QueryFlags {
  dataDir?: string;
  config?: string;
  format: 'table' | 'csv' | 'json';
}

/** `clicklake query "<SQL>"`: prints the result; exit 1 with the error code on failure. */
export async function queryCommand(sql: string, flags: QueryFlags): Promise<void> {
  let engine;
  try {
    const config = await loadConfig({ dataDir: flags.dataDir, configFile: flags.config }, process.env);
    engine = await openLakeReader(config.dataDir, config.query);
    const result = await engine.query(sql);
    process.stdout.write(formatResult(result, flags.format));
  } catch (err) {
    const prefix = isClicklakeError(err) ? `${err.code}: ` : '';
    process.stderr.write(`clicklake: ${prefix}${(err as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await engine?.close();
  }
}
