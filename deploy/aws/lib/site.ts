import { Fn, RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/**
 * The static front end: the demo web app, the tracker and the dashboard assets in a private S3 bucket, served by
 * CloudFront through origin access control (the bucket policy lets only this distribution read), HTTPS only
 * (HTTP redirected), TLS 1.2+. Cache headers set on upload: HTML and the unversioned tracker.js revalidate after
 * 5 minutes; content-hashed files (tracker.<hash>.js) and other assets are cached for a year / a day.
 */
export interface StaticSiteProps {
  readonly stage: string;
  readonly staticDir: string;
  /** The demo's index.html with {{TRACKER_SRC}}; uploaded with the tracker and collector URL filled in at deploy. */
  readonly demoHtml: string;
  readonly collectorUrl: string;
  readonly logRetention: logs.RetentionDays;
  readonly tls?: { readonly certificate: acm.ICertificate; readonly domainName: string };
}

export const CACHE_SHORT = 'public, max-age=300, stale-while-revalidate=60';
export const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';
export const CACHE_ASSETS = 'public, max-age=86400';

export class StaticSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // The demo shop is a single-page app: /demo and /demo/<route> (no file extension) serve /demo/index.html.
    const spaRewrite = new cloudfront.Function(this, 'DemoRewrite', {
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        "function handler(event) { var r = event.request; var u = r.uri; " +
          "if (u === '/demo' || (u.indexOf('/demo/') === 0 && u.slice(u.lastIndexOf('/')).indexOf('.') < 0)) r.uri = '/demo/index.html'; " +
          'return r; }',
      ),
    });
    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: `Clicklake ${props.stage} static site`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
        functionAssociations: [{ function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      ...(props.tls ? { certificate: props.tls.certificate, domainNames: [props.tls.domainName] } : {}),
    });
    const logGroup = new logs.LogGroup(this, 'DeployLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    const [before, after] = props.demoHtml.split('{{TRACKER_SRC}}');
    if (after === undefined) throw new Error('demo index.html has no {{TRACKER_SRC}} placeholder');
    // Deploy-time substitution: the collector URL is a token until the API exists.
    const demoHtml = s3deploy.Source.data('demo/index.html', Fn.join('', [before!, '/tracker.js" data-endpoint="', props.collectorUrl, after]));
    const upload = (name: string, include: string[], exclude: string[], cacheControl: string, extra: s3deploy.ISource[] = []) =>
      new s3deploy.BucketDeployment(this, name, {
        sources: [s3deploy.Source.asset(props.staticDir), ...extra],
        destinationBucket: this.bucket,
        include,
        exclude,
        prune: false, // the uploads share the bucket: none may delete the others' files
        cacheControl: [s3deploy.CacheControl.fromString(cacheControl)],
        distribution: this.distribution,
        distributionPaths: ['/*'],
        logGroup,
        memoryLimit: 512,
      });
    const short = upload('UploadShortLived', ['*.html', 'tracker.js'], ['*'], CACHE_SHORT, [demoHtml]);
    const hashed = upload('UploadHashed', ['tracker.*.js'], ['*'], CACHE_IMMUTABLE);
    const assets = upload('UploadAssets', [], ['*.html', 'tracker.js', 'tracker.*.js'], CACHE_ASSETS);
    hashed.node.addDependency(short);
    assets.node.addDependency(hashed);
  }
}
