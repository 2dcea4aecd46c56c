/**
 * The delivery stream's `ExtendedS3DestinationConfiguration`: buffering, logging, the Lambda processor, dynamic
 * partitioning, and the OpenX JSON → Parquet conversion against the Glue table (Parquet settings written explicitly).
 */
import { Aws } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { ParquetOptions } from './parquet-delivery.js';
import { checkInteger } from './validation.js';

export interface S3DestinationInputs {
  readonly bucket: s3.IBucket;
  readonly role: iam.IRole;
  readonly prefix: string;
  readonly errorOutputPrefix: string;
  readonly bufferingIntervalSeconds: number;
  readonly bufferingSizeMiB: number;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly transform:
    | { functionArn: string; retries: number; bufferSizeMiB: number; bufferIntervalSeconds: number }
    | undefined;
  readonly dynamicPartitioning: boolean;
  readonly parquet: ParquetOptions;
  readonly databaseName: string;
  readonly tableName: string;
}

export function s3DestinationConfiguration(
  inputs: S3DestinationInputs,
): firehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty {
  const t = inputs.transform;
  return {
    bucketArn: inputs.bucket.bucketArn,
    roleArn: inputs.role.roleArn,
    prefix: inputs.prefix,
    errorOutputPrefix: inputs.errorOutputPrefix,
    bufferingHints: { intervalInSeconds: inputs.bufferingIntervalSeconds, sizeInMBs: inputs.bufferingSizeMiB },
    compressionFormat: 'UNCOMPRESSED',
    cloudWatchLoggingOptions: { enabled: true, logGroupName: inputs.logGroupName, logStreamName: inputs.logStreamName },
    ...(t
      ? {
          processingConfiguration: {
            enabled: true,
            processors: [
              {
                type: 'Lambda',
                parameters: [
                  { parameterName: 'LambdaArn', parameterValue: t.functionArn },
                  { parameterName: 'NumberOfRetries', parameterValue: String(t.retries) },
                  { parameterName: 'BufferSizeInMBs', parameterValue: String(t.bufferSizeMiB) },
                  { parameterName: 'BufferIntervalInSeconds', parameterValue: String(t.bufferIntervalSeconds) },
                ],
              },
            ],
          },
        }
      : {}),
    ...(inputs.dynamicPartitioning
      ? { dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } } }
      : {}),
    dataFormatConversionConfiguration: {
      enabled: true,
      inputFormatConfiguration: { deserializer: { openXJsonSerDe: { caseInsensitive: true } } },
      outputFormatConfiguration: { serializer: { parquetSerDe: parquetSerDe(inputs.parquet) } },
      schemaConfiguration: {
        catalogId: Aws.ACCOUNT_ID,
        region: Aws.REGION,
        databaseName: inputs.databaseName,
        tableName: inputs.tableName,
        roleArn: inputs.role.roleArn,
        versionId: 'LATEST',
      },
    },
    s3BackupMode: 'Disabled',
  };
}

/** Firehose's `ParquetSerDe` with every setting explicit (an empty SerDe leaves Snappy to the service default). */
export function parquetSerDe(options: ParquetOptions): firehose.CfnDeliveryStream.ParquetSerDeProperty {
  const blockSize = options.blockSizeBytes ?? 256 * 1024 * 1024;
  const pageSize = options.pageSizeBytes ?? 1024 * 1024;
  checkInteger('parquet.blockSizeBytes', blockSize, 64 * 1024 * 1024, 2 ** 31 - 1);
  checkInteger('parquet.pageSizeBytes', pageSize, 64 * 1024, 2 ** 31 - 1);
  return {
    compression: options.compression ?? 'SNAPPY',
    blockSizeBytes: blockSize,
    pageSizeBytes: pageSize,
    writerVersion: options.writerVersion ?? 'V1',
    enableDictionaryCompression: options.enableDictionaryCompression ?? false,
  };
}
