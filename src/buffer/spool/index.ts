/** The local spool buffer; its design constraints open spool.ts, its format and operations are in docs/spool.md. */
export { createSpool } from './spool.js';
export type { Spool, SpoolOptions } from './spool.js';
export { nodeSpoolIo } from './io.js';
export type { SpoolFile, SpoolIo } from './io.js';
