import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { MANIFEST_KEY } from '../../../src/core/lake.js';
import { FAILED_MANIFEST_KEY } from '../../../src/core/tables.js';
import type { AwsConfig } from './config.js';

/**
 * The Clicklake server image on ECS Fargate behind an Application Load Balancer, with CloudFront in front so that
 * viewers always get HTTPS, with or without a custom domain:
 * - without a domain: CloudFront (its *.cloudfront.net certificate) -> ALB over HTTP on port 80. The ALB forwards only
 *   requests carrying the secret origin header CloudFront adds; anything else gets 403.
 * - with a domain: the ALB also has an HTTPS listener (ACM certificate for origin.<domain>), port 80 redirects to 443,
 *   and CloudFront talks to it over HTTPS only.
 * Viewers' HTTP is redirected to HTTPS by CloudFront. The target group's health check is GET /healthz.
 *
 * What the server does here: `clicklake start` as a read-only lake follower (lake.store "s3", docs/aws.md): it
 * serves the dashboards and the query API over the S3 lake the `process` Lambda writes, copying the Parquet files the
 * manifest names into its data dir on the task's ephemeral storage. It does not collect (the HTTP API does). Its task
 * role may only read that lake: s3:GetObject on events/* and _clicklake/*, s3:ListBucket for the manifests' keys.
 */
export interface ServerProps {
  readonly config: AwsConfig;
  /** Docker build context (the repo root) holding the Dockerfile; only referenced at synth, built at deploy. */
  readonly dockerContext: string;
  readonly logRetention: logs.RetentionDays;
  /** The lake bucket the server follows (read-only). */
  readonly lake: s3.IBucket;
  /** Regional certificate and host name for the ALB's HTTPS listener (custom domain only). */
  readonly originTls?: { readonly certificate: acm.ICertificate; readonly hostName: string };
  /** us-east-1 certificate and name of the dashboard for CloudFront (custom domain only). */
  readonly viewerTls?: { readonly certificate: acm.ICertificate; readonly domainName: string };
}

/** Files the image never needs (the Docker build context is staged into the cloud assembly at synth). */
export const DOCKER_EXCLUDE = [
  '.git', 'node_modules', 'dist', 'dist-*', 'clicklake-data', '.tmp', 'bench/results', 'deploy/aws/cdk.out', 'deploy/aws/.build',
  '**/cdk.out', 'test-output', '*.log',
];

/** How often the server re-reads the lake's manifest (`process` commits every processing.scheduleMinutes). */
export const SYNC_INTERVAL_MS = 60_000;

export class ClicklakeServer extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly adminTokenSecretName: string;

  constructor(scope: Construct, id: string, props: ServerProps) {
    super(scope, id);
    const { config } = props;
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.DISABLED });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const task = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: config.server.cpu,
      memoryLimitMiB: config.server.memoryMiB,
      runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
    });
    // The admin token of the query API: generated once, kept in Secrets Manager, injected at task start.
    const adminToken = new secretsmanager.Secret(this, 'AdminToken', {
      description: `Clicklake ${config.stage} admin token (Bearer token of /api)`,
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    });
    task.addContainer('clicklake', {
      secrets: { CLICKLAKE_ADMIN_TOKEN: ecs.Secret.fromSecretsManager(adminToken) },
      image: ecs.ContainerImage.fromAsset(props.dockerContext, {
        file: 'Dockerfile',
        platform: Platform.LINUX_AMD64,
        exclude: DOCKER_EXCLUDE,
      }),
      portMappings: [{ containerPort: 8080 }],
      environment: {
        CLICKLAKE_HOST: '0.0.0.0',
        CLICKLAKE_PORT: '8080',
        CLICKLAKE_DATA_DIR: '/data',
        // A read-only follower of the lake (src/store/follower): no collector, the manifest re-read every minute.
        CLICKLAKE_LAKE_STORE: 's3',
        CLICKLAKE_LAKE_S3_BUCKET: props.lake.bucketName,
        CLICKLAKE_LAKE_S3_REGION: Stack.of(this).region,
        CLICKLAKE_LAKE_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
      },
      logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'server', logGroup }),
    });
    this.adminTokenSecretName = adminToken.secretName;
    // Read-only access to the lake, nothing else of the bucket: the objects under events/ and _clicklake/, and a LIST
    // of exactly the manifests' keys (the follower asks whether a manifest exists before reading it).
    task.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [props.lake.arnForObjects('events/*'), props.lake.arnForObjects('_clicklake/*')],
      }),
    );
    task.addToTaskRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.lake.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [MANIFEST_KEY, FAILED_MANIFEST_KEY] } },
      }),
    );
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', { vpc, description: 'Clicklake ALB', allowAllOutbound: false });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (CloudFront; redirect or 403 otherwise)');
    if (props.originTls) albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from CloudFront');
    const serviceSg = new ec2.SecurityGroup(this, 'ServiceSg', { vpc, description: 'Clicklake tasks', allowAllOutbound: true });
    serviceSg.addIngressRule(albSg, ec2.Port.tcp(8080), 'from the ALB only');
    albSg.addEgressRule(serviceSg, ec2.Port.tcp(8080), 'to the tasks');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster,
      taskDefinition: task,
      desiredCount: config.server.desiredCount,
      assignPublicIp: true, // public subnets, no NAT: the task pulls its image from ECR directly
      securityGroups: [serviceSg],
      circuitBreaker: { rollback: true },
      minHealthyPercent: 100,
    });
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', { vpc, internetFacing: true, securityGroup: albSg });
    const target = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc,
      port: 8080,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      healthCheck: { path: '/healthz', healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });

    // The secret CloudFront adds: the stack id's UUID, known only inside the account.
    const originSecret = Fn.select(2, Fn.split('/', Stack.of(this).stackId));
    const forwardWithSecret = (listener: elbv2.ApplicationListener) =>
      listener.addAction('FromCloudFront', {
        priority: 10,
        conditions: [elbv2.ListenerCondition.httpHeader('x-clicklake-origin', [originSecret])],
        action: elbv2.ListenerAction.forward([target]),
      });
    const denied = elbv2.ListenerAction.fixedResponse(403, { contentType: 'text/plain', messageBody: 'forbidden' });
    if (props.originTls) {
      const https = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [props.originTls.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultAction: denied,
        open: false,
      });
      forwardWithSecret(https);
      this.loadBalancer.addListener('Http', {
        port: 80,
        open: false,
        defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }),
      });
    } else {
      const http = this.loadBalancer.addListener('Http', { port: 80, open: false, defaultAction: denied });
      forwardWithSecret(http);
    }

    const origin = props.originTls
      ? new origins.HttpOrigin(props.originTls.hostName, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          customHeaders: { 'x-clicklake-origin': originSecret },
        })
      : new origins.LoadBalancerV2Origin(this.loadBalancer, {
          protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
          customHeaders: { 'x-clicklake-origin': originSecret },
        });
    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `Clicklake ${config.stage} dashboard and query API`,
      defaultBehavior: {
        origin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(props.viewerTls ? { certificate: props.viewerTls.certificate, domainNames: [props.viewerTls.domainName] } : {}),
    });
  }
}
