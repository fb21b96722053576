import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Assembles the folder uploaded to the site bucket from the build output (`npm run build` makes dist/):
 *   tracker.js, tracker.<hash>.js   the tracker script (hash: first 12 hex digits of its SHA-256, as the server does)
 *   demo/app.js, demo/style.css     the demo shop (its index.html is uploaded by the stack with the collector URL)
 *   ui/...                          the dashboard's static assets, when built (dist/ui)
 *   index.html                      a landing page that sends visitors to /demo/
 */
export interface StaticFiles {
  readonly dir: string;
  /** dist/demo/index.html with the tracker src placeholder still in it. */
  readonly demoHtml: string;
}

export function assembleStatic(repoRoot: string, outDir: string): StaticFiles {
  const dist = join(repoRoot, 'dist');
  const tracker = join(dist, 'tracker', 'tracker.js');
  const demo = join(dist, 'demo');
  for (const need of [tracker, join(demo, 'index.html'), join(demo, 'app.js')]) {
    if (!existsSync(need)) throw new Error(`${need} is missing: run \`npm run build\` first`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'demo'), { recursive: true });
  const script = readFileSync(tracker);
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 12);
  writeFileSync(join(outDir, 'tracker.js'), script);
  writeFileSync(join(outDir, `tracker.${hash}.js`), script);
  for (const name of ['app.js', 'style.css']) {
    if (existsSync(join(demo, name))) cpSync(join(demo, name), join(outDir, 'demo', name));
  }
  if (existsSync(join(dist, 'ui'))) cpSync(join(dist, 'ui'), join(outDir, 'ui'), { recursive: true });
  writeFileSync(
    join(outDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>Clicklake</title>' +
      '<meta http-equiv="refresh" content="0; url=/demo/"><a href="/demo/">Clicklake demo shop</a>\n',
  );
  return { dir: outDir, demoHtml: readFileSync(join(demo, 'index.html'), 'utf8') };
}
