/**
 * The taxi pipeline on AWS, the same parts the example runs locally: stream → Firehose + the taxi transform →
 * Parquet/Glue; stream → Flink SQL taxi analytics → OpenSearch; stream → raw-trip indexer → OpenSearch; one alarm
 * topic, a dashboard and a budget.
 */
import { fileURLToPath } from 'node:url';
import {
  FlinkSqlApplication,
  IngestStream,
  ParquetDelivery,
  PipelineMonitoring,
  RawTripIndexer,
  SearchDomain,
} from '@pipeline/cdk-constructs';
import { secretRef } from '@pipeline/flink-sql';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as glue from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import { DASHBOARD_INDICES } from '../src/dashboard/panels.js';
import { enrichedTripSchema } from '../src/schema.js';
import { analyticsFixedParameters, analyticsSql } from './analytics-sql.js';

/** Index of the raw trips (indexer Lambda): the one the dashboard's percentile panel reads. */
export const RAW_TRIPS_INDEX = DASHBOARD_INDICES.rawTrips;

export const TRANSFORM_ENTRY = fileURLToPath(new URL('../src/transform.ts', import.meta.url));
export const INDEXER_ENTRY = fileURLToPath(new URL('./lambda/indexer.ts', import.meta.url));

export interface TaxiPipelineStackProps extends StackProps {
  /** The runner jar with the analytics SQL inside (`applicationJar()`). */
  readonly applicationJar: string;
  /** Start the Flink application on the first deploy. Default false (see the README for the command). */
  readonly startFlink?: boolean;
  /** E-mail for the alarm topic. Default none. */
  readonly alarmEmail?: string;
  /** Monthly budget, USD. Default 50. */
  readonly monthlyBudgetUsd?: number;
}

export class TaxiPipelineStack extends Stack {
  readonly ingest: IngestStream;
  readonly delivery: ParquetDelivery;
  readonly search: SearchDomain;
  readonly analytics: FlinkSqlApplication;
  readonly indexer: RawTripIndexer;
  readonly monitoring: PipelineMonitoring;

  constructor(scope: Construct, id: string, props: TaxiPipelineStackProps) {
    super(scope, id, props);
    this.ingest = new IngestStream(this, 'Trips', { streamProps: { removalPolicy: RemovalPolicy.DESTROY } });
    const stream = this.ingest.stream;

    const twoDigits = (min: number, max: number) =>
      glue.PartitionProjectionConfiguration.integer({ min, max, digits: 2 });
    this.delivery = new ParquetDelivery(this, 'TripsToParquet', {
      stream,
      schema: enrichedTripSchema,
      tableName: 'nyctaxitrips',
      transformFunctionProps: { entry: TRANSFORM_ENTRY, memorySize: 512 },
      partitionKeys: [
        {
          name: 'year',
          projection: glue.PartitionProjectionConfiguration.integer({ min: 2009, max: 2035, digits: 4 }),
        },
        { name: 'month', projection: twoDigits(1, 12) },
        { name: 'day', projection: twoDigits(1, 31) },
        { name: 'hour', projection: twoDigits(0, 23) },
      ],
      // The local run's prefixes (scripts/run.ts), checked with the same rules.
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      bufferingInterval: Duration.seconds(60),
    });

    this.search = new SearchDomain(this, 'Search', {
      // Flink's OpenSearch SQL connector authenticates with basic auth only (no SigV4).
      allowUnsignedBasicAuth: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const secret = this.search.masterUserSecret;

    this.analytics = new FlinkSqlApplication(this, 'TaxiAnalytics', {
      applicationJar: props.applicationJar,
      sql: analyticsSql,
      parameters: {
        kinesisStream: stream.streamName,
        awsRegion: Aws.REGION,
        opensearchHosts: `${this.search.url}:443`,
        ...analyticsFixedParameters(),
        opensearchUsername: secretRef(secret.secretArn, 'username'),
        opensearchPassword: secretRef(secret.secretArn, 'password'),
      },
      secrets: [secret],
      sourceStreams: [stream],
      startOnDeploy: props.startFlink ?? false,
    });

    this.indexer = new RawTripIndexer(this, 'RawTrips', {
      stream,
      functionProps: {
        entry: INDEXER_ENTRY,
        memorySize: 512,
        // Bundle the SDK client too: the asset then runs anywhere (the offline cross-check runs it from cdk.out).
        externalModules: [],
        environment: {
          OPENSEARCH_URL: this.search.url,
          OPENSEARCH_INDEX: RAW_TRIPS_INDEX,
          OPENSEARCH_SECRET_ARN: secret.secretArn,
        },
      },
    });
    this.search.grantReadMasterUser(this.indexer.function);

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      alarms: [
        ...this.ingest.alarms,
        ...this.delivery.alarms,
        ...this.analytics.alarms,
        ...this.search.alarms,
        ...this.indexer.alarms,
      ],
      widgets: [
        new cloudwatch.GraphWidget({
          title: 'Trips in, delivered, indexed',
          width: 24,
          left: [
            this.ingest.metricIncomingRecords({ statistic: 'Sum' }),
            this.delivery.metricIncomingRecords(),
            this.search.metricSearchableDocuments(),
          ],
        }),
      ],
      ...(props.alarmEmail ? { emails: [props.alarmEmail] } : {}),
      monthlyBudgetUsd: props.monthlyBudgetUsd ?? 50,
    });

    const output = (name: string, value: string, description: string) =>
      new CfnOutput(this, name, { value, description });
    output('StreamName', stream.streamName, 'Kinesis stream the producer writes to');
    output('BucketName', this.delivery.bucket.bucketName, 'Parquet trips under nyctaxitrips/');
    output('GlueTable', `${this.delivery.database.databaseName}.${this.delivery.table.tableName}`, 'Athena table');
    output('OpenSearchUrl', this.search.url, 'OpenSearch domain endpoint (Dashboards at /_dashboards)');
    output('OpenSearchSecretArn', secret.secretArn, 'Master user (username, password) of the domain');
    output('FlinkApplicationName', this.analytics.applicationName, 'Managed Flink application');
    output('FlinkStartCommand', this.analytics.startCommand, 'Starts the Flink application');
    output('AlarmTopicArn', this.monitoring.topic.topicArn, 'Every alarm of the pipeline');
  }
}
