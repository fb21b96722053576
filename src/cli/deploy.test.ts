import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** `clicklake deploy aws`: the real CLI as a process (no credentials, no network for --synth). */
const MAIN = join(dirname(fileURLToPath(import.meta.url)), 'main.js');

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('AWS_')) delete env[k];
    const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('deploy aws --synth writes the CloudFormation template from a config file, without credentials', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clk-cli-deploy-'));
  try {
    await writeFile(join(dir, 'aws.json'), JSON.stringify({ stage: 'cli', region: 'eu-central-1', processing: { scheduleMinutes: 10 } }));
    const r = await run(['deploy', 'aws', '--synth', '--config', join(dir, 'aws.json'), '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /synthesized stack clicklake-cli/);
    const template = JSON.parse(await readFile(join(dir, 'out', 'clicklake-cli.template.json'), 'utf8'));
    const rules = Object.values(template.Resources as Record<string, { Type: string; Properties: { ScheduleExpression?: string } }>)
      .filter((r) => r.Type === 'AWS::Events::Rule');
    assert.deepEqual(rules.map((r) => r.Properties.ScheduleExpression), ['rate(10 minutes)']);
    const manifest = JSON.parse(await readFile(join(dir, 'out', 'manifest.json'), 'utf8'));
    assert.equal(manifest.artifacts['clicklake-cli'].environment, 'aws://unknown-account/eu-central-1');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('deploy aws refuses an invalid config (key path in the message) and a missing mode', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clk-cli-deploy-'));
  try {
    await writeFile(join(dir, 'aws.json'), JSON.stringify({ processing: { shards: 0 }, colour: 'blue' }));
    const bad = await run(['deploy', 'aws', '--synth', '--config', join(dir, 'aws.json'), '--out', join(dir, 'out')]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /processing\.shards/);
    assert.match(bad.stderr, /colour/);
    const none = await run(['deploy', 'aws']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /exactly one of --synth, --deploy, --destroy/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
