import type { SqlTemplate } from '@pipeline/flink-sql';
import { defineSchema, field } from '@pipeline/schema';

/** A small record schema for the Glue table. */
export const rideSchema = defineSchema({
  name: 'ride',
  doc: 'A test ride',
  fields: {
    rideId: field.string({ doc: 'Ride id' }),
    fare: field.double({ doc: 'Fare, USD' }),
    passengers: field.int(),
    pickedUpAt: field.timestamp(),
  },
});

/** A runner script with a plain and a secret parameter. */
export const streamSql: SqlTemplate<{
  readonly kinesisStream: { readonly type: 'string'; readonly doc: string };
  readonly opensearchPassword: { readonly type: 'string'; readonly doc: string; readonly secret: true };
}> = {
  // The runner's ${name} placeholders, not JavaScript template slots.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: runner placeholders
  sql: "CREATE TABLE t (x STRING) WITH ('stream' = ${kinesisStream}, 'password' = ${opensearchPassword});",
  parameters: {
    kinesisStream: { type: 'string', doc: 'Kinesis stream name' },
    opensearchPassword: { type: 'string', doc: 'OpenSearch password', secret: true },
  },
};
