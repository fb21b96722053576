/** The local-disk ObjectStore (`<data-dir>/lake/`); design notes open local.ts. */
export { createLocalStore, LOCAL_TEMP_PREFIX } from './local.js';
