/**
 * Firehose from the ingest stream through a transform Lambda into Parquet (Snappy, set explicitly) on a secure
 * bucket, described by a Glue table built from the `@pipeline/schema` schema, partitioned by the Lambda's partition
 * keys with partition projection. The prefixes are checked at synth time with the local Firehose's rules.
 */
import type { Fields, Schema } from '@pipeline/schema';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createAlarm } from './alarm.js';
import { s3DestinationConfiguration } from './delivery-config.js';
import { deliveryRole } from './delivery-policy.js';
import { type PartitionKey, parquetTable } from './glue-table.js';
import { acknowledge } from './nag.js';
import { SecureBucket, type SecureBucketProps } from './secure-bucket.js';
import { type TransformFunctionProps, transformFunction } from './transform-function.js';
import { asInterface } from './types.js';
import {
  ConfigurationError,
  checkFirehosePrefixes,
  checkInteger,
  checkRange,
  existingOrProps,
  lambdaPartitionKeys,
} from './validation.js';

export type { PartitionKey } from './glue-table.js';

/** Parquet writer settings (Firehose `ParquetSerDe`). */
export interface ParquetOptions {
  /** Default `SNAPPY` (written explicitly: the service default is not in the template otherwise). */
  readonly compression?: 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';
  /** Row-group size, bytes, at least 64 MiB. Default 256 MiB. */
  readonly blockSizeBytes?: number;
  /** Page size, bytes, at least 64 KiB. Default 1 MiB. */
  readonly pageSizeBytes?: number;
  /** Default `V1`. */
  readonly writerVersion?: 'V1' | 'V2';
  /** Default false. */
  readonly enableDictionaryCompression?: boolean;
}

export interface ParquetDeliveryProps<F extends Fields = Fields> {
  /** The source stream (`IngestStream.stream`). */
  readonly stream: kinesis.IStream;
  /** Schema of the records the transform outputs: the Glue table's columns. */
  readonly schema: Schema<F>;
  /** Glue table name, also the first segment of the default prefix. Default: the schema name, lower-cased. */
  readonly tableName?: string;
  /** Glue database to put the table in. Default: a new database. */
  readonly existingDatabase?: glue.IDatabase;
  /** Name of the new database. Not with `existingDatabase`. Default: generated. */
  readonly databaseName?: string;
  /** Bucket to deliver to. Default: a new `SecureBucket`. */
  readonly existingBucket?: s3.IBucket;
  /** Options of the new bucket. Not with `existingBucket`. */
  readonly bucketProps?: SecureBucketProps;
  /** The transformation Lambda to use (any `IFunction`). */
  readonly existingTransformFunction?: lambda.IFunction;
  /** A new transformation Lambda (`NodejsFunction`, Node 22, bundled with the local esbuild). Not with the above. */
  readonly transformFunctionProps?: TransformFunctionProps;
  /** Firehose's Lambda processor: records buffered per invocation, MiB (0.2–3). Default 3. */
  readonly transformBufferSizeMiB?: number;
  /** Firehose's Lambda processor: buffer interval (60–900 s). Default 60 s. */
  readonly transformBufferInterval?: Duration;
  /** Firehose's Lambda processor: retries (0–300). Default 3. */
  readonly transformRetries?: number;
  /** Partition keys the transform returns (`metadata.partitionKeys`), in prefix order. Default: none. */
  readonly partitionKeys?: readonly PartitionKey[];
  /**
   * S3 prefix. Default `<tableName>/` followed by `<key>=!{partitionKeyFromLambda:<key>}/` for each partition key,
   * or `<tableName>/!{timestamp:yyyy/MM/dd/HH}/` without partition keys.
   */
  readonly prefix?: string;
  /** Error-output prefix. Default `errors/<tableName>/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`. */
  readonly errorOutputPrefix?: string;
  /** Buffering interval, 0–900 s. Default 300 s. */
  readonly bufferingInterval?: Duration;
  /** Buffering size, MiB: 64–128 (format conversion needs at least 64). Default 128. */
  readonly bufferingSizeMiB?: number;
  /** Parquet settings. Default Snappy, 256 MiB blocks, 1 MiB pages, V1. */
  readonly parquet?: ParquetOptions;
  /** Physical name of the delivery stream. Default: generated. */
  readonly deliveryStreamName?: string;
  /** Data-freshness alarm threshold. Default 2 × `bufferingInterval` + 5 minutes. */
  readonly dataFreshnessAlarmThreshold?: Duration;
  /** Retention of the delivery's error log. Default one month. */
  readonly logRetention?: logs.RetentionDays;
}

