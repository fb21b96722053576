import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Pre-bundles the Lambda handlers (deploy/aws/lambda/*.ts) with esbuild into asset folders, so that synth needs no
 * Docker: `<out>/collect/index.mjs` and `<out>/process/index.mjs`. The compiled handlers are bundled with
 * everything they import (src/ stage code, AWS SDK v3, zod), as ES modules for Node.js 24.
 *
 * DuckDB (used by `process` through src/writer) is a native addon and stays external: its packages are copied next to
 * the bundle as node_modules/ for linux-x64 (@duckdb/node-api, @duckdb/node-bindings,
 * @duckdb/node-bindings-linux-x64 and detect-libc). The functions therefore run on the x86_64 architecture.
 */
export interface LambdaAssets {
  readonly collect: string;
  readonly process: string;
}

const DUCKDB_PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-x64', 'detect-libc'];

/** ESM bundles of CommonJS dependencies need `require`, `__filename` and `__dirname`. */
const BANNER = [
  "import { createRequire as __clkRequire } from 'node:module';",
  "import { fileURLToPath as __clkPath } from 'node:url';",
  "import { dirname as __clkDir } from 'node:path';",
  'const require = __clkRequire(import.meta.url);',
  'const __filename = __clkPath(import.meta.url);',
  'const __dirname = __clkDir(__filename);',
].join('\n');

export async function bundleLambdas(repoRoot: string, outDir: string): Promise<LambdaAssets> {
  const out: Record<keyof LambdaAssets, string> = { collect: join(outDir, 'collect'), process: join(outDir, 'process') };
  for (const [name, dir] of Object.entries(out)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await build({
      // The compiled handler next to this file (dist/deploy/aws/lambda/<name>.js): present in a checkout after the
      // build and in the published package alike.
      entryPoints: [fileURLToPath(new URL(`../lambda/${name}.js`, import.meta.url))],
      outfile: join(dir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      banner: { js: BANNER },
      external: name === 'process' ? ['@duckdb/*'] : [],
    });
  }
  for (const pkg of DUCKDB_PACKAGES) {
    const from = join(repoRoot, 'node_modules', pkg);
    if (!existsSync(from)) {
      throw new Error(`${pkg} is not installed (npm install on linux-x64): the process function needs it`);
    }
    cpSync(from, join(out.process, 'node_modules', pkg), { recursive: true, dereference: true });
  }
  return out;
}
