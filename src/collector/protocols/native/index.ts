/**
 * The native protocol (`POST /collect`): pure functions with no HTTP framework, so an AWS Lambda handler can run
 * the same code. The Fastify adapter is ../../index.ts.
 */
export { checkContentTypeCharset, isPlainJson, parseBatch, parseBody, type ParsedBatch } from './body.js';
export {
  createNormalizeContext,
  type NormalizeContext,
  type NormalizeContextInput,
  type NormalizeResult,
} from './context.js';
export { normalizeEvent } from './normalize.js';
export { normalizeBatch, type BatchRequest, type NormalizedBatch } from './batch.js';
export { FIELD_LIMITS, MAX_EPOCH_MS, MAX_PIXELS, type NativeLimits } from './limits.js';
