import type { Logger } from '../../core/ports.js';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object | string;
  readonly msg?: string;
}

/** A Logger that keeps what it is given, for assertions (children share the list). */
export function memoryLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: object | string, msg?: string) => {
    entries.push(msg === undefined ? { level, obj } : { level, obj, msg });
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => memoryLogger(entries),
  };
}
