import { CfnOutput, Duration, Fn, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { AwsConfig } from './config.js';
import type { LambdaAssets } from './bundle.js';
import { LakeQuery } from './query.js';
import { ClicklakeQuickSight } from './quicksight.js';
import { ClicklakeServer } from './server.js';
import { StaticSite } from './site.js';

/**
 * The whole AWS deployment in one stack (docs/aws.md has the diagram): static site (S3 + CloudFront), ingestion
 * (HTTP API -> collect -> DynamoDB), processing (EventBridge -> process -> Parquet on S3), query (Glue + Athena,
 * optional QuickSight), and the server (Fargate behind ALB + CloudFront). IAM is granted per function and task with
 * named actions on named resources.
 */
export interface ClicklakeStackProps extends StackProps {
  readonly config: AwsConfig;
  readonly lambdaAssets: LambdaAssets;
  /** Folder uploaded to the site bucket (demo app, tracker, dashboard assets). */
  readonly staticDir: string;
  /** The demo shop's index.html (uploaded with the tracker src and the collector URL filled in). */
  readonly demoHtml: string;
  /** Docker build context (repo root) with the Dockerfile. */
  readonly dockerContext: string;
}

const RETENTIONS = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number' && v > 0).sort((a, b) => a - b);

/** The smallest CloudWatch retention >= days (CloudWatch accepts only some values). */
export function retentionFor(days: number): logs.RetentionDays {
  return (RETENTIONS.find((r) => r >= days) ?? RETENTIONS[RETENTIONS.length - 1]!) as logs.RetentionDays;
}

export class ClicklakeStack extends Stack {
  constructor(scope: Construct, id: string, props: ClicklakeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const retention = retentionFor(config.logRetentionDays);
    const logGroup = (name: string) => new logs.LogGroup(this, name, { retention, removalPolicy: RemovalPolicy.DESTROY });
    const privateBucket = (name: string, extra: Partial<s3.BucketProps> = {}) =>
      new s3.Bucket(this, name, {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        ...extra,
      });

    // --- Storage ---------------------------------------------------------------------------------------------
    const lake = privateBucket('Lake', {
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        ...(config.retentionDays ? [{ id: 'event-retention', prefix: 'events/', expiration: Duration.days(config.retentionDays) }] : []),
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    const results = privateBucket('AthenaResults', {
      removalPolicy: RemovalPolicy.DESTROY,
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(30) }],
    });
    const table = new dynamodb.TableV2(this, 'Events', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: 'ttl',
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const sliceSeconds = config.processing.sliceMinutes * 60;

    // --- Ingestion: HTTP API -> collect -> DynamoDB ----------------------------------------------------------------
    const collect = new lambda.Function(this, 'Collect', {
      description: 'Clicklake collect: POST /collect -> DynamoDB',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      code: lambda.Code.fromAsset(props.lambdaAssets.collect),
      handler: 'index.handler',
      memorySize: config.collector.memoryMb,
      timeout: Duration.seconds(10),
      logGroup: logGroup('CollectLogs'),
      environment: {
        CLICKLAKE_TABLE: table.tableName,
        CLICKLAKE_SLICE_SECONDS: String(sliceSeconds),
        CLICKLAKE_SHARDS: String(config.processing.shards),
        CLICKLAKE_TTL_DAYS: String(config.ttlDays),
        CLICKLAKE_COLLECTOR_CONFIG: JSON.stringify(config.clicklake),
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    collect.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem'], resources: [table.tableArn] }));

    const apiLogs = logGroup('ApiAccessLogs');
    const api = new apigw.HttpApi(this, 'CollectorApi', {
      description: `Clicklake ${config.stage} collector`,
      corsPreflight: {
        allowOrigins: config.collector.corsOrigins,
        allowMethods: [apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.OPTIONS],
        allowHeaders: ['content-type', 'content-encoding'],
        exposeHeaders: ['retry-after'],
        maxAge: Duration.days(1),
      },
    });
    // The default stage ($default, auto-deployed), throttled and with access logs. (HttpApi.addStage with the name
    // $default collides with the API's logical id in aws-cdk-lib 2.276, so the default stage is configured in place.)
    const apiStage = api.defaultStage!;
    const cfnStage = apiStage.node.defaultChild as apigw.CfnStage;
    cfnStage.defaultRouteSettings = {
      throttlingRateLimit: config.collector.throttleRate,
      throttlingBurstLimit: config.collector.throttleBurst,
    };
    cfnStage.accessLogSettings = {
      destinationArn: apiLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId', ip: '$context.identity.sourceIp', time: '$context.requestTime',
        route: '$context.routeKey', status: '$context.status', latencyMs: '$context.responseLatency',
        error: '$context.integrationErrorMessage',
      }),
    };
    api.addRoutes({ path: '/collect', methods: [apigw.HttpMethod.POST], integration: new HttpLambdaIntegration('CollectIntegration', collect) });

    // --- Processing: EventBridge -> process -> Parquet on S3 -----------------------------------------------------
    const slicesPerDay = (24 * 60) / config.processing.sliceMinutes;
    const processFn = new lambda.Function(this, 'Process', {
      description: 'Clicklake process: closed DynamoDB slices -> ZSTD Parquet on S3',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64, // DuckDB's bundled native package is linux-x64
      code: lambda.Code.fromAsset(props.lambdaAssets.process),
      handler: 'index.handler',
      memorySize: config.processing.memoryMb,
      ephemeralStorageSize: Size.gibibytes(4),
      timeout: Duration.minutes(config.processing.timeoutMinutes),
      reservedConcurrentExecutions: 1, // one writer of the manifest at a time
      logGroup: logGroup('ProcessLogs'),
      environment: {
        CLICKLAKE_TABLE: table.tableName,
        CLICKLAKE_BUCKET: lake.bucketName,
        CLICKLAKE_SLICE_SECONDS: String(sliceSeconds),
        CLICKLAKE_SHARDS: String(config.processing.shards),
        CLICKLAKE_MARGIN_SECONDS: String(config.processing.marginSeconds),
        CLICKLAKE_MAX_SLICES: String(slicesPerDay),
        CLICKLAKE_LOOKBACK_SLICES: String(config.ttlDays * slicesPerDay),
        HOME: '/tmp',
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    processFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query', 'dynamodb:BatchWriteItem'], resources: [table.tableArn] }));
    processFn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [lake.arnForObjects('events/*'), lake.arnForObjects('_clicklake/*')],
      }),
    );
    // ListBucket makes a missing manifest a 404 (first run) rather than a 403.
    processFn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [lake.bucketArn] }));
    new events.Rule(this, 'ProcessSchedule', {
      description: 'Runs Clicklake process',
      schedule: events.Schedule.rate(Duration.minutes(config.processing.scheduleMinutes)),
      targets: [new targets.LambdaFunction(processFn, { retryAttempts: 2, maxEventAge: Duration.minutes(10) })],
    });

    // --- Query: Glue + Athena (+ QuickSight) ---------------------------------------------------------------------
    const query = new LakeQuery(this, 'Query', {
      stage: config.stage,
      lake,
      results,
      projectionDays: config.retentionDays ?? 3650,
    });
    if (config.quicksight.enabled) {
      new ClicklakeQuickSight(this, 'QuickSight', { stage: config.stage, principalArn: config.quicksight.principalArn!, query, lake, results });
    }

    // --- Certificates and names (custom domain only) ------------------------------------------------------------
    const domain = config.domain;
    const zone = domain
      ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: domain.hostedZoneId, zoneName: domain.hostedZoneName })
      : undefined;
    const names = domain
      ? { site: domain.name, dashboard: `dashboard.${domain.name}`, collect: `collect.${domain.name}`, origin: `origin.${domain.name}` }
      : undefined;
    let viewerCert: acm.ICertificate | undefined;
    let regionalCert: acm.ICertificate | undefined;
    if (domain && zone && names) {
      viewerCert = domain.cloudFrontCertificateArn
        ? acm.Certificate.fromCertificateArn(this, 'ViewerCert', domain.cloudFrontCertificateArn)
        : new acm.Certificate(this, 'ViewerCert', {
            domainName: names.site,
            subjectAlternativeNames: [names.dashboard],
            validation: acm.CertificateValidation.fromDns(zone),
          });
      regionalCert = new acm.Certificate(this, 'RegionalCert', {
        domainName: names.collect,
        subjectAlternativeNames: [names.origin],
        validation: acm.CertificateValidation.fromDns(zone),
      });
      const apiDomain = new apigw.DomainName(this, 'CollectDomain', { domainName: names.collect, certificate: regionalCert });
      new apigw.ApiMapping(this, 'CollectMapping', { api, domainName: apiDomain, stage: apiStage });
      new route53.ARecord(this, 'CollectAlias', {
        zone,
        recordName: names.collect,
        target: route53.RecordTarget.fromAlias(new route53Targets.ApiGatewayv2DomainProperties(apiDomain.regionalDomainName, apiDomain.regionalHostedZoneId)),
      });
    }

    // --- Static site and server ----------------------------------------------------------------------------------
    const site = new StaticSite(this, 'Site', {
      stage: config.stage,
      staticDir: props.staticDir,
      demoHtml: props.demoHtml,
      collectorUrl: names ? `https://${names.collect}/collect` : Fn.join('', [api.apiEndpoint, '/collect']),
      logRetention: retention,
      ...(viewerCert && names ? { tls: { certificate: viewerCert, domainName: names.site } } : {}),
    });
    const server = new ClicklakeServer(this, 'Server', {
      config,
      dockerContext: props.dockerContext,
      logRetention: retention,
      lake,
      ...(regionalCert && names ? { originTls: { certificate: regionalCert, hostName: names.origin } } : {}),
      ...(viewerCert && names ? { viewerTls: { certificate: viewerCert, domainName: names.dashboard } } : {}),
    });
    if (zone && names) {
      new route53.ARecord(this, 'SiteAlias', { zone, recordName: names.site, target: route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(site.distribution)) });
      new route53.ARecord(this, 'DashboardAlias', { zone, recordName: names.dashboard, target: route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(server.distribution)) });
      new route53.ARecord(this, 'OriginAlias', { zone, recordName: names.origin, target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(server.loadBalancer)) });
    }

    // --- Outputs -----------------------------------------------------------------------------------------------------
    const siteUrl = names ? `https://${names.site}` : Fn.join('', ['https://', site.distribution.distributionDomainName]);
    const collectorUrl = names ? `https://${names.collect}/collect` : Fn.join('', [api.apiEndpoint, '/collect']);
    const dashboardUrl = names ? `https://${names.dashboard}/` : Fn.join('', ['https://', server.distribution.distributionDomainName, '/']);
    const siteId = Object.keys((config.clicklake.sites ?? {}) as Record<string, unknown>)[0] ?? 'default';
    new CfnOutput(this, 'CollectorUrl', { value: collectorUrl, description: 'POST events here (native protocol)' });
    new CfnOutput(this, 'DashboardUrl', { value: dashboardUrl, description: 'Clicklake dashboards and query API' });
    new CfnOutput(this, 'SiteUrl', { value: siteUrl, description: 'Static front end (demo app, tracker, assets)' });
    new CfnOutput(this, 'TrackerSnippet', {
      value: Fn.join('', ['<script defer src="', siteUrl, '/tracker.js" data-site="', siteId, '" data-endpoint="', collectorUrl, '"></script>']),
      description: 'Paste into the <head> of every page to track',
    });
    new CfnOutput(this, 'AdminTokenSecret', { value: server.adminTokenSecretName, description: 'Secrets Manager secret holding the /api admin token' });
    new CfnOutput(this, 'LakeBucket', { value: lake.bucketName });
    new CfnOutput(this, 'AthenaWorkGroup', { value: query.workGroup.name });
    new CfnOutput(this, 'GlueDatabase', { value: query.databaseName });
  }
}
