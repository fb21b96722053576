import { Aws, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAKE_COLUMNS, type LakeColumn } from '../../../src/core/schema.js';

/**
 * Query over the lake without a crawler: a Glue table whose partitions come from partition projection (dt as a date,
 * hour as a two-digit integer), an Athena workgroup writing its results to its own bucket, and the named queries of
 * the dashboard tiles. Columns come from the lake schema (src/core/schema.ts), so the table matches every file.
 */
export const GLUE_TYPES: Record<LakeColumn['type'], string> = {
  VARCHAR: 'string',
  TIMESTAMPTZ: 'timestamp',
  BIGINT: 'bigint',
  INTEGER: 'int',
  BOOLEAN: 'boolean',
};

/** The dashboard tiles as Athena SQL over the last 7 days (partition-pruned through dt). */
export const DASHBOARD_QUERIES: readonly { name: string; description: string; sql: string }[] = [
  {
    name: 'overview',
    description: 'Page views, visitors and sessions per day',
    sql: `SELECT dt, count_if(event_type = 'page_view') AS page_views, count(DISTINCT anonymous_id) AS visitors,
  count(DISTINCT session_id) AS sessions
FROM events WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d') GROUP BY dt ORDER BY dt`,
  },
  {
    name: 'top-pages',
    description: 'Most viewed pages',
    sql: `SELECT page_path, count(*) AS page_views, count(DISTINCT anonymous_id) AS visitors
FROM events WHERE event_type = 'page_view' AND dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY page_path ORDER BY page_views DESC LIMIT 50`,
  },
  {
    name: 'sources',
    description: 'Visitors by channel and referrer host',
    sql: `SELECT coalesce(channel, 'direct') AS channel, referrer_host, count(DISTINCT anonymous_id) AS visitors
FROM events WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY 1, 2 ORDER BY visitors DESC LIMIT 50`,
  },
  {
    name: 'devices',
    description: 'Visitors by device type, browser and OS',
    sql: `SELECT device_type, browser, os, count(DISTINCT anonymous_id) AS visitors
FROM events WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY 1, 2, 3 ORDER BY visitors DESC LIMIT 50`,
  },
  {
    name: 'countries',
    description: 'Visitors by country',
    sql: `SELECT country, count(DISTINCT anonymous_id) AS visitors
FROM events WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY 1 ORDER BY visitors DESC LIMIT 50`,
  },
  {
    name: 'top-clicks',
    description: 'Most clicked elements',
    sql: `SELECT page_path, element_selector, element_text, count(*) AS clicks
FROM events WHERE event_type = 'click' AND dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY 1, 2, 3 ORDER BY clicks DESC LIMIT 50`,
  },
  {
    name: 'events',
    description: 'Events by type and name',
    sql: `SELECT event_type, event_name, count(*) AS events
FROM events WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
GROUP BY 1, 2 ORDER BY events DESC`,
  },
];

export interface LakeQueryProps {
  readonly stage: string;
  readonly lake: s3.IBucket;
  readonly results: s3.IBucket;
  /** Oldest day the projection enumerates (days back from today). */
  readonly projectionDays: number;
}

export class LakeQuery extends Construct {
  readonly databaseName: string;
  readonly tableName = 'events';
  readonly workGroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: LakeQueryProps) {
    super(scope, id);
    this.databaseName = `clicklake_${props.stage.replaceAll('-', '_')}`;
    const db = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.databaseName, description: 'Clicklake event lake' },
    });
    const location = `s3://${props.lake.bucketName}/events/`;
    const table = new glue.CfnTable(this, 'EventsTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.databaseName,
      tableInput: {
        name: this.tableName,
        tableType: 'EXTERNAL_TABLE',
        description: 'Clicklake events (ZSTD Parquet, Hive partitions dt=/hour=, schema in docs/lake-schema.md)',
        parameters: {
          classification: 'parquet',
          EXTERNAL: 'TRUE',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `NOW-${props.projectionDays}DAYS,NOW+1DAYS`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'projection.hour.type': 'integer',
          'projection.hour.range': '0,23',
          'projection.hour.digits': '2',
          'storage.location.template': `${location}dt=\${dt}/hour=\${hour}/`,
        },
        partitionKeys: [
          { name: 'dt', type: 'string' },
          { name: 'hour', type: 'string' },
        ],
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          columns: LAKE_COLUMNS.map((c) => ({ name: c.name, type: GLUE_TYPES[c.type], comment: c.doc.slice(0, 255) })),
        },
      },
    });
    table.addResourceDependency(db);

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: `clicklake-${props.stage}`,
      description: 'Clicklake dashboards and ad-hoc queries',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: 10 * 1024 ** 3, // 10 GiB
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${props.results.bucketName}/athena/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
    for (const q of DASHBOARD_QUERIES) {
      const named = new athena.CfnNamedQuery(this, `Query-${q.name}`, {
        name: `clicklake-${q.name}`,
        description: q.description,
        database: this.databaseName,
        workGroup: this.workGroup.name,
        queryString: q.sql,
      });
      named.addResourceDependency(this.workGroup);
    }
  }

  /** ARNs of the Glue catalog, database and table (for IAM). */
  glueArns(): string[] {
    const stack = Stack.of(this);
    const arn = (resource: string) => stack.formatArn({ service: 'glue', resource, resourceName: undefined });
    return [
      arn('catalog'),
      stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
      stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${this.tableName}` }),
    ];
  }

  workGroupArn(): string {
    return Stack.of(this).formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroup.name });
  }
}
