/** The S3 ObjectStore (Amazon S3 or any S3-compatible server); design notes open s3.ts. */
export { createS3Store, type S3StoreOptions } from './s3.js';
