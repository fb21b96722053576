#!/usr/bin/env node
// Entry point of the `clicklake` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('clicklake: dist/ is missing; run `npm install` (or `npm run build`) in the checkout first');
  process.exit(1);
}
await import(main.href);
