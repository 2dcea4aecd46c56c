/**
 * Creates the dashboard's indices in the deployed domain with their explicit mappings, before the Flink job starts:
 * one per Flink analysis (`dynamic: strict`), the raw trips (of `tripSchema`) and the run KPIs. Authenticates
 * as the domain's master user from Secrets Manager (default credentials chain and region).
 *
 *   pnpm --filter @pipeline/example-taxi exec tsx --conditions=@pipeline/source cdk/create-indices.ts \
 *     --url <OpenSearchUrl output> --secret <OpenSearchSecretArn output>
 */
import { parseArgs } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { dashboardMappings } from '../src/dashboard/mappings.js';

const { values } = parseArgs({ options: { url: { type: 'string' }, secret: { type: 'string' } } });
if (!values.url || !values.secret) {
  console.error('usage: create-indices.ts --url <OpenSearchUrl> --secret <OpenSearchSecretArn>');
  process.exit(2);
}
const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: values.secret }));
const { username, password } = JSON.parse(secret.SecretString ?? '{}') as { username: string; password: string };
const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

for (const [index, mappings] of Object.entries(dashboardMappings())) {
  const res = await fetch(`${values.url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings }),
  });
  const body = await res.text();
  if (res.ok) console.log(`created ${index}`);
  else if (body.includes('resource_already_exists_exception')) console.log(`${index} exists`);
  else {
    console.error(`creating ${index}: ${res.status} ${body}`);
    process.exitCode = 1;
  }
}
