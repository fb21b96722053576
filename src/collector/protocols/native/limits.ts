/**
 * Bounds of the native protocol, one table. docs/collect.md documents the same numbers; change both together.
 *
 * String lengths are in UTF-16 code units (JavaScript `.length`), which is at most one code unit per UTF-8 byte
 * for ASCII and never more than the UTF-8 byte length divided by one. The whole event is bounded separately in
 * bytes (config `collector.maxEventBytes`, measured on the produced row JSON).
 */
export const FIELD_LIMITS = {
  /** `type`: a token, letter first, then letters, digits, `_ . : -`; lower-cased. */
  type: 64,
  name: 256,
  site_id: 128,
  anonymous_id: 128,
  user_id: 256,
  session_id: 128,
  url: 4096,
  referrer: 4096,
  title: 1024,
  element_tag: 64,
  element_id: 256,
  /** After joining an array with spaces. */
  element_classes: 1024,
  /** Items of an `element.classes` array. */
  element_classes_items: 100,
  element_text: 1024,
  element_selector: 1024,
  element_href: 4096,
  language: 35,
  timezone: 64,
  /** ISO-8601 time strings (`ts`, `sent_at`). */
  time_string: 40,
  /** The User-Agent header is truncated (not rejected) to this length. */
  user_agent: 512,
  /** Nesting depth of `props`: the props object itself is level 1. */
  props_depth: 5,
  /** Object keys in `props`, counted over every level. */
  props_keys: 100,
  /** Length of one key in `props`. */
  props_key_length: 128,
  /** UTF-8 bytes of `props` serialised as JSON (the `properties` column). */
  props_bytes: 16 * 1024,
} as const;

/** Pixel sizes and positions (x, y, viewport, screen) are bounded by this absolute value. */
export const MAX_PIXELS = 1_000_000;

/** Client times must fall in [1970-01-01T00:00:00.000Z, 9999-12-31T23:59:59.999Z]. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** The subset of config `collector` the pure protocol code needs. */
export interface NativeLimits {
  /** Bytes, compressed and decompressed. */
  readonly maxBodyBytes: number;
  readonly maxEventsPerRequest: number;
  /** UTF-8 bytes of one produced row JSON. */
  readonly maxEventBytes: number;
  /** Client `ts` further than this from received_at is replaced by received_at in the row's `ts`. */
  readonly maxClockSkewMs: number;
}
