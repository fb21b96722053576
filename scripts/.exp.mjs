import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { cpSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
const g = async (dir) => { const r = await build({ bundle: true, minify: true, target: 'es2017', format: 'iife', entryPoints: [dir + '/script.ts'], write: false, legalComments: 'none', logLevel: 'error' }); const b = r.outputFiles[0].contents; return gzipSync(b, { level: 9 }).length; };
const base = await g('src/tracker');
console.log('base', base);
const exps = JSON.parse(readFileSync(process.argv[2], 'utf8'));
for (const [name, edits] of Object.entries(exps)) {
  rmSync('/tmp/exp', { recursive: true, force: true });
  cpSync('src/tracker', '/tmp/exp', { recursive: true });
  let ok = true;
  for (const [file, from, to] of edits) {
    const p = '/tmp/exp/' + file; const s = readFileSync(p, 'utf8');
    if (!s.includes(from)) { console.log(name, 'MISSING', from.slice(0, 50)); ok = false; break; }
    writeFileSync(p, s.replace(from, to));
  }
  if (ok) { try { console.log(name, (await g('/tmp/exp')) - base); } catch (e) { console.log(name, 'ERR', e.message.slice(0, 200)); } }
}
