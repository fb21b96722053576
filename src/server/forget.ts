import { z } from 'zod';
import { ClicklakeError } from '../core/errors.js';
import type { Writer } from '../writer/index.js';

/**
 * `clicklake forget` / `POST /api/admin/forget` (docs/privacy.md): removes one person's rows from the lake.
 *
 *  - events: rows whose user_id (as stored: the HMAC pseudonym when privacy.pseudonymizeUserId is on, and the raw
 *    id too, for rows written before it was turned on) or anonymous_id equals the id, optionally of one site;
 *  - failed_events (dead letters): rows whose payload holds the id as a JSON string (`"<id>"`, how it appears in an
 *    event's JSON text), optionally of that site or of no known site (requests refused as a whole). The whole dead
 *    letter goes: its payload is raw client text.
 * Each writer flushes its buffer first (so every event acknowledged before the call is covered) and rewrites the
 * affected files in one manifest commit (src/writer/forget.ts). The old files are deleted writer.deleteGraceMs
 * later by a running server, at once when the CLI opened the data dir itself.
 */
const ID_MAX = 512;

export const forgetRequestSchema = z
  .strictObject({
    userId: z.string().min(1).max(ID_MAX).optional(),
    anonymousId: z.string().min(1).max(ID_MAX).optional(),
    siteId: z.string().min(1).max(128).optional(),
  })
  .refine((r) => (r.userId === undefined) !== (r.anonymousId === undefined), {
    message: 'give exactly one of userId and anonymousId',
  });

export type ForgetRequest = z.infer<typeof forgetRequestSchema>;

export interface ForgetReport {
  /** Rows removed from `events`. */
  readonly events: number;
  /** Dead letters removed from `failed_events`. */
  readonly deadLetters: number;
  /** Parquet files rewritten (or dropped when emptied). */
  readonly files: number;
}

/** Parses a request body; throws CLK_ERR_BAD_REQUEST naming the problem. */
export function parseForgetRequest(body: unknown): ForgetRequest {
  const parsed = forgetRequestSchema.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `forget: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export interface ForgetDeps {
  readonly events: Pick<Writer, 'forget'>;
  readonly failed: Pick<Writer, 'forget'>;
  /** The stored form of a user_id (privacy.pseudonymizeUserId), or null when ids are stored as sent. */
  readonly pseudonym: ((userId: string) => string) | null;
}

export async function forgetPerson(deps: ForgetDeps, req: ForgetRequest): Promise<ForgetReport> {
  const id = req.userId ?? req.anonymousId!;
  const site = req.siteId === undefined ? {} : { siteId: req.siteId };
  const equals: Record<string, string[]> =
    req.userId !== undefined
      ? { user_id: deps.pseudonym === null ? [id] : [id, deps.pseudonym(id)] }
      : { anonymous_id: [id] };
  const events = await deps.events.forget({ equals, ...site });
  const failed = await deps.failed.forget({ contains: { payload: [JSON.stringify(id)] }, ...site, includeNullSite: true });
  return { events: events.rows, deadLetters: failed.rows, files: events.files + failed.files };
}
