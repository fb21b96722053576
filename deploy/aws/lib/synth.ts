import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { bundleLambdas } from './bundle.js';
import { type AwsConfig, parseAwsConfig } from './config.js';
import { ClicklakeStack } from './stack.js';
import { assembleStatic } from './static.js';

/**
 * Synth in-process, with no credentials and no network: bundle the Lambda handlers (esbuild), assemble the static
 * site, build the stack into a cloud assembly (CloudFormation templates + asset folders) in `outDir`. The server's
 * Docker image is only referenced (ContainerImage.fromAsset); it is built by `--deploy`.
 */
export interface SynthOptions {
  readonly config: unknown;
  readonly repoRoot: string;
  /** Cloud assembly directory (default <repoRoot>/deploy/aws/cdk.out). */
  readonly outDir?: string;
}

export interface SynthResult {
  readonly outDir: string;
  readonly stackName: string;
  readonly templateFile: string;
  readonly config: AwsConfig;
}

export function stackNameOf(config: AwsConfig): string {
  return `clicklake-${config.stage}`;
}

export async function synthesize(opts: SynthOptions): Promise<SynthResult> {
  const config = parseAwsConfig(opts.config);
  const repoRoot = resolve(opts.repoRoot);
  const outDir = resolve(opts.outDir ?? join(repoRoot, 'deploy', 'aws', 'cdk.out'));
  const work = join(outDir, '.build');
  mkdirSync(work, { recursive: true });
  const lambdaAssets = await bundleLambdas(repoRoot, join(work, 'lambda'));
  const site = assembleStatic(repoRoot, join(work, 'static'));
  const app = new App({ outdir: outDir, analyticsReporting: false, context: { 'aws:cdk:disable-version-reporting': true } });
  const stackName = stackNameOf(config);
  new ClicklakeStack(app, stackName, {
    stackName,
    config,
    lambdaAssets,
    staticDir: site.dir,
    demoHtml: site.demoHtml,
    dockerContext: repoRoot,
    env: config.account ? { account: config.account, region: config.region } : { region: config.region },
    description: `Clicklake clickstream pipeline (${config.stage})`,
  });
  const assembly = app.synth();
  return { outDir, stackName, templateFile: join(assembly.directory, `${stackName}.template.json`), config };
}
