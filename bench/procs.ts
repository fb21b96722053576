import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Child processes of the bench (the bare server, Clicklake servers). Every child is registered here and stopped by
 * `stopAll` (SIGTERM, then SIGKILL after a grace period); an exit hook SIGKILLs whatever is still alive, so no run
 * leaves a server behind, even on failure or Ctrl-C.
 */
export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<number | null>;
}

const children = new Set<Child>();

process.on('exit', () => {
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
});

export function spawnChild(name: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; logPath: string }): Child {
  const log = createWriteStream(opts.logPath);
  const proc = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.pipe(log);
  proc.stderr!.pipe(log);
  if (proc.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: Child = { name, proc, pid: proc.pid, logPath: opts.logPath, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

/** SIGTERM, wait up to graceMs for the exit, then SIGKILL. Returns the exit code (null when killed). */
export async function stopChild(child: Child, graceMs = 10_000): Promise<number | null> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.proc.exitCode;
  child.proc.kill('SIGTERM');
  const code = await Promise.race([child.exited, sleep(graceMs).then(() => 'timeout' as const)]);
  if (code !== 'timeout') return code;
  child.proc.kill('SIGKILL');
  return child.exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx; throws (with the child's log tail) after timeoutMs or if the child exits. */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited with ${child.proc.exitCode}\n${await logTail(child)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready at ${url} after ${timeoutMs} ms\n${await logTail(child)}`);
}

export async function logTail(child: Child, lines = 30): Promise<string> {
  const text = await readFile(child.logPath, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

/** Peak resident set (VmHWM) and current RSS of a process, in bytes, from /proc (Linux). Null when unavailable. */
export async function memoryOf(pid: number): Promise<{ hwm: number; rss: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(/^(\w+):\s+(\d+) kB/m.exec(status.split('\n').find((l) => l.startsWith(key)) ?? '')?.[2] ?? NaN);
    return { hwm: kb('VmHWM') * 1024, rss: kb('VmRSS') * 1024 };
  } catch {
    return null;
  }
}
