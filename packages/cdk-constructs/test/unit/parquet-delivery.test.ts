import { toGlueColumns } from '@pipeline/schema';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { IngestStream, ParquetDelivery } from '../../src/index.js';
import { rideSchema } from './helpers/fixtures.js';
import { ECHO_HANDLER, testStack } from './helpers/stack.js';

const partitionKeys = [
  { name: 'year', projection: glue.PartitionProjectionConfiguration.integer({ min: 2009, max: 2035, digits: 4 }) },
  { name: 'hour', projection: glue.PartitionProjectionConfiguration.integer({ min: 0, max: 23, digits: 2 }) },
];

describe('ParquetDelivery', () => {
  const { stack } = testStack();
  const ingest = new IngestStream(stack, 'Ingest');
  const delivery = new ParquetDelivery(stack, 'Delivery', {
    stream: ingest.stream,
    schema: rideSchema,
    transformFunctionProps: { entry: ECHO_HANDLER },
    partitionKeys,
  });
  const template = Template.fromStack(stack);
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };

  it('converts to Parquet with Snappy written explicitly, under the validated prefixes, with buffering hints', () => {
    expect(delivery.prefix).toBe('ride/year=!{partitionKeyFromLambda:year}/hour=!{partitionKeyFromLambda:hour}/');
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix: delivery.prefix,
        ErrorOutputPrefix: 'errors/ride/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 128 },
        CompressionFormat: 'UNCOMPRESSED',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        ProcessingConfiguration: Match.objectLike({ Enabled: true }),
        DataFormatConversionConfiguration: Match.objectLike({
          Enabled: true,
          InputFormatConfiguration: { Deserializer: { OpenXJsonSerDe: { CaseInsensitive: true } } },
          OutputFormatConfiguration: {
            Serializer: {
              ParquetSerDe: {
                Compression: 'SNAPPY',
                BlockSizeBytes: 256 * 1024 * 1024,
                PageSizeBytes: 1024 * 1024,
                WriterVersion: 'V1',
                EnableDictionaryCompression: false,
              },
            },
          },
        }),
      }),
    });
  });

  it('builds the Glue table from the schema (columns equal its Glue converter) with partition projection', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        Name: 'ride',
        StorageDescriptor: Match.objectLike({
          Columns: toGlueColumns(rideSchema).map((c) => ({
            Name: c.name,
            Type: c.type,
            ...(c.comment ? { Comment: c.comment } : {}),
          })),
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        }),
        PartitionKeys: [
          { Name: 'year', Type: 'string' },
          { Name: 'hour', Type: 'string' },
        ],
        Parameters: Match.objectLike({
          'projection.enabled': 'true',
          'projection.year.type': 'integer',
          'projection.year.range': '2009,2035',
          'projection.hour.digits': '2',
          'parquet.compression': 'SNAPPY',
        }),
      }),
    });
  });

  it('gives the delivery role its own policy: no s3:DeleteObject*, objects only below the prefixes', () => {
    const policies = Object.values(json.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    const text = JSON.stringify(policies);
    expect(text).not.toMatch(/s3:DeleteObject/);
    const statement = policies
      .flatMap(
        (p) => (p.Properties.PolicyDocument as { Statement: Array<{ Sid?: string; Resource: unknown }> }).Statement,
      )
      .find((s) => s.Sid === 'WritePrefixes');
    expect(JSON.stringify(statement?.Resource)).toContain('/ride/year=*');
    expect(JSON.stringify(statement?.Resource)).toContain('/errors/ride/*');
  });

  it('writes to a versioned, encrypted, TLS-only, private bucket with access logs', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({}),
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'access-logs/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('runs the transform on Node 22 and alarms on freshness, success, errors and throttles', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Architectures: ['arm64'] });
    expect(delivery.alarms.map((a) => a.node.id)).toEqual([
      'DataFreshnessAlarm',
      'DeliverySuccessAlarm',
      'TransformErrorsAlarm',
      'TransformThrottlesAlarm',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.DataFreshness',
      Threshold: 900,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DeliveryToS3.Success',
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
    });
  });

  it('takes any IFunction as the transform and an existing database', () => {
    const { stack: s } = testStack();
    const fn = new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async (e) => ({ records: [] });'),
    });
    const database = new glue.Database(s, 'Db', { databaseName: 'lake' });
    const d = new ParquetDelivery(s, 'D', {
      stream: new IngestStream(s, 'I').stream,
      schema: rideSchema,
      existingTransformFunction: fn,
      existingDatabase: database,
    });
    expect(d.transformFunction).toBe(fn);
    expect(d.prefix).toBe('ride/!{timestamp:yyyy/MM/dd/HH}/');
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Glue::Table', { DatabaseName: { Ref: Match.stringLikeRegexp('Db') } });
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('lambda:InvokeFunction');
    t.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      ExtendedS3DestinationConfiguration: Match.objectLike({ DynamicPartitioningConfiguration: Match.absent() }),
    });
  });

  describe('synth-time errors name the prop and the limit', () => {
    const { stack: s } = testStack();
    const stream = new IngestStream(s, 'I').stream;
    const base = { stream, schema: rideSchema, transformFunctionProps: { entry: ECHO_HANDLER } };

    it('an unsupported timestamp pattern in the prefix', () => {
      expect(() => new ParquetDelivery(s, 'A', { ...base, prefix: 'ride/!{timestamp:YYYY}/' })).toThrow(
        /^prefix: .*week-based-year/,
      );
    });

    it('partition keys that do not match the prefix', () => {
      expect(
        () =>
          new ParquetDelivery(s, 'B', {
            ...base,
            partitionKeys: [partitionKeys[0] as never],
            prefix: 'ride/hour=!{partitionKeyFromLambda:hour}/',
          }),
      ).toThrow(/^partitionKeys: must name the prefix's partitionKeyFromLambda keys in order/);
    });

    it('buffering outside Firehose limits', () => {
      expect(() => new ParquetDelivery(s, 'C', { ...base, bufferingSizeMiB: 32 })).toThrow(
        'bufferingSizeMiB: must be an integer from 64 to 128, got 32',
      );
      expect(() => new ParquetDelivery(s, 'D', { ...base, bufferingInterval: Duration.seconds(901) })).toThrow(
        /^bufferingInterval \(seconds\): .*0 to 900/,
      );
    });

    it('a partition key that is also a column, and Lambda partitioning without a Lambda', () => {
      expect(
        () =>
          new ParquetDelivery(s, 'E', {
            ...base,
            partitionKeys: [{ name: 'fare', projection: glue.PartitionProjectionConfiguration.injected() }],
          }),
      ).toThrow(/^partitionKeys: "fare" is also a column/);
      expect(() => new ParquetDelivery(s, 'F', { stream, schema: rideSchema, partitionKeys })).toThrow(
        /^prefix: partitionKeyFromLambda needs a transform function/,
      );
    });

    it('both an existing bucket and bucket props', () => {
      const bucket = s3.Bucket.fromBucketName(s, 'Imported', 'some-bucket');
      expect(() => new ParquetDelivery(s, 'G', { ...base, existingBucket: bucket, bucketProps: {} })).toThrow(
        'existingBucket: give existingBucket or bucketProps, not both',
      );
    });
  });
});
