import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as quicksight from 'aws-cdk-lib/aws-quicksight';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LAKE_COLUMNS } from '../../../src/core/schema.js';
import type { LakeQuery } from './query.js';

/**
 * QuickSight as code (config quicksight.enabled): an Athena data source on the stack's workgroup, a direct-query data
 * set over the Glue table, and a dashboard (page views KPI, events per day, top pages, channels), all shared with
 * `principalArn`. QuickSight itself (the account subscription) must exist; its service role
 * `aws-quicksight-service-role-v0` gets an inline policy with exactly the Athena, Glue and S3 access it needs.
 */
export interface QuickSightProps {
  readonly stage: string;
  readonly principalArn: string;
  readonly query: LakeQuery;
  readonly lake: s3.IBucket;
  readonly results: s3.IBucket;
}

const QS_TYPES = { VARCHAR: 'STRING', TIMESTAMPTZ: 'DATETIME', BIGINT: 'INTEGER', INTEGER: 'INTEGER', BOOLEAN: 'BOOLEAN' } as const;
const VIEW = ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'];

export class ClicklakeQuickSight extends Construct {
  readonly dashboard: quicksight.CfnDashboard;

  constructor(scope: Construct, id: string, props: QuickSightProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    const prefix = `clicklake-${props.stage}`;

    const role = iam.Role.fromRoleName(this, 'ServiceRole', 'aws-quicksight-service-role-v0');
    role.attachInlinePolicy(
      new iam.Policy(this, 'QuickSightAccess', {
        statements: [
          new iam.PolicyStatement({
            actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution', 'athena:GetWorkGroup'],
            resources: [props.query.workGroupArn()],
          }),
          new iam.PolicyStatement({
            actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
            resources: props.query.glueArns(),
          }),
          new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.lake.arnForObjects('events/*')] }),
          new iam.PolicyStatement({
            actions: ['s3:ListBucket', 's3:GetBucketLocation'],
            resources: [props.lake.bucketArn, props.results.bucketArn],
          }),
          new iam.PolicyStatement({
            actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
            resources: [props.results.arnForObjects('*')],
          }),
        ],
      }),
    );

    const source = new quicksight.CfnDataSource(this, 'DataSource', {
      awsAccountId: account,
      dataSourceId: `${prefix}-athena`,
      name: `Clicklake ${props.stage} (Athena)`,
      type: 'ATHENA',
      dataSourceParameters: { athenaParameters: { workGroup: props.query.workGroup.name } },
      permissions: [
        {
          principal: props.principalArn,
          actions: ['quicksight:DescribeDataSource', 'quicksight:DescribeDataSourcePermissions', 'quicksight:PassDataSource', 'quicksight:UpdateDataSource', 'quicksight:DeleteDataSource', 'quicksight:UpdateDataSourcePermissions'],
        },
      ],
    });

    const dataSet = new quicksight.CfnDataSet(this, 'DataSet', {
      awsAccountId: account,
      dataSetId: `${prefix}-events`,
      name: `Clicklake ${props.stage} events`,
      importMode: 'DIRECT_QUERY',
      physicalTableMap: {
        events: {
          relationalTable: {
            dataSourceArn: source.attrArn,
            catalog: 'AwsDataCatalog',
            schema: props.query.databaseName,
            name: props.query.tableName,
            inputColumns: [
              ...LAKE_COLUMNS.map((c) => ({ name: c.name, type: QS_TYPES[c.type] })),
              { name: 'dt', type: 'STRING' },
              { name: 'hour', type: 'STRING' },
            ],
          },
        },
      },
      permissions: [
        {
          principal: props.principalArn,
          actions: ['quicksight:DescribeDataSet', 'quicksight:DescribeDataSetPermissions', 'quicksight:PassDataSet', 'quicksight:DescribeIngestion', 'quicksight:ListIngestions', 'quicksight:UpdateDataSet', 'quicksight:DeleteDataSet', 'quicksight:CreateIngestion', 'quicksight:CancelIngestion', 'quicksight:UpdateDataSetPermissions'],
        },
      ],
    });

    const ds = 'events';
    const col = (name: string) => ({ dataSetIdentifier: ds, columnName: name });
    const countOf = (fieldId: string, name: string) => ({
      categoricalMeasureField: { fieldId, column: col(name), aggregationFunction: 'COUNT' },
    });
    const dim = (fieldId: string, name: string) => ({ categoricalDimensionField: { fieldId, column: col(name) } });
    const bar = (visualId: string, title: string, by: string) => ({
      barChartVisual: {
        visualId,
        title: { visibility: 'VISIBLE', formatText: { plainText: title } },
        chartConfiguration: {
          fieldWells: { barChartAggregatedFieldWells: { category: [dim(`${visualId}-by`, by)], values: [countOf(`${visualId}-n`, 'event_id')] } },
          sortConfiguration: { categorySort: [{ fieldSort: { fieldId: `${visualId}-n`, direction: 'DESC' } }] },
          orientation: 'HORIZONTAL',
        },
      },
    });
    this.dashboard = new quicksight.CfnDashboard(this, 'Dashboard', {
      awsAccountId: account,
      dashboardId: `${prefix}-dashboard`,
      name: `Clicklake ${props.stage}`,
      definition: {
        dataSetIdentifierDeclarations: [{ identifier: ds, dataSetArn: dataSet.attrArn }],
        sheets: [
          {
            sheetId: 'overview',
            name: 'Overview',
            visuals: [
              {
                kpiVisual: {
                  visualId: 'events-kpi',
                  title: { visibility: 'VISIBLE', formatText: { plainText: 'Events' } },
                  chartConfiguration: { fieldWells: { values: [countOf('events-kpi-n', 'event_id')] } },
                },
              },
              {
                lineChartVisual: {
                  visualId: 'events-per-day',
                  title: { visibility: 'VISIBLE', formatText: { plainText: 'Events per day' } },
                  chartConfiguration: {
                    fieldWells: {
                      lineChartAggregatedFieldWells: {
                        category: [{ dateDimensionField: { fieldId: 'day', column: col('ts'), dateGranularity: 'DAY' } }],
                        values: [countOf('events-per-day-n', 'event_id')],
                      },
                    },
                  },
                },
              },
              bar('top-pages', 'Top pages', 'page_path'),
              bar('channels', 'Channels', 'channel'),
              bar('event-types', 'Event types', 'event_type'),
            ],
          },
        ],
      },
      permissions: [{ principal: props.principalArn, actions: [...VIEW, 'quicksight:UpdateDashboard', 'quicksight:DeleteDashboard', 'quicksight:UpdateDashboardPermissions', 'quicksight:DescribeDashboardPermissions', 'quicksight:UpdateDashboardPublishedVersion'] }],
    });
  }
}
