import { z } from 'zod';
import { FIELD_LIMITS as L, MAX_PIXELS } from './limits.js';

/**
 * Shape and bounds of one incoming event (the native protocol). Types and lengths only: text hygiene, defaults and
 * derived columns are normalize.ts's job. Every field but `type` is optional, and `null` means absent. Unknown keys
 * are dropped (forward compatibility: newer trackers may send more).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TYPE = /^[a-z][a-z0-9_.:-]*$/i;

const str = (max: number) => z.string().max(max).nullish();
const time = z.union([z.string().max(L.time_string), z.number()]).nullish();
const position = z.number().min(-MAX_PIXELS).max(MAX_PIXELS).nullish();
const size = z.number().int().min(0).max(MAX_PIXELS).nullish();
const box = z.object({ w: size, h: size }).nullish();

export const elementSchema = z.object({
  tag: str(L.element_tag),
  id: str(L.element_id),
  classes: z
    .union([z.string().max(L.element_classes), z.array(z.string().max(L.element_classes)).max(L.element_classes_items)])
    .nullish(),
  text: str(L.element_text),
  selector: str(L.element_selector),
  href: str(L.element_href),
  x: position,
  y: position,
});

export const eventSchema = z.object({
  event_id: z.string().regex(UUID, { error: 'must be a UUID' }).nullish(),
  type: z
    .string()
    .min(1)
    .max(L.type)
    .regex(TYPE, { error: 'must be a token: a letter, then letters, digits, _ . : -' }),
  name: str(L.name),
  ts: time,
  sent_at: time,
  site_id: str(L.site_id),
  anonymous_id: str(L.anonymous_id),
  user_id: str(L.user_id),
  session_id: str(L.session_id),
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  url: str(L.url),
  referrer: str(L.referrer),
  title: str(L.title),
  element: elementSchema.nullish(),
  scroll_depth: z.number().min(0).max(100).nullish(),
  viewport: box,
  screen: box,
  language: str(L.language),
  timezone: str(L.timezone),
  /** Bounded and serialised by props.ts (depth, keys, bytes). */
  props: z.unknown().optional(),
});

export type NativeEvent = z.output<typeof eventSchema>;

/** `path: reason` of the first problem zod found, e.g. `element.tag: Too big: expected string to have <=64 characters`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'event: invalid';
  const path = issue.path.length === 0 ? 'event' : issue.path.map(String).join('.');
  return `${path}: ${issue.message}`;
}
