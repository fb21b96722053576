/**
 * CDK app entry for the `cdk` CLI (`npx cdk synth --app "node dist/deploy/aws/bin/app.js"`): the same synth as
 * `clicklake deploy aws --synth`. Config file from CLICKLAKE_AWS_CONFIG (JSON), else defaults.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { synthesize } from '../lib/synth.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = process.env.CLICKLAKE_REPO_ROOT ?? join(here, '..', '..', '..', ...(here.includes('dist') ? ['..'] : []));
const file = process.env.CLICKLAKE_AWS_CONFIG;
const config: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
const result = await synthesize({ config, repoRoot, ...(process.env.CDK_OUTDIR ? { outDir: process.env.CDK_OUTDIR } : {}) });
console.log(`synthesized ${result.stackName} into ${result.outDir}`);
