import { Command, InvalidArgumentError, Option } from 'commander';
import { startCommand } from './start.js';
import { queryCommand } from './query.js';
import { forgetCommand } from './forget.js';
import { registerDemoCommand } from './demo.js';
import { registerDeployCommand } from './deploy.js';
import { registerHashPasswordCommand } from './hash-password.js';
import { parsePort } from '../server/config-loader.js';

const VERSION = '0.1.0';

function portArg(value: string): number {
  try {
    return parsePort(value, '--port');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const program = new Command()
  .name('clicklake')
  .description('Clickstream analytics: durable collector -> spool -> Parquet lake -> DuckDB')
  .version(VERSION)
  .showHelpAfterError();

program
  .command('start')
  .description('run collector, spool, writer and query API in one process')
  .option('--port <port>', 'HTTP port (env CLICKLAKE_PORT, default 8080)', portArg)
  .option('--host <host>', 'interface to bind (env CLICKLAKE_HOST, default 127.0.0.1)')
  .option('--data-dir <dir>', 'data directory (env CLICKLAKE_DATA_DIR, default ./clicklake-data)')
  .option('--config <file>', 'JSON config file (env CLICKLAKE_CONFIG)')
  .action(startCommand);

program
  .command('query')
  .description('run read-only SQL over the view `events` (works with or without a running server)')
  .argument('<sql>', 'a single SELECT or WITH statement')
  .option('--data-dir <dir>', 'data directory (env CLICKLAKE_DATA_DIR, default ./clicklake-data)')
  .option('--config <file>', 'JSON config file (env CLICKLAKE_CONFIG)')
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
  .action(queryCommand);

program
  .command('forget')
  .description("remove one person's events and dead letters from the lake (right to be forgotten)")
  .option('--user-id <id>', 'the user_id to forget (as sent; hashed when privacy.pseudonymizeUserId is on)')
  .option('--anonymous-id <id>', 'the anonymous_id (device) to forget')
  .option('--site <site>', 'only rows of this site_id')
  .option('--data-dir <dir>', 'data directory (env CLICKLAKE_DATA_DIR, default ./clicklake-data)')
  .option('--config <file>', 'JSON config file (env CLICKLAKE_CONFIG)')
  .option('--json', 'print the report as JSON')
  .action(forgetCommand);

registerDemoCommand(program, portArg);
registerDeployCommand(program);
registerHashPasswordCommand(program);

await program.parseAsync(process.argv);
