import { loadConfig, startClicklake } from '../server/index.js';
import { stopOnSignals } from './signals.js';
import { isClicklakeError } from '../core/errors.js';

interface StartFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  config?: string;
}

/** `clicklake start`: runs until SIGTERM/SIGINT, then stops gracefully and exits 0. */
export async function startCommand(flags: StartFlags): Promise<void> {
  let config;
  try {
    config = await loadConfig(
      { port: flags.port, host: flags.host, dataDir: flags.dataDir, configFile: flags.config },
      process.env,
    );
  } catch (err) {
    console.error(`clicklake: ${(err as Error).message}`);
    process.exit(2);
  }
  let app;
  try {
    app = await startClicklake(config);
  } catch (err) {
    // A condition the operator must resolve (e.g. CLK_ERR_LAKE_NO_MANIFEST): its code and message, no stack.
    if (!isClicklakeError(err)) throw err;
    console.error(`clicklake: ${err.code}: ${err.message}`);
    process.exit(2);
  }
  const tokenNote =
    app.adminTokenSource === 'config'
      ? '(from CLICKLAKE_ADMIN_TOKEN / config)'
      : `(kept in ${app.adminTokenPath})`;
  if (config.lake.store === 's3') {
    // A read-only lake follower (docs/aws.md): no collector, the lake comes from S3.
    const s3 = config.lake.s3;
    process.stdout.write(
      `\nClicklake (read-only lake follower) is running at ${app.url}\n` +
        `  lake:     s3://${s3.bucket}/${s3.prefix} (manifest re-read every ${config.lake.syncIntervalMs} ms)\n` +
        `  collect:  disabled (POST /collect answers CLK_ERR_COLLECT_DISABLED)\n` +
        `  query:    POST ${app.url}/api/query  (Authorization: Bearer <admin token>)\n` +
        // A token from the environment (Secrets Manager on AWS) is not echoed into the logs.
        `  admin token: ${app.adminTokenSource === 'config' ? '' : `${app.adminToken} `}${tokenNote}\n\n`,
    );
    stopOnSignals(app);
    return;
  }
  process.stdout.write(
    `\nClicklake is running at ${app.url}\n` +
      `  demo shop: ${app.url}/demo/\n` +
      `  tracker:  ${app.url}/tracker.js\n` +
      `  collect:  POST ${app.url}/collect\n` +
      `  query:    POST ${app.url}/api/query  (Authorization: Bearer <admin token>)\n` +
      `  admin token: ${app.adminToken} ${tokenNote}\n` +
      `  data dir: ${config.dataDir}\n\n`,
  );

  stopOnSignals(app);
}
