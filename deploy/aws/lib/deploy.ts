import { BootstrapEnvironments, StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { synthesize, type SynthOptions, type SynthResult } from './synth.js';

/**
 * The entry points of `clicklake deploy aws` (src/cli/deploy.ts imports this module dynamically, so the normal CLI
 * never loads aws-cdk-lib). `synth` needs no credentials and no network. `deploy` and `destroy` run the synthesized
 * cloud assembly with @aws-cdk/toolkit-lib (programmatic CDK) and the credentials of the environment (AWS_PROFILE,
 * AWS_ACCESS_KEY_ID/..., SSO, instance roles: the AWS SDK's default chain). `deploy` bootstraps the environment first
 * (CDKToolkit stack; a no-op when it is current) and builds the server's Docker image, so it needs Docker.
 */
export { synthesize };
export type { SynthOptions, SynthResult };

export async function deployStack(opts: SynthOptions & { outputsFile?: string }): Promise<{ synth: SynthResult; outputs: Record<string, string> }> {
  const synth = await synthesize(opts);
  const toolkit = new Toolkit();
  const cx = await toolkit.fromAssemblyDirectory(synth.outDir);
  await toolkit.bootstrap(BootstrapEnvironments.fromCloudAssemblySource(cx));
  const result = await toolkit.deploy(cx, {
    stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
    ...(opts.outputsFile ? { outputsFile: opts.outputsFile } : {}),
  });
  const outputs: Record<string, string> = {};
  for (const stack of result.stacks) Object.assign(outputs, stack.outputs);
  return { synth, outputs };
}

export async function destroyStack(opts: SynthOptions): Promise<SynthResult> {
  const synth = await synthesize(opts);
  const toolkit = new Toolkit();
  const cx = await toolkit.fromAssemblyDirectory(synth.outDir);
  await toolkit.destroy(cx, { stacks: { strategy: StackSelectionStrategy.ALL_STACKS } });
  return synth;
}
