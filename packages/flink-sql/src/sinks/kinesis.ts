/**
 * A Kinesis sink: the stage's rows as JSON records on a stream, partitioned by the key columns (so one window and
 * key always land on one shard). Generated for the 5.x connector's sink options; the bundled legacy 4.3.0 jar has
 * two `kinesis` sink factories (see README: Connectors), so this table runs after the one-line switch to 5.x.
 */
import type { WindowOutput } from '../aggregate.js';
import type { SqlParameter, SqlTemplate } from '../parameters.js';
import { kinesisParameters } from '../source.js';
import { id, option, param } from '../sql-text.js';
import { sinkColumnLines } from './columns.js';

export type KinesisSinkParameterName<L extends boolean> =
  | 'kinesisSinkStreamArn'
  | 'awsRegion'
  | (L extends true ? 'kinesisEndpoint' | 'kinesisAccessKeyId' | 'kinesisSecretKey' : never);

export interface KinesisSinkTemplate<L extends boolean = boolean>
  extends SqlTemplate<{ readonly [K in KinesisSinkParameterName<L>]: SqlParameter<'string'> }> {
  readonly table: string;
}

/** The stage's table as `'connector' = 'kinesis'` (JSON, `PARTITIONED BY` the key columns). */
export function kinesisSinkTable<const L extends boolean = false>(
  output: WindowOutput,
  options: { readonly local?: L } = {},
): KinesisSinkTemplate<L> {
  const local = options.local === true;
  const parameters = kinesisParameters('kinesisSinkStreamArn', 'ARN of the Kinesis stream the rows go to', local);
  const withOptions = [
    option('connector', "'kinesis'"),
    option('stream.arn', param('kinesisSinkStreamArn')),
    option('aws.region', param('awsRegion')),
    ...(local
      ? [
          option('aws.endpoint', param('kinesisEndpoint')),
          option('aws.trust.all.certificates', "'true'"),
          option('aws.http.protocol.version', "'HTTP1_1'"),
          option('aws.credentials.provider', "'BASIC'"),
          option('aws.credentials.basic.accesskeyid', param('kinesisAccessKeyId')),
          option('aws.credentials.basic.secretkey', param('kinesisSecretKey')),
        ]
      : [option('aws.credentials.provider', "'AUTO'")]),
    option('format', "'json'"),
    option('json.timestamp-format.standard', "'ISO-8601'"),
  ];
  const sql =
    `CREATE TABLE ${id(output.table)} (\n${sinkColumnLines(output, true).join(',\n')}\n)\n` +
    `PARTITIONED BY (${output.primaryKey.map((k) => id(k)).join(', ')})\nWITH (\n${withOptions.join(',\n')}\n);\n`;
  return { sql, parameters: parameters as KinesisSinkTemplate<L>['parameters'], table: output.table };
}
