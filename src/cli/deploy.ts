import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, Option } from 'commander';

/**
 * `clicklake deploy aws --synth | --deploy | --destroy [--config file] [--out dir]` (docs/aws.md). The CDK app lives
 * in deploy/aws/; it is imported dynamically here, so the other commands never load aws-cdk-lib.
 */
interface DeployModule {
  synthesize(opts: { config: unknown; repoRoot: string; outDir?: string }): Promise<{ outDir: string; stackName: string; templateFile: string }>;
  deployStack(opts: { config: unknown; repoRoot: string; outDir?: string; outputsFile?: string }): Promise<{ outputs: Record<string, string> }>;
  destroyStack(opts: { config: unknown; repoRoot: string; outDir?: string }): Promise<{ stackName: string }>;
}

interface AwsOptions {
  synth?: boolean;
  deploy?: boolean;
  destroy?: boolean;
  config?: string;
  out?: string;
  outputsFile?: string;
}

/** The repo (package) root: dist/src/cli/ -> three levels up. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function loadDeployModule(): Promise<DeployModule> {
  // dist/src/cli/deploy.js -> dist/deploy/aws/lib/deploy.js (a computed specifier: src/ does not depend on deploy/).
  const url = new URL(['..', '..', 'deploy', 'aws', 'lib', 'deploy.js'].join('/'), import.meta.url);
  return (await import(url.href)) as DeployModule;
}

async function awsCommand(opts: AwsOptions): Promise<void> {
  const modes = [opts.synth, opts.deploy, opts.destroy].filter(Boolean).length;
  if (modes !== 1) throw new Error('choose exactly one of --synth, --deploy, --destroy');
  const config: unknown = opts.config ? JSON.parse(await readFile(opts.config, 'utf8')) : {};
  const common = { config, repoRoot: ROOT, ...(opts.out ? { outDir: resolve(opts.out) } : {}) };
  const mod = await loadDeployModule();
  if (opts.synth) {
    const r = await mod.synthesize(common);
    console.log(`synthesized stack ${r.stackName}\n  template: ${r.templateFile}\n  cloud assembly: ${r.outDir}`);
  } else if (opts.deploy) {
    const r = await mod.deployStack({ ...common, ...(opts.outputsFile ? { outputsFile: resolve(opts.outputsFile) } : {}) });
    for (const [k, v] of Object.entries(r.outputs)) console.log(`${k}: ${v}`);
  } else {
    const r = await mod.destroyStack(common);
    console.log(`destroyed stack ${r.stackName} (the lake and site buckets are retained)`);
  }
}

export function registerDeployCommand(program: Command): void {
  const deploy = program.command('deploy').description('deploy Clicklake to a cloud (docs/aws.md)');
  deploy
    .command('aws')
    .description('AWS serverless pipeline as code (CDK): synth offline, or deploy/destroy with your credentials')
    .addOption(new Option('--synth', 'write the CloudFormation templates (no credentials, no network)'))
    .addOption(new Option('--deploy', 'synth, bootstrap and deploy with the AWS credentials of the environment'))
    .addOption(new Option('--destroy', 'delete the stack (buckets holding data are retained)'))
    .option('--config <file>', 'JSON deploy config (docs/aws.md)')
    .option('--out <dir>', `cloud assembly directory (default ${join('deploy', 'aws', 'cdk.out')})`)
    .option('--outputs-file <file>', 'with --deploy: write the stack outputs there as JSON')
    .action(async (opts: AwsOptions) => {
      try {
        await awsCommand(opts);
      } catch (err) {
        console.error(`clicklake deploy aws: ${(err as Error).message}`);
        process.exitCode = 1;
      }
    });
}
