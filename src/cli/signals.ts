import type { RunningClicklake } from '../server/index.js';

/**
 * SIGTERM/SIGINT stop the server gracefully and exit 0 (1 if the stop fails); a second signal exits at once with 1.
 * Only the CLI touches process signals and exit codes.
 */
export function stopOnSignals(app: Pick<RunningClicklake, 'stop' | 'logger'>): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      app.logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    app.logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        app.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
