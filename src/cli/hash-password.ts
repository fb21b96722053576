import type { Command } from 'commander';
import { hashPassword } from '../auth/password.js';

/**
 * `clicklake hash-password`: prints the hash of a password for config auth.users ({"name", "passwordHash"}).
 * Reads the password from stdin when it is not a terminal (`echo -n secret | clicklake hash-password`; one trailing
 * newline is dropped), else prompts twice without echo. The password never appears in argv or the shell history.
 */
export function registerHashPasswordCommand(program: Command): void {
  program
    .command('hash-password')
    .description('hash a dashboard password for auth.users (reads it from stdin or a prompt)')
    .action(hashPasswordCommand);
}

export async function hashPasswordCommand(): Promise<void> {
  try {
    const password = process.stdin.isTTY ? await promptTwice() : await readStdin();
    process.stdout.write(`${await hashPassword(password)}\n`);
  } catch (err) {
    process.stderr.write(`clicklake: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function promptTwice(): Promise<string> {
  const first = await prompt('Password: ');
  const second = await prompt('Again: ');
  if (first !== second) throw new Error('the passwords differ');
  return first;
}

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err: Error | null) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new Error('aborted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
