/** The writer stage: buffer -> Parquet lake; design constraints open writer.ts, docs/writer.md documents it. */
export { createWriter } from './writer.js';
export type { CycleResult, Writer, WriterOptions } from './writer.js';
export type { FlushResult } from './flush.js';
export type { ForgetFilter, ForgetResult } from './forget.js';
export type { RetentionResult } from './retention.js';
export type { CommitListener } from './manifest-state.js';
