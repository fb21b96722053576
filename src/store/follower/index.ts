export { NO_TAIL, openLakeFollower, type FollowerStatus, type LakeFollower, type LakeFollowerOptions, type SyncResult } from './follower.js';
