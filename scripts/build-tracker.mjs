// Builds the browser assets into dist/ (run after `tsc -p tsconfig.json`; part of build, prepare, prestart, test):
//   dist/tracker/tracker.js    the script build (IIFE), served at GET /tracker.js
//   dist/tracker/tracker.mjs   the ES module build, exported as `clicklake/tracker`
//   dist/tracker/types/        its declarations
//   dist/demo/                 the demo shop (app.js bundled from src/demo/site/app.ts, plus the static files)
// The tracker sources are first type-checked on their own (src/tracker/tsconfig.json: ES2017 + DOM, no Node types),
// then bundled by esbuild for ES2017 and minified. The size budget is enforced by src/tracker/size.test.ts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (...p) => join(root, ...p);
const require = createRequire(import.meta.url);

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', at('src/tracker/tsconfig.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build-tracker: the tracker does not type-check as ES2017 + DOM (see above)');
  process.exit(1);
}

const common = { bundle: true, minify: true, target: 'es2017', platform: 'browser', legalComments: 'none', logLevel: 'warning' };
mkdirSync(at('dist/tracker'), { recursive: true });
// The IIFE needs no "use strict" prologue (nothing in it depends on strict mode); every byte counts.
const script = await build({ ...common, entryPoints: [at('src/tracker/script.ts')], format: 'iife', write: false });
writeFileSync(at('dist/tracker/tracker.js'), script.outputFiles[0].text.replace(/^"use strict";/, ''));
await build({ ...common, entryPoints: [at('src/tracker/index.ts')], format: 'esm', outfile: at('dist/tracker/tracker.mjs') });

mkdirSync(at('dist/demo'), { recursive: true });
await build({ ...common, entryPoints: [at('src/demo/site/app.ts')], format: 'iife', outfile: at('dist/demo/app.js') });
for (const name of readdirSync(at('src/demo/site'))) {
  if (!name.endsWith('.ts')) copyFileSync(at('src/demo/site', name), at('dist/demo', name));
}

const size = (f) => {
  const b = readFileSync(at(f));
  return `${b.length} B minified, ${gzipSync(b, { level: 9 }).length} B gzip`;
};
console.log(`tracker: dist/tracker/tracker.js ${size('dist/tracker/tracker.js')}; tracker.mjs ${size('dist/tracker/tracker.mjs')}`);
