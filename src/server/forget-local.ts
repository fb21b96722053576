import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Config } from '../core/config.js';
import { loadUserIdKey, pseudonymizeUserId } from '../core/pseudonym.js';
import type { Logger } from '../core/ports.js';
import { ADMIN_TOKEN_FILE } from './admin-token.js';
import { lockDataDir, lockOwner } from './data-dir-lock.js';
import { openLocalPipelines } from './failed-pipeline.js';
import { type ForgetReport, type ForgetRequest, forgetPerson } from './forget.js';
import { dataLayout } from './index.js';

/**
 * `clicklake forget` without a server of its own: when a server holds the data dir, the request goes to its
 * `POST /api/admin/forget` (the writer that owns the manifests must do it); otherwise the data dir is locked and
 * opened here (spools, writers, recovery), the rows are removed, and the writers stop, which deletes the replaced
 * files at once. `via` tells which way it went.
 */
export async function forgetInDataDir(
  config: Config,
  req: ForgetRequest,
  opts: { logger?: Logger; fetch?: typeof fetch } = {},
): Promise<ForgetReport & { via: 'server' | 'local' }> {
  const dirs = dataLayout(config.dataDir);
  if ((await lockOwner(dirs.root)) !== null) return { ...(await viaServer(config, dirs.root, req, opts.fetch ?? fetch)), via: 'server' };
  const logger = opts.logger ?? pino({ level: 'silent' });
  const lock = await lockDataDir(dirs.root);
  const closers: (() => Promise<void>)[] = [];
  try {
    const { writer, failed } = await openLocalPipelines(config, dirs, logger, closers);
    await writer.recover();
    await failed.writer.recover();
    const key = config.privacy.pseudonymizeUserId ? await loadUserIdKey(dirs.root, config.privacy.userIdKey) : null;
    const report = await forgetPerson(
      { events: writer, failed: failed.writer, pseudonym: key === null ? null : (id) => pseudonymizeUserId(key, id) },
      req,
    );
    return { ...report, via: 'local' };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await lock.release();
  }
}

async function viaServer(config: Config, root: string, req: ForgetRequest, fetchFn: typeof fetch): Promise<ForgetReport> {
  const token = config.adminToken ?? (await readFile(join(root, ADMIN_TOKEN_FILE), 'utf8')).trim();
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}/api/admin/forget`;
  const res = await fetchFn(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(req),
  });
  const body = (await res.json().catch(() => null)) as (ForgetReport & { error?: { code: string; message: string } }) | null;
  if (!res.ok || body === null || body.error !== undefined) {
    const detail = body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`;
    throw new Error(`the server at ${url} refused the forget request (${detail})`);
  }
  return body;
}
