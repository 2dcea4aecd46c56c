/**
 * The raw-trip indexer Lambda: Kinesis records → trips validated against `tripSchema` → the `taxi-trips` index,
 * through `@pipeline/opensearch-sink`'s Kinesis consumer (partial batch responses, replay-safe ids). Authenticates
 * with the domain's fine-grained access control master user, read once per container from Secrets Manager.
 *
 * Environment: OPENSEARCH_URL, OPENSEARCH_INDEX, OPENSEARCH_SECRET_ARN (JSON `{username, password}`).
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from '@opensearch-project/opensearch';
import { createKinesisHandler, type KinesisStreamEvent, OpenSearchSink } from '@pipeline/opensearch-sink';
import { parse } from '@pipeline/schema';
import { type Trip, tripSchema } from '../../src/schema.js';

type Handler = ReturnType<typeof createKinesisHandler<Trip>>;

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

async function createHandler(): Promise<Handler> {
  const secrets = new SecretsManagerClient({});
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: env('OPENSEARCH_SECRET_ARN') }));
  const { username, password } = JSON.parse(secret.SecretString ?? '{}') as { username?: string; password?: string };
  if (!username || !password) throw new Error('the OpenSearch secret has no username/password');
  const client = new Client({ node: env('OPENSEARCH_URL'), auth: { username, password } });
  const sink = new OpenSearchSink<Trip>({ client, index: env('OPENSEARCH_INDEX') });
  const decoder = new TextDecoder();
  return createKinesisHandler<Trip>({
    sink,
    toDocument: (record) => parse(tripSchema, JSON.parse(decoder.decode(record.data))),
    // An invalid trip fails the same way on every replay: log why (the Firehose leg keeps the record itself under
    // its error prefix) and move on rather than block the shard.
    onInvalidRecord: (error, record) => {
      console.error(
        JSON.stringify({
          level: 'error',
          message: 'invalid trip record not indexed',
          reason: error instanceof Error ? error.message : String(error),
          shardId: record.shardId,
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: record.subSequenceNumber,
        }),
      );
    },
  });
}

let pending: Promise<Handler> | undefined;

export async function handler(event: KinesisStreamEvent, context?: { getRemainingTimeInMillis(): number }) {
  pending ??= createHandler().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return (await pending)(event, context);
}
