/**
 * The Glue table Firehose converts to Parquet with, built from a `@pipeline/schema` schema (its Glue converter) with
 * the GA Glue L2 (`S3Table`), partition keys with partition projection, so Athena needs no crawler or MSCK REPAIR.
 */
import { type Fields, type GlueType, type Schema, toGlueColumns } from '@pipeline/schema';
import * as glue from 'aws-cdk-lib/aws-glue';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { ConfigurationError } from './validation.js';

/** A partition column and how Athena projects its values. */
export interface PartitionKey {
  /** Column name; the prefix must hold `<name>=!{partitionKeyFromLambda:<name>}`. */
  readonly name: string;
  /** Glue type of the column. Default `string`. */
  readonly type?: 'string' | 'int' | 'bigint';
  /** Partition projection of the column, e.g. `PartitionProjectionConfiguration.integer({ min: 2009, max: 2035, digits: 4 })`. */
  readonly projection: glue.PartitionProjectionConfiguration;
}

const GLUE_SCHEMA_TYPES: Record<GlueType | 'bigint', glue.Type> = {
  string: glue.Schema.STRING,
  int: glue.Schema.INTEGER,
  bigint: glue.Schema.BIG_INT,
  double: glue.Schema.DOUBLE,
  boolean: glue.Schema.BOOLEAN,
  timestamp: glue.Schema.TIMESTAMP,
};

/** The L2 columns of a schema, in field order, lower-cased (Firehose's OpenX JSON SerDe lower-cases keys). */
export function glueColumnsOf<F extends Fields>(schema: Schema<F>): glue.Column[] {
  return toGlueColumns(schema).map((c) => ({
    name: c.name,
    type: GLUE_SCHEMA_TYPES[c.type],
    ...(c.comment === undefined ? {} : { comment: c.comment }),
  }));
}

export interface TripTableOptions<F extends Fields> {
  readonly database: glue.IDatabase;
  readonly tableName: string;
  readonly schema: Schema<F>;
  readonly bucket: s3.IBucket;
  /** Key prefix of the table's data (`<tableName>/`). */
  readonly s3Prefix: string;
  readonly partitionKeys: readonly PartitionKey[];
}

/** A Parquet `S3Table` with projected partitions whose storage location template follows the delivery prefix. */
export function parquetTable<F extends Fields>(
  scope: Construct,
  id: string,
  options: TripTableOptions<F>,
): glue.S3Table {
  if (!/^[a-z0-9_]{1,255}$/.test(options.tableName)) {
    throw new ConfigurationError('tableName', `lower-case letters, digits and _ (1-255), got "${options.tableName}"`);
  }
  const columns = glueColumnsOf(options.schema);
  for (const key of options.partitionKeys) {
    if (columns.some((c) => c.name === key.name)) {
      throw new ConfigurationError(
        'partitionKeys',
        `"${key.name}" is also a column of schema "${options.schema.name}"`,
      );
    }
    if (!/^[a-z0-9_]+$/.test(key.name)) {
      throw new ConfigurationError('partitionKeys', `"${key.name}": lower-case letters, digits and _ only`);
    }
  }
  const projection: glue.PartitionProjection = {};
  for (const key of options.partitionKeys) projection[key.name] = key.projection;
  const template = options.partitionKeys.map((k) => `${k.name}=\${${k.name}}`).join('/');
  return new glue.S3Table(scope, id, {
    database: options.database,
    tableName: options.tableName,
    description: `${options.schema.name} records delivered by Firehose as Parquet (Snappy)`,
    columns,
    partitionKeys: options.partitionKeys.map((k) => ({ name: k.name, type: GLUE_SCHEMA_TYPES[k.type ?? 'string'] })),
    dataFormat: glue.DataFormat.PARQUET,
    storage: glue.S3TableStorage.fromBucket(options.bucket),
    s3Prefix: options.s3Prefix,
    ...(options.partitionKeys.length > 0 ? { partitionProjection: projection } : {}),
    parameters: {
      'parquet.compression': 'SNAPPY',
      classification: 'parquet',
      ...(options.partitionKeys.length > 0
        ? { 'storage.location.template': `s3://${options.bucket.bucketName}/${options.s3Prefix}${template}/` }
        : {}),
    },
  });
}
