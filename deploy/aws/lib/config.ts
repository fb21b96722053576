import { z } from 'zod';
import { configSchema as clicklakeConfigSchema } from '../../../src/core/config.js';

/**
 * `clicklake deploy aws` configuration: one strict schema, every default here, unknown keys rejected with their
 * path (like src/core/config.ts). docs/aws.md documents each key.
 */
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

const domainSchema = z.strictObject({
  /** Apex of the names used: the site at <name>, the dashboard at dashboard.<name>, the collector at collect.<name>. */
  name: z.string().regex(/^(?=.{1,200}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/, 'a lower-case DNS name'),
  /** Route 53 hosted zone that holds `name` (id and name: no lookup at synth). */
  hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/),
  hostedZoneName: z.string().min(1),
  /**
   * ACM certificate in us-east-1 for <name> and dashboard.<name> (CloudFront only uses us-east-1 certificates).
   * Required when `region` is not us-east-1; in us-east-1 the stack creates a DNS-validated one.
   */
  cloudFrontCertificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]+$/).optional(),
});

export const awsConfigSchema = z
  .strictObject({
    /** AWS region of the stack. */
    region: z.string().regex(REGION, 'an AWS region such as eu-west-1').default('us-east-1'),
    /** 12-digit account id; unset: the account of the credentials used at deploy (environment-agnostic template). */
    account: z.string().regex(/^\d{12}$/).optional(),
    /** Stage name: part of the stack name (clicklake-<stage>) and of resource names. */
    stage: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and -, at most 20').default('prod'),
    domain: domainSchema.optional(),
    /** Durable buffer between `collect` and `process`. Only dynamodb is implemented (see docs/aws.md). */
    sink: z.enum(['dynamodb', 'kinesis']).default('dynamodb'),
    processing: z
      .strictObject({
        /** How often the `process` function runs (EventBridge schedule). */
        scheduleMinutes: z.number().int().min(1).max(60).default(5),
        /** Length of a receive-time slice; must divide 60. */
        sliceMinutes: z.number().int().min(1).max(60).default(5),
        /** DynamoDB partition keys per slice (each takes ~1000 writes/s). */
        shards: z.number().int().min(1).max(256).default(8),
        /** A slice is processed this long after its end (> the collect function's timeout). */
        marginSeconds: z.number().int().min(30).max(3600).default(120),
        /** Memory of the `process` function (MB); CPU scales with it. */
        memoryMb: z.number().int().min(512).max(10240).default(2048),
        /** Timeout of the `process` function. */
        timeoutMinutes: z.number().int().min(1).max(15).default(10),
      })
      .prefault({}),
    /** Event partitions of the lake (events/dt=...) older than this many days are deleted by an S3 lifecycle rule. */
    retentionDays: z.number().int().positive().optional(),
    /** DynamoDB items expire this long after they were received (safety net; `process` deletes them). */
    ttlDays: z.number().int().min(1).max(365).default(7),
    /** CloudWatch log retention of every function, task and the API. */
    logRetentionDays: z.number().int().positive().default(30),
    collector: z
      .strictObject({
        /** Origins allowed by the HTTP API's CORS configuration. */
        corsOrigins: z.array(z.string().min(1)).default(['*']),
        /** Steady-state requests/s and burst of the API's default stage. */
        throttleRate: z.number().positive().default(1000),
        throttleBurst: z.number().int().positive().default(2000),
        memoryMb: z.number().int().min(128).max(10240).default(512),
      })
      .prefault({}),
    server: z
      .strictObject({
        cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)]).default(512),
        memoryMiB: z.number().int().min(512).max(30720).default(1024),
        desiredCount: z.number().int().min(0).max(10).default(1),
      })
      .prefault({}),
    quicksight: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** QuickSight user or group ARN granted the data source, data set and dashboard (required when enabled). */
        principalArn: z.string().regex(/^arn:aws[a-z-]*:quicksight:/).optional(),
      })
      .prefault({}),
    /**
     * Clicklake config keys used by the `collect` function (collector limits, sites and their allowed origins,
     * enrichment, privacy), the same schema as `clicklake start` (src/core/config.ts).
     */
    clicklake: z
      .strictObject({ collector: z.unknown().optional(), sites: z.unknown().optional(), enrichment: z.unknown().optional(), privacy: z.unknown().optional() })
      .default({}),
  })
  .superRefine((c, ctx) => {
    if (c.sink === 'kinesis') {
      ctx.addIssue({ code: 'custom', path: ['sink'], message: 'kinesis is not implemented yet; use "dynamodb"' });
    }
    if (60 % c.processing.sliceMinutes !== 0) {
      ctx.addIssue({ code: 'custom', path: ['processing', 'sliceMinutes'], message: 'must divide 60' });
    }
    if (c.processing.marginSeconds <= 30) {
      ctx.addIssue({ code: 'custom', path: ['processing', 'marginSeconds'], message: 'must exceed the collect timeout (30 s)' });
    }
    if (c.quicksight.enabled && c.quicksight.principalArn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['quicksight', 'principalArn'], message: 'required when quicksight.enabled is true' });
    }
    if (c.domain && c.region !== 'us-east-1' && c.domain.cloudFrontCertificateArn === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['domain', 'cloudFrontCertificateArn'],
        message: 'required when region is not us-east-1 (CloudFront needs a us-east-1 certificate)',
      });
    }
    const privacy = (c.clicklake.privacy ?? {}) as { pseudonymizeUserId?: unknown; userIdKey?: unknown };
    if (privacy.pseudonymizeUserId === true && privacy.userIdKey === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['clicklake', 'privacy', 'userIdKey'],
        message: 'required with pseudonymizeUserId on AWS (each Lambda instance would otherwise generate its own key)',
      });
    }
    const core = clicklakeConfigSchema.safeParse({
      collector: c.clicklake.collector ?? {},
      sites: c.clicklake.sites ?? {},
      enrichment: c.clicklake.enrichment ?? {},
      privacy: c.clicklake.privacy ?? {},
    });
    if (!core.success) {
      for (const issue of core.error.issues) ctx.addIssue({ code: 'custom', path: ['clicklake', ...issue.path.map(String)], message: issue.message });
    }
  });

export type AwsConfig = z.infer<typeof awsConfigSchema>;

/** Parses the deploy config; throws an Error listing every problem with its key path. */
export function parseAwsConfig(input: unknown): AwsConfig {
  const result = awsConfigSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    throw new Error(`invalid AWS deploy configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
