// Builds the dashboard web app into dist/ui/ (run after `tsc -p tsconfig.json`; part of build, prepare, prestart,
// test):
//   dist/ui/index.html                  the one page (login and every view), referring to the hashed assets
//   dist/ui/assets/main-<hash>.js|css   the bundle (preact, uPlot, the app) and its styles, plus source maps
// The app (src/ui/app/) is first type-checked on its own (src/ui/tsconfig.json: DOM, no Node types), then bundled
// by esbuild. Served by src/ui/plugin.ts (index.html no-cache, /ui/assets/ cached for a year).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (...p) => join(root, ...p);
const require = createRequire(import.meta.url);

const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', at('src/ui/tsconfig.json')], {
  stdio: 'inherit',
});
if (tsc.status !== 0) {
  console.error('build-ui: the dashboard app does not type-check (see above)');
  process.exit(1);
}

const out = at('dist/ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: [at('src/ui/app/main.tsx')],
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs);
const entry = outputs.find(([, o]) => o.entryPoint && o.entryPoint.endsWith('main.tsx'));
if (!entry || !entry[1].cssBundle) {
  console.error('build-ui: esbuild produced no script or no stylesheet for main.tsx');
  process.exit(1);
}
const url = (file) => `/ui/assets/${basename(file)}`;
const html = readFileSync(at('src/ui/app/index.html'), 'utf8')
  .replaceAll('{{SCRIPT}}', url(entry[0]))
  .replaceAll('{{STYLE}}', url(entry[1].cssBundle));
writeFileSync(join(out, 'index.html'), html);

const size = (file) => {
  const b = readFileSync(at(file));
  return `${(b.length / 1024).toFixed(1)} KiB, ${(gzipSync(b).length / 1024).toFixed(1)} KiB gzip`;
};
console.log(`ui: ${relative(root, at(entry[0]))} ${size(entry[0])}; ${relative(root, at(entry[1].cssBundle))} ${size(entry[1].cssBundle)}`);