/** Kinesis → Firehose (+ transform Lambda) → Parquet in S3, with its Glue table and alarms. */
export class ParquetDelivery<F extends Fields = Fields> extends Construct {
  readonly deliveryStream: firehose.CfnDeliveryStream;
  readonly deliveryStreamName: string;
  readonly bucket: s3.IBucket;
  readonly database: glue.IDatabase;
  readonly table: glue.S3Table;
  readonly transformFunction: lambda.IFunction | undefined;
  readonly role: iam.Role;
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  /** Data freshness, delivery success, transform errors and throttles. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ParquetDeliveryProps<F>) {
    super(scope, id);
    const tableName = props.tableName ?? props.schema.name.toLowerCase();
    const partitionKeys = props.partitionKeys ?? [];
    this.prefix = props.prefix ?? defaultPrefix(tableName, partitionKeys);
    this.errorOutputPrefix =
      props.errorOutputPrefix ?? `errors/${tableName}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`;
    checkFirehosePrefixes(this.prefix, this.errorOutputPrefix);
    const prefixKeys = lambdaPartitionKeys(this.prefix);
    const declared = partitionKeys.map((k) => k.name);
    if (prefixKeys.join('/') !== declared.join('/')) {
      throw new ConfigurationError(
        'partitionKeys',
        `must name the prefix's partitionKeyFromLambda keys in order: prefix has [${prefixKeys.join(', ')}], partitionKeys [${declared.join(', ')}]`,
      );
    }
    const interval = props.bufferingInterval ?? Duration.seconds(300);
    const sizeMiB = props.bufferingSizeMiB ?? 128;
    checkInteger('bufferingInterval (seconds)', interval.toSeconds(), 0, 900);
    checkInteger('bufferingSizeMiB', sizeMiB, 64, 128);

    const bucketChoice = existingOrProps('existingBucket', props.existingBucket, 'bucketProps', props.bucketProps);
    this.bucket =
      'existing' in bucketChoice
        ? bucketChoice.existing
        : asInterface<s3.IBucket>(new SecureBucket(this, 'Storage', bucketChoice.props).bucket);
    const dbChoice = existingOrProps('existingDatabase', props.existingDatabase, 'databaseName', props.databaseName);
    this.database =
      'existing' in dbChoice
        ? dbChoice.existing
        : new glue.Database(this, 'Database', dbChoice.props === undefined ? {} : { databaseName: dbChoice.props });
    this.table = parquetTable(this, 'Table', {
      database: this.database,
      tableName,
      schema: props.schema,
      bucket: this.bucket,
      s3Prefix: `${tableName}/`,
      partitionKeys,
    });

    const fnChoice = existingOrProps(
      'existingTransformFunction',
      props.existingTransformFunction,
      'transformFunctionProps',
      props.transformFunctionProps,
    );
    this.transformFunction =
      'existing' in fnChoice
        ? fnChoice.existing
        : fnChoice.props === undefined
          ? undefined
          : transformFunction(this, 'Transform', fnChoice.props);
    if (prefixKeys.length > 0 && this.transformFunction === undefined) {
      throw new ConfigurationError(
        'prefix',
        'partitionKeyFromLambda needs a transform function (transformFunctionProps or existingTransformFunction)',
      );
    }
    checkRange('transformBufferSizeMiB', props.transformBufferSizeMiB, 0.2, 3, ' MiB');
    checkInteger('transformBufferInterval (seconds)', props.transformBufferInterval?.toSeconds(), 60, 900);
    checkInteger('transformRetries', props.transformRetries, 0, 300);

    const logGroup = new logs.LogGroup(this, 'DeliveryLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    const logStream = new logs.LogStream(this, 'DeliveryLogStream', { logGroup, logStreamName: 'S3Delivery' });
    const { role, policy } = deliveryRole(this, {
      stream: props.stream,
      bucket: this.bucket,
      prefixes: [this.prefix, this.errorOutputPrefix],
      table: this.table,
      database: this.database,
      transform: this.transformFunction,
      logStreamArn: Stack.of(this).formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `${logGroup.logGroupName}:log-stream:${logStream.logStreamName}`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    });
    this.role = role;
    props.stream.encryptionKey?.grantDecrypt(this.role);

    this.deliveryStream = new firehose.CfnDeliveryStream(this, 'Resource', {
      ...(props.deliveryStreamName === undefined ? {} : { deliveryStreamName: props.deliveryStreamName }),
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: { kinesisStreamArn: props.stream.streamArn, roleArn: this.role.roleArn },
      extendedS3DestinationConfiguration: s3DestinationConfiguration({
        bucket: this.bucket,
        role: this.role,
        prefix: this.prefix,
        errorOutputPrefix: this.errorOutputPrefix,
        bufferingIntervalSeconds: interval.toSeconds(),
        bufferingSizeMiB: sizeMiB,
        logGroupName: logGroup.logGroupName,
        logStreamName: logStream.logStreamName,
        transform: this.transformFunction && {
          functionArn: this.transformFunction.functionArn,
          retries: props.transformRetries ?? 3,
          bufferSizeMiB: props.transformBufferSizeMiB ?? 3,
          bufferIntervalSeconds: props.transformBufferInterval?.toSeconds() ?? 60,
        },
        dynamicPartitioning: prefixKeys.length > 0,
        parquet: props.parquet ?? {},
        databaseName: this.database.databaseName,
        tableName: this.table.tableName,
      }),
    });
    this.deliveryStream.node.addDependency(policy);
    acknowledge(
      this.deliveryStream,
      'AwsSolutions-KDF1',
      'Firehose server-side encryption cannot be enabled with a Kinesis stream source; the source stream is KMS-encrypted and the bucket SSE-S3.',
    );
    this.deliveryStreamName = this.deliveryStream.ref;

    this.alarms = this.createAlarms(interval, props.dataFreshnessAlarmThreshold);
  }

  private createAlarms(interval: Duration, threshold: Duration | undefined): cloudwatch.Alarm[] {
    const freshness = threshold ?? Duration.seconds(interval.toSeconds() * 2 + 300);
    if (freshness.toSeconds() <= interval.toSeconds()) {
      throw new ConfigurationError(
        'dataFreshnessAlarmThreshold',
        `must exceed bufferingInterval (${interval.toSeconds()} s)`,
      );
    }
    const period = Duration.minutes(5);
    return [
      createAlarm(this, 'DataFreshnessAlarm', {
        metric: this.metric('DeliveryToS3.DataFreshness', { statistic: 'Maximum', period }),
        threshold: freshness.toSeconds(),
        evaluationPeriods: 3,
        description: `The oldest record in Firehose is older than ${freshness.toSeconds()} s: delivery to S3 lags`,
      }),
      createAlarm(this, 'DeliverySuccessAlarm', {
        metric: this.metric('DeliveryToS3.Success', { statistic: 'Minimum', period }),
        threshold: 1,
        comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        description: 'Deliveries to S3 fail (permissions, bucket, KMS): Firehose retries up to 24 h, then drops',
      }),
      ...(this.transformFunction
        ? [
            createAlarm(this, 'TransformErrorsAlarm', {
              metric: this.transformFunction.metricErrors({ statistic: 'Sum', period }),
              threshold: 1,
              description: 'The transform Lambda throws: batches are retried, then written under the error prefix',
            }),
            createAlarm(this, 'TransformThrottlesAlarm', {
              metric: this.transformFunction.metricThrottles({ statistic: 'Sum', period }),
              threshold: 1,
              evaluationPeriods: 3,
              description: 'The transform Lambda is throttled: raise its concurrency',
            }),
          ]
        : []),
    ];
  }

  /** A Firehose metric of this delivery stream (`AWS/Firehose`, `DeliveryStreamName`). */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Firehose',
      metricName,
      dimensionsMap: { DeliveryStreamName: this.deliveryStream.ref },
      ...props,
    });
  }

  metricDataFreshness(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('DeliveryToS3.DataFreshness', { statistic: 'Maximum', ...props });
  }

  metricIncomingRecords(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('DataReadFromKinesisStream.Records', { statistic: 'Sum', ...props });
  }

  /** Read access to the delivered Parquet (for Athena users): the bucket's objects and the Glue table. */
  grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.table.grantRead(grantee);
  }
}

function defaultPrefix(tableName: string, keys: readonly PartitionKey[]): string {
  if (keys.length === 0) return `${tableName}/!{timestamp:yyyy/MM/dd/HH}/`;
  return `${tableName}/${keys.map((k) => `${k.name}=!{partitionKeyFromLambda:${k.name}}/`).join('')}`;
}
