/**
 * Monthly cost model of the default deployment (docs/aws.md, "Cost"), computed from published AWS on-demand prices
 * for us-east-1 (N. Virginia) as listed on the services' pricing pages on 2026-11-27. Free tiers are ignored. Run
 * `node dist/deploy/aws/bin/costs.js` to print the table in docs/aws.md.
 */
export const PRICES = {
  /** API Gateway HTTP API, first 300 million requests/month, per request (aws.amazon.com/api-gateway/pricing). */
  httpApiRequest: 1.0 / 1e6,
  /** Lambda, per request and per GB-second on x86 (aws.amazon.com/lambda/pricing). */
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000166667,
  /** DynamoDB on demand, per write / read request unit (aws.amazon.com/dynamodb/pricing/on-demand). */
  dynamoWru: 0.625 / 1e6,
  dynamoRru: 0.125 / 1e6,
  /** S3 Standard, per GB-month (first 50 TB) and per PUT (aws.amazon.com/s3/pricing). */
  s3GbMonth: 0.023,
  s3Put: 0.005 / 1000,
  /** Fargate Linux/x86, per vCPU-hour and per GB-hour (aws.amazon.com/fargate/pricing). */
  fargateVcpuHour: 0.04048,
  fargateGbHour: 0.004445,
  /** Application Load Balancer, per hour and per LCU-hour (aws.amazon.com/elasticloadbalancing/pricing). */
  albHour: 0.0225,
  albLcuHour: 0.008,
  /** Public IPv4 address, per hour (aws.amazon.com/vpc/pricing): 2 for the ALB, 1 per task. */
  publicIpv4Hour: 0.005,
  /** Secrets Manager, per secret-month (aws.amazon.com/secrets-manager/pricing). */
  secretMonth: 0.4,
  /** CloudWatch Logs ingestion, per GB (aws.amazon.com/cloudwatch/pricing). */
  logsGb: 0.5,
} as const;

/** Workload assumptions; docs/aws.md states them next to the table. */
export const ASSUMPTIONS = {
  /** Events per POST /collect (the tracker batches). */
  eventsPerRequest: 5,
  /** DynamoDB item size (row JSON + keys): 2 write units to put, 2 to delete. */
  writeUnitsPerEvent: 4,
  /** Strongly consistent reads of ~1.5 KB items: one read unit per 4 KB read. */
  readUnitsPerEvent: 1.5 / 4,
  /** collect: 512 MB for ~40 ms per request. */
  collectGbSeconds: 0.5 * 0.04,
  /** process: 2 GB, ~1 s per run when idle plus ~60 s per million events. */
  processIdleGbSecondsPerRun: 2,
  processGbSecondsPerEvent: (2 * 60) / 1e6,
  /** Parquet bytes per event (docs/benchmarks.md: <= 40 B/event for compacted files; slice files are smaller, so 80). */
  parquetBytesPerEvent: 80,
  /** API access log bytes per request. */
  accessLogBytes: 250,
  /** Server: 0.5 vCPU, 1 GB, one task; ALB at 1 LCU. */
  serverVcpu: 0.5,
  serverGb: 1,
  albLcu: 1,
  /** Lake data kept (months) for the storage line. */
  monthsKept: 12,
} as const;

const HOURS = 730;
const SECONDS_PER_MONTH = HOURS * 3600;

export interface CostRow {
  readonly eventsPerSecond: number;
  readonly eventsPerMonth: number;
  readonly fixed: number;
  readonly variable: number;
  readonly total: number;
  /** Total divided by millions of events (null at 0 events). */
  readonly perMillion: number | null;
}

export function fixedMonthly(): number {
  const p = PRICES, a = ASSUMPTIONS;
  const fargate = (a.serverVcpu * p.fargateVcpuHour + a.serverGb * p.fargateGbHour) * HOURS;
  const alb = (p.albHour + a.albLcu * p.albLcuHour) * HOURS;
  const ips = 3 * p.publicIpv4Hour * HOURS;
  const runs = (30.4 * 24 * 60) / 5;
  const processIdle = runs * (a.processIdleGbSecondsPerRun * p.lambdaGbSecond + p.lambdaRequest);
  const manifests = runs * p.s3Put;
  return fargate + alb + ips + p.secretMonth + processIdle + manifests;
}

/** Cost of one event, excluding fixed costs. */
export function perEvent(): number {
  const p = PRICES, a = ASSUMPTIONS;
  const perRequest = p.httpApiRequest + p.lambdaRequest + a.collectGbSeconds * p.lambdaGbSecond + (a.accessLogBytes / 1e9) * p.logsGb;
  const storage = (a.parquetBytesPerEvent / 1e9) * p.s3GbMonth * a.monthsKept;
  return perRequest / a.eventsPerRequest + a.writeUnitsPerEvent * p.dynamoWru + a.readUnitsPerEvent * p.dynamoRru
    + a.processGbSecondsPerEvent * p.lambdaGbSecond + storage;
}

export function costRow(eventsPerSecond: number): CostRow {
  const eventsPerMonth = eventsPerSecond * SECONDS_PER_MONTH;
  const fixed = fixedMonthly();
  const variable = eventsPerMonth * perEvent();
  const total = fixed + variable;
  return { eventsPerSecond, eventsPerMonth, fixed, variable, total, perMillion: eventsPerMonth === 0 ? null : total / (eventsPerMonth / 1e6) };
}

export function costTable(rates: readonly number[] = [0, 1, 10, 100, 1000]): string {
  const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;
  const lines = ['| events/s | events/month | fixed $/month | variable $/month | total $/month | $/million events |', '|---:|---:|---:|---:|---:|---:|'];
  for (const r of rates.map(costRow)) {
    lines.push(`| ${r.eventsPerSecond} | ${(r.eventsPerMonth / 1e6).toFixed(1)} M | ${usd(r.fixed)} | ${usd(r.variable)} | ${usd(r.total)} | ${r.perMillion === null ? '-' : usd(r.perMillion)} |`);
  }
  return lines.join('\n');
}
