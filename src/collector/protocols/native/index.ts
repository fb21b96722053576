/**
 * The native protocol (`POST /collect`): pure functions with no HTTP framework, so an AWS Lambda handler can run
 * the same code. The Fastify adapter is ../../index.ts.
 */
export { checkContentTypeCharset, parseBody } from './body.js';
export {
  createNormalizeContext,
  normalizeEvent,
  type NormalizeContext,
  type NormalizeContextInput,
  type NormalizeResult,
} from './normalize.js';
export { FIELD_LIMITS, MAX_EPOCH_MS, MAX_PIXELS, type NativeLimits } from './limits.js';
