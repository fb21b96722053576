import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { LAKE_COLUMNS } from '../../../src/core/schema.js';
import { parseAwsConfig } from '../lib/config.js';
import { DASHBOARD_QUERIES, GLUE_TYPES } from '../lib/query.js';
import { CACHE_IMMUTABLE, CACHE_SHORT } from '../lib/site.js';
import { ClicklakeStack } from '../lib/stack.js';
import { synthesize } from '../lib/synth.js';
import { REPO_ROOT } from './fixtures.js';

/**
 * CDK assertions on the synthesized templates: one full synth (esbuild bundles, static site, cloud assembly) with the
 * default config, and the same stack built again with a custom domain and QuickSight on.
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const out = mkdtempSync(join(tmpdir(), 'clk-cdk-'));
let plain: Template;
let full: Template;
let outDir: string;

function resourcesOf(t: Template, type: string): [string, Json][] {
  return Object.entries(t.findResources(type)) as [string, Json][];
}

/** Every policy statement of every IAM policy, role and managed policy. */
function statements(t: Template): Json[] {
  const out: Json[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role']) {
    for (const [, r] of resourcesOf(t, type)) {
      const p = r.Properties ?? {};
      if (p.PolicyDocument) out.push(...p.PolicyDocument.Statement);
      for (const inline of p.Policies ?? []) out.push(...inline.PolicyDocument.Statement);
    }
  }
  return out;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

describe('CDK stack (synthesized templates)', () => {
  before(async () => {
    const result = await synthesize({ config: { stage: 'test', region: 'eu-west-1' }, repoRoot: REPO_ROOT, outDir: join(out, 'plain') });
    outDir = result.outDir;
    plain = Template.fromJSON(JSON.parse(readFileSync(result.templateFile, 'utf8')));
    // The same stack with a custom domain and QuickSight, from the assets the synth made.
    const app = new App({ outdir: join(out, 'full') });
    const config = parseAwsConfig({
      stage: 'full',
      region: 'us-east-1',
      domain: { name: 'analytics.example.com', hostedZoneId: 'Z0123456789ABC', hostedZoneName: 'example.com' },
      quicksight: { enabled: true, principalArn: 'arn:aws:quicksight:us-east-1:123456789012:user/default/ana' },
      retentionDays: 90,
      clicklake: { sites: { shop: { allowedOrigins: ['https://shop.example'] } } },
    });
    const stack = new ClicklakeStack(app, 'clicklake-full', {
      config,
      lambdaAssets: { collect: join(outDir, '.build', 'lambda', 'collect'), process: join(outDir, '.build', 'lambda', 'process') },
      staticDir: join(outDir, '.build', 'static'),
      demoHtml: '<html><script defer src="{{TRACKER_SRC}}" data-site="demo"></script></html>',
      dockerContext: REPO_ROOT,
      env: { region: 'us-east-1', account: '123456789012' },
    });
    full = Template.fromStack(stack);
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('writes a cloud assembly with the template, the bundled handlers and the DuckDB native package', () => {
    assert.ok(existsSync(join(outDir, 'manifest.json')));
    assert.ok(existsSync(join(outDir, '.build', 'lambda', 'collect', 'index.mjs')));
    assert.ok(existsSync(join(outDir, '.build', 'lambda', 'process', 'index.mjs')));
    assert.ok(existsSync(join(outDir, '.build', 'lambda', 'process', 'node_modules', '@duckdb', 'node-bindings-linux-x64')));
    assert.ok(existsSync(join(outDir, '.build', 'static', 'tracker.js')));
  });

  it('static site: private encrypted bucket behind CloudFront with origin access control, HTTPS only, cache headers', () => {
    plain.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const site = resourcesOf(plain, 'AWS::CloudFront::Distribution').find(([, r]) => r.Properties.DistributionConfig.DefaultRootObject === 'index.html');
    assert.ok(site, 'site distribution');
    const cfg = site[1].Properties.DistributionConfig;
    assert.equal(cfg.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.ok(cfg.Origins[0].OriginAccessControlId, 'OAC on the S3 origin');
    assert.deepEqual(cfg.Origins[0].S3OriginConfig, { OriginAccessIdentity: '' });
    const cache = resourcesOf(plain, 'Custom::CDKBucketDeployment').map(([, r]) => r.Properties.SystemMetadata?.['cache-control']);
    assert.ok(cache.includes(CACHE_SHORT) && cache.includes(CACHE_IMMUTABLE), `cache-control ${cache.join(' | ')}`);
    // Custom domain: ACM certificate, TLS 1.2+.
    const fullSite = resourcesOf(full, 'AWS::CloudFront::Distribution').find(([, r]) => r.Properties.DistributionConfig.DefaultRootObject === 'index.html')!;
    assert.deepEqual(fullSite[1].Properties.DistributionConfig.Aliases, ['analytics.example.com']);
    assert.equal(fullSite[1].Properties.DistributionConfig.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
    full.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'analytics.example.com', ValidationMethod: 'DNS' });
  });

  it('every bucket blocks public access, is encrypted and refuses plain HTTP', () => {
    for (const t of [plain, full]) {
      const buckets = resourcesOf(t, 'AWS::S3::Bucket');
      assert.ok(buckets.length >= 3);
      for (const [id, b] of buckets) {
        assert.deepEqual(b.Properties.PublicAccessBlockConfiguration, {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        }, id);
        assert.ok(b.Properties.BucketEncryption?.ServerSideEncryptionConfiguration?.length, `${id} encrypted`);
      }
      const policies = resourcesOf(t, 'AWS::S3::BucketPolicy');
      assert.equal(policies.length, buckets.length);
      for (const [, p] of policies) {
        assert.ok(p.Properties.PolicyDocument.Statement.some((s: Json) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'));
      }
    }
  });

  it('ingestion: HTTP API POST /collect with CORS -> collect on Node.js 24 (x86_64) -> DynamoDB', () => {
    plain.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowMethods: ['POST', 'OPTIONS'], AllowHeaders: ['content-type', 'content-encoding'], ExposeHeaders: ['retry-after'] }),
    });
    plain.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /collect' });
    plain.hasResourceProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
    plain.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    plain.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      Timeout: 10,
      Environment: { Variables: Match.objectLike({ CLICKLAKE_SLICE_SECONDS: '300', CLICKLAKE_SHARDS: '8', CLICKLAKE_TTL_DAYS: '7' }) },
    });
  });

  it('DynamoDB: on demand, pk/sk keys, TTL, encryption, point-in-time recovery', () => {
    plain.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      SSESpecification: { SSEEnabled: true },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('processing: a 5-minute EventBridge schedule -> process (one at a time) writing to the lake', () => {
    plain.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    plain.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['x86_64'],
      ReservedConcurrentExecutions: 1,
      MemorySize: 2048,
      Timeout: 600,
      EphemeralStorage: { Size: 4096 },
      Environment: { Variables: Match.objectLike({ CLICKLAKE_MARGIN_SECONDS: '120', CLICKLAKE_LOOKBACK_SLICES: String(7 * 288) }) },
    });
    const [, rule] = resourcesOf(plain, 'AWS::Events::Rule')[0]!;
    const [processId] = resourcesOf(plain, 'AWS::Lambda::Function').find(([, f]) => f.Properties.ReservedConcurrentExecutions === 1)!;
    assert.deepEqual(rule.Properties.Targets[0].Arn, { 'Fn::GetAtt': [processId, 'Arn'] });
  });

  it('query: Glue table with partition projection (no crawler) matching the lake schema, Athena workgroup, named queries', () => {
    plain.resourceCountIs('AWS::Glue::Crawler', 0);
    const [, table] = resourcesOf(plain, 'AWS::Glue::Table')[0]!;
    const input = table.Properties.TableInput;
    assert.equal(input.Parameters['projection.enabled'], 'true');
    assert.equal(input.Parameters['projection.dt.type'], 'date');
    assert.equal(input.Parameters['projection.hour.digits'], '2');
    assert.match(JSON.stringify(input.Parameters['storage.location.template']), /events\/dt=\$\{dt\}\/hour=\$\{hour\}\//);
    assert.deepEqual(input.PartitionKeys.map((k: Json) => k.Name), ['dt', 'hour']);
    assert.deepEqual(
      input.StorageDescriptor.Columns.map((c: Json) => [c.Name, c.Type]),
      LAKE_COLUMNS.map((c) => [c.name, GLUE_TYPES[c.type]]),
    );
    assert.equal(input.StorageDescriptor.SerdeInfo.SerializationLibrary, 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
    plain.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        ResultConfiguration: Match.objectLike({ EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } }),
      }),
    });
    plain.resourceCountIs('AWS::Athena::NamedQuery', DASHBOARD_QUERIES.length);
    // The retention days bound the projection and expire old partitions.
    const [, fullTable] = resourcesOf(full, 'AWS::Glue::Table')[0]!;
    assert.equal(fullTable.Properties.TableInput.Parameters['projection.dt.range'], 'NOW-90DAYS,NOW+1DAYS');
    full.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Prefix: 'events/', ExpirationInDays: 90 })]) },
    });
  });

  it('server: Fargate behind an ALB (health check /healthz), CloudFront HTTPS in front, secret origin header', () => {
    plain.hasResourceProperties('AWS::ECS::TaskDefinition', {
      RequiresCompatibilities: ['FARGATE'],
      RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' },
      ContainerDefinitions: [Match.objectLike({
        PortMappings: [Match.objectLike({ ContainerPort: 8080 })],
        Secrets: [Match.objectLike({ Name: 'CLICKLAKE_ADMIN_TOKEN' })],
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
      })],
    });
    // A read-only lake follower of the lake bucket (docs/aws.md): its env, and a task role that may only read the lake.
    const [, taskDef] = resourcesOf(plain, 'AWS::ECS::TaskDefinition')[0]!;
    const env = Object.fromEntries(taskDef.Properties.ContainerDefinitions[0].Environment.map((e: Json) => [e.Name, e.Value]));
    const [lakeId] = resourcesOf(plain, 'AWS::S3::Bucket').find(([id]) => /^Lake/.test(id))!;
    assert.equal(env.CLICKLAKE_LAKE_STORE, 's3');
    assert.deepEqual(env.CLICKLAKE_LAKE_S3_BUCKET, { Ref: lakeId });
    assert.equal(env.CLICKLAKE_LAKE_S3_REGION, 'eu-west-1');
    assert.equal(env.CLICKLAKE_LAKE_SYNC_INTERVAL_MS, '60000');
    const taskRole = taskDef.Properties.TaskRoleArn['Fn::GetAtt'][0];
    const taskStatements = resourcesOf(plain, 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: Json) => r.Ref === taskRole))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const lakeArn = { 'Fn::GetAtt': [lakeId, 'Arn'] };
    assert.deepEqual(taskStatements, [
      {
        Action: 's3:GetObject',
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', [lakeArn, '/events/*']] },
          { 'Fn::Join': ['', [lakeArn, '/_clicklake/*']] },
        ],
      },
      {
        Action: 's3:ListBucket',
        Condition: { StringEquals: { 's3:prefix': ['_clicklake/manifest.json', '_clicklake/failed-manifest.json'] } },
        Effect: 'Allow',
        Resource: lakeArn,
      },
    ]);
    plain.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { HealthCheckPath: '/healthz', TargetType: 'ip' });
    plain.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Conditions: [Match.objectLike({ Field: 'http-header', HttpHeaderConfig: Match.objectLike({ HttpHeaderName: 'x-clicklake-origin' }) })],
    });
    plain.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'fixed-response', FixedResponseConfig: Match.objectLike({ StatusCode: '403' }) })],
    });
    const server = resourcesOf(plain, 'AWS::CloudFront::Distribution').find(([, r]) => r.Properties.DistributionConfig.DefaultRootObject === undefined)!;
    const cfg = server[1].Properties.DistributionConfig;
    assert.equal(cfg.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.ok(cfg.Origins[0].OriginCustomHeaders.some((h: Json) => h.HeaderName === 'x-clicklake-origin'));
    // With a domain: HTTPS listener with the certificate, HTTP redirected, CloudFront -> ALB over HTTPS only.
    full.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: Match.anyValue() });
    full.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) })],
    });
    const fullServer = resourcesOf(full, 'AWS::CloudFront::Distribution').find(([, r]) => r.Properties.DistributionConfig.DefaultRootObject === undefined)!;
    assert.equal(fullServer[1].Properties.DistributionConfig.Origins[0].CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(fullServer[1].Properties.DistributionConfig.Aliases, ['dashboard.analytics.example.com']);
    full.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'collect.analytics.example.com.', Type: 'A' });
  });

  it('QuickSight on: Athena data source, data set and dashboard as code, and the service role policy', () => {
    plain.resourceCountIs('AWS::QuickSight::DataSource', 0);
    full.hasResourceProperties('AWS::QuickSight::DataSource', { Type: 'ATHENA', DataSourceParameters: { AthenaParameters: { WorkGroup: 'clicklake-full' } } });
    full.hasResourceProperties('AWS::QuickSight::DataSet', { ImportMode: 'DIRECT_QUERY' });
    full.hasResourceProperties('AWS::QuickSight::Dashboard', { Definition: Match.objectLike({ Sheets: [Match.objectLike({ SheetId: 'overview' })] }) });
    full.hasResourceProperties('AWS::IAM::Policy', {
      Roles: ['aws-quicksight-service-role-v0'],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['athena:StartQueryExecution']) })]) },
    });
  });

  it('least privilege: no wildcard action on a wildcard resource, and no "*" action at all', () => {
    for (const t of [plain, full]) {
      const all = statements(t);
      assert.ok(all.length > 10);
      for (const s of all) {
        const actions = list(s.Action).map(String);
        const resources = list(s.Resource);
        assert.ok(!actions.includes('*'), `"*" action: ${JSON.stringify(s)}`);
        if (resources.includes('*')) {
          assert.ok(actions.every((a) => !a.includes('*')), `wildcard action on "*": ${JSON.stringify(s)}`);
        }
      }
    }
    // The functions' own grants, exactly.
    const policyOf = (fnRoleMatch: RegExp) =>
      resourcesOf(plain, 'AWS::IAM::Policy').filter(([id]) => fnRoleMatch.test(id)).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    assert.deepEqual(policyOf(/^CollectServiceRole/).map((s: Json) => s.Action), [['dynamodb:BatchWriteItem', 'dynamodb:PutItem']]);
    assert.deepEqual(policyOf(/^ProcessServiceRole/).map((s: Json) => s.Action), [
      ['dynamodb:Query', 'dynamodb:BatchWriteItem'],
      ['s3:GetObject', 's3:PutObject'],
      's3:ListBucket',
    ]);
  });

  it('every log group has a retention and every function logs into one', () => {
    for (const t of [plain, full]) {
      for (const [id, g] of resourcesOf(t, 'AWS::Logs::LogGroup')) assert.equal(g.Properties.RetentionInDays, 30, id);
      for (const [id, f] of resourcesOf(t, 'AWS::Lambda::Function')) assert.ok(f.Properties.LoggingConfig?.LogGroup, `${id} log group`);
      t.resourceCountIs('Custom::LogRetention', 0);
    }
  });

  it('outputs: collector URL, dashboard URL and the tracker snippet', () => {
    const outputs = plain.toJSON().Outputs as Json;
    for (const name of ['CollectorUrl', 'DashboardUrl', 'TrackerSnippet', 'SiteUrl']) assert.ok(outputs[name], name);
    assert.match(JSON.stringify(outputs.TrackerSnippet.Value), /<script defer src=.*tracker\.js\\" data-site=\\"default\\" data-endpoint=/);
    const fullOut = full.toJSON().Outputs as Json;
    assert.equal(fullOut.CollectorUrl.Value, 'https://collect.analytics.example.com/collect');
    assert.equal(fullOut.DashboardUrl.Value, 'https://dashboard.analytics.example.com/');
    assert.match(JSON.stringify(fullOut.TrackerSnippet.Value), /data-site=\\"shop\\"/);
  });
});

describe('AWS deploy config', () => {
  it('fills defaults and rejects unknown keys and bad values with their path', () => {
    const c = parseAwsConfig({});
    assert.equal(c.sink, 'dynamodb');
    assert.equal(c.processing.scheduleMinutes, 5);
    assert.equal(c.quicksight.enabled, false);
    const problems = (input: unknown) => {
      try {
        parseAwsConfig(input);
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    assert.match(problems({ regoin: 'x' }), /regoin/);
    assert.match(problems({ region: 'mars-1' }), /region/);
    assert.match(problems({ processing: { sliceMinutes: 7 } }), /processing\.sliceMinutes: must divide 60/);
    assert.match(problems({ quicksight: { enabled: true } }), /quicksight\.principalArn/);
    assert.match(problems({ sink: 'kinesis' }), /sink: kinesis is not implemented/);
    assert.match(problems({ region: 'eu-west-1', domain: { name: 'a.example.com', hostedZoneId: 'Z123456', hostedZoneName: 'example.com' } }), /cloudFrontCertificateArn/);
    assert.match(problems({ clicklake: { collector: { maxBodyBytes: -1 } } }), /clicklake\.collector\.maxBodyBytes/);
  });
});
