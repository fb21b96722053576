import { isClicklakeError } from '../core/errors.js';
import { loadConfig } from '../server/index.js';
import { forgetInDataDir } from '../server/forget-local.js';
import { parseForgetRequest } from '../server/forget.js';

interface ForgetFlags {
  userId?: string;
  anonymousId?: string;
  site?: string;
  dataDir?: string;
  config?: string;
  json?: boolean;
}

/**
 * `clicklake forget --user-id X | --anonymous-id X [--site S]`: removes one person's events and dead letters
 * (docs/cli.md, docs/privacy.md). Through the running server when one holds the data dir, else directly.
 * Exit 0 with a report, 1 on failure, 2 for bad arguments or configuration.
 */
export async function forgetCommand(flags: ForgetFlags): Promise<void> {
  let config;
  let req;
  try {
    config = await loadConfig({ dataDir: flags.dataDir, configFile: flags.config }, process.env);
    req = parseForgetRequest({
      ...(flags.userId === undefined ? {} : { userId: flags.userId }),
      ...(flags.anonymousId === undefined ? {} : { anonymousId: flags.anonymousId }),
      ...(flags.site === undefined ? {} : { siteId: flags.site }),
    });
  } catch (err) {
    process.stderr.write(`clicklake: ${(err as Error).message.replace(/^forget: body: /, 'forget: ')}\n`);
    process.exitCode = 2;
    return;
  }
  try {
    const report = await forgetInDataDir(config, req);
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      process.stdout.write(
        `forgot ${report.events} event(s) and ${report.deadLetters} dead letter(s); ` +
          `${report.files} file(s) rewritten (${report.via === 'server' ? 'by the running server' : 'data dir opened directly'})\n`,
      );
    }
  } catch (err) {
    const prefix = isClicklakeError(err) ? `${err.code}: ` : '';
    process.stderr.write(`clicklake: ${prefix}${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
