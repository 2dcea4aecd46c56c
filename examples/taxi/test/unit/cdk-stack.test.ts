// The taxi stack, proven offline: one synthesized app (with the real runner jar) shared by every assertion.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cfnLint, iamFindings, nagReport } from '@pipeline/cdk-constructs/testing';
import type { FirehoseTransformationResult } from '@pipeline/firehose-transform';
import { buildEvent, decodeResponse } from '@pipeline/firehose-transform/testing';
import { SECRET_REF_PROPERTY_PREFIX, substituteParameters } from '@pipeline/flink-sql';
import { toGlueColumns } from '@pipeline/schema';
import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_SCRIPT, analyticsSql } from '../../cdk/analytics-sql.js';
import { buildTaxiApp } from '../../cdk/app.js';
// Type-only: keeps the Lambda entry and the scripts under this package's typecheck (erased at run time).
import type * as createIndices from '../../cdk/create-indices.js';
import type * as indexerEntry from '../../cdk/lambda/indexer.js';
import type * as produce from '../../cdk/produce.js';
import type { TaxiPipelineStack } from '../../cdk/taxi-stack.js';
import { generateTrips } from '../../src/generator.js';
import { enrichedTripSchema } from '../../src/schema.js';

/** The part of the synthesized Managed Flink application the assertions read. */
interface FlinkProps {
  RuntimeEnvironment: string;
  ApplicationConfiguration: {
    FlinkApplicationConfiguration: { CheckpointConfiguration: unknown };
    EnvironmentProperties: { PropertyGroups: Array<{ PropertyGroupId: string; PropertyMap: Record<string, unknown> }> };
  };
}

let app: App;
let stack: TaxiPipelineStack;
let assembly: CloudAssembly;
let template: Template;
let json: Record<string, unknown>;
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'taxi-cdk-test-'));

beforeAll(async () => {
  ({ app, stack } = await buildTaxiApp({
    nag: false, // nagReport below reports findings and stale acknowledgments, not just the first failure
    outdir,
    context: {
      '@aws-cdk/core:validateAgainstDefaultRules': true,
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
    },
  }));
  // Throws on any finding of aws-cdk-lib's CloudFormation rules validator (validateAgainstDefaultRules).
  assembly = app.synth();
  template = Template.fromStack(stack);
  json = template.toJSON();
}, 180_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const resources = (type: string) =>
  Object.entries(
    (json.Resources ?? {}) as Record<
      string,
      { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }
    >,
  ).filter(([, r]) => r.Type === type);

describe('taxi stack: offline checks', () => {
  it('has no cdk-nag AwsSolutions finding, and every acknowledgment is still needed and has a reason', () => {
    const report = nagReport(stack);
    expect(report.violations).toEqual([]);
    expect(report.unusedAcknowledgments).toEqual([]);
    for (const ack of report.usedAcknowledgments) expect(ack.reason.length, ack.key).toBeGreaterThan(20);
  });

  it('grants no wildcard action and no Resource "*" outside key policies', () => {
    expect(iamFindings(json)).toEqual([]);
  });

  it('passes cfn-lint with zero errors', () => {
    const venvDir = fileURLToPathSafe(new URL('../../cdk/.venv', import.meta.url));
    const file = path.join(assembly.directory, stack.templateFile);
    // W3005 (redundant DependsOn) is harmless; the rest must be clean.
    const lint = cfnLint([file], { venvDir, ignoreChecks: ['W3005'] });
    expect(lint.status & 2, lint.output).toBe(0);
    expect(lint.output).not.toMatch(/\bE\d{4}\b/);
  }, 300_000);
});

describe('taxi stack: what it deploys', () => {
  it('writes Parquet with Snappy under the local run’s prefixes, partitioned by the transform’s keys', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'KinesisStreamAsSource',
      ExtendedS3DestinationConfiguration: Match.objectLike({
        Prefix:
          'nyctaxitrips/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
        DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
        DataFormatConversionConfiguration: Match.objectLike({
          OutputFormatConfiguration: { Serializer: { ParquetSerDe: Match.objectLike({ Compression: 'SNAPPY' }) } },
        }),
      }),
    });
  });

  it('describes the Parquet with a Glue table whose columns are the enriched trip schema', () => {
    const [[, table]] = resources('AWS::Glue::Table') as unknown as [
      [
        string,
        {
          Properties: {
            TableInput: {
              StorageDescriptor: { Columns: unknown[] };
              PartitionKeys: Array<{ Name: string }>;
              Parameters: Record<string, string>;
            };
          };
        },
      ],
    ];
    const columns = table.Properties.TableInput.StorageDescriptor.Columns;
    expect(columns).toEqual(
      toGlueColumns(enrichedTripSchema).map((c) => ({
        Name: c.name,
        Type: c.type,
        ...(c.comment ? { Comment: c.comment } : {}),
      })),
    );
    expect(table.Properties.TableInput.PartitionKeys.map((k) => k.Name)).toEqual(['year', 'month', 'day', 'hour']);
    expect(table.Properties.TableInput.Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.year.type': 'integer',
      'projection.month.digits': '2',
    });
  });

  it('runs the taxi analytics SQL on Flink 1.20 with its parameters as runtime properties and secrets by reference', () => {
    const [[, flink]] = resources('AWS::KinesisAnalyticsV2::Application') as unknown as [
      [string, { Properties: FlinkProps }],
    ];
    expect(flink.Properties.RuntimeEnvironment).toBe('FLINK-1_20');
    const config = flink.Properties.ApplicationConfiguration;
    expect(config.FlinkApplicationConfiguration.CheckpointConfiguration).toEqual({
      ConfigurationType: 'CUSTOM',
      CheckpointingEnabled: true,
      CheckpointInterval: 60_000,
      MinPauseBetweenCheckpoints: 5000,
    });
    const group = config.EnvironmentProperties
      .PropertyGroups[0] as FlinkProps['ApplicationConfiguration']['EnvironmentProperties']['PropertyGroups'][number];
    expect(group.PropertyGroupId).toBe('SqlParameters');
    expect(Object.keys(group.PropertyMap).sort()).toEqual(Object.keys(analyticsSql.parameters).sort());
    expect(group.PropertyMap.vendorStatsIndex).toBe('trip-stats');
    expect(group.PropertyMap.dayTotalsIndex).toBe('trip-running-total');
    expect(group.PropertyMap.jfkWest).toBe('-73.8352');
    expect(JSON.stringify(group.PropertyMap.opensearchPassword)).toContain('secretref:');
    expect(JSON.stringify(group.PropertyMap.opensearchPassword)).toContain('#password');
  });

  it('runs a domain with the security defaults', () => {
    template.hasResourceProperties('AWS::OpenSearchService::Domain', {
      EngineVersion: 'OpenSearch_2.19',
      EBSOptions: Match.objectLike({ VolumeType: 'gp3' }),
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-PFS-2023-10' },
      NodeToNodeEncryptionOptions: { Enabled: true },
      EncryptionAtRestOptions: { Enabled: true },
      AdvancedSecurityOptions: Match.objectLike({ Enabled: true, InternalUserDatabaseEnabled: true }),
    });
  });

  it('routes every alarm to the one topic', () => {
    const topics = resources('AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const alarms = resources('AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(20);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topics[0]?.[0] }]);
    template.resourceCountIs('AWS::Budgets::Budget', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});

/** The two scripts, referenced so that the typecheck covers them. */
export type ScriptModules = [typeof createIndices, typeof produce];

describe('the application jar and its runtime properties bind the same SQL', () => {
  it('the jar staged in cdk.out carries the analytics script', () => {
    const jar = fs.readdirSync(assembly.directory).find((f) => f.endsWith('.jar'));
    expect(jar).toBeDefined();
    const script = spawnSync('unzip', ['-p', path.join(assembly.directory, jar as string), `sql/${ANALYTICS_SCRIPT}`], {
      encoding: 'utf8',
    });
    expect(script.status, script.stderr).toBe(0);
    expect(script.stdout).toBe(analyticsSql.sql);
  });

  it('the synthesized SqlParameters bind every placeholder of that script, secrets as references', () => {
    const [[, flink]] = resources('AWS::KinesisAnalyticsV2::Application') as unknown as [
      [string, { Properties: FlinkProps }],
    ];
    const map = flink.Properties.ApplicationConfiguration.EnvironmentProperties.PropertyGroups[0]?.PropertyMap ?? {};
    // Deploy-time values (tokens) stand in as text; a secret reference as the marker the runner logs.
    const values = Object.fromEntries(
      Object.entries(map).map(([name, value]) => {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        return [name, text.includes(SECRET_REF_PROPERTY_PREFIX) ? { secretRef: `arn:${name}` } : text];
      }),
    );
    const bound = substituteParameters(analyticsSql.sql, values);
    expect(bound).toContain("'connector' = 'opensearch-2'");
    for (const index of ['trip-stats', 'trip-trend', 'trip-hotspots', 'trip-airports', 'trip-running-total']) {
      expect(bound).toContain(`'index' = '${index}'`);
    }
    expect(bound).toContain('<secret:arn:opensearchPassword>');
  });
});

/** The directory of a bundled Lambda's asset in cdk.out (`asset.<hash>` for the S3 key `<hash>.zip`). */
function lambdaAsset(match: (variables: Record<string, string>) => boolean): string {
  const found = resources('AWS::Lambda::Function').find(([, r]) =>
    match((r.Properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {}),
  );
  const key = (found?.[1].Properties.Code as { S3Key?: string } | undefined)?.S3Key;
  if (!key) throw new Error('Lambda asset not found');
  const dir = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
  if (!fs.existsSync(path.join(dir, 'index.js'))) throw new Error(`${dir}/index.js does not exist`);
  return dir;
}

function fileURLToPathSafe(url: URL): string {
  return decodeURIComponent(url.pathname);
}

describe('bundled Lambda assets from cdk.out answer real-shaped events', () => {
  const trips = generateTrips({ count: 3, seed: 7 });

  it('the transform turns a Firehose event into enriched trips with partition keys, and a bad record into ProcessingFailed', async () => {
    const dir = lambdaAsset((v) => v.NODE_OPTIONS !== undefined && v.OPENSEARCH_INDEX === undefined);
    const transform = createRequire(import.meta.url)(path.join(dir, 'index.js')) as {
      handler: (e: unknown, c?: unknown) => Promise<FirehoseTransformationResult>;
    };
    const event = buildEvent([...trips.map((t) => JSON.stringify(t)), '{"id": "broken"}'], { source: 'kinesis' });
    const decoded = decodeResponse(await transform.handler(event, { getRemainingTimeInMillis: () => 60_000 }));
    expect(decoded.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Ok', 'ProcessingFailed']);
    const first = decoded[0];
    expect(first?.json()).toMatchObject({ ...trips[0], source: 'NYCTAXI' });
    const pickup = trips[0]?.pickupDate as string;
    expect(first?.partitionKeys).toEqual({
      year: pickup.slice(0, 4),
      month: pickup.slice(5, 7),
      day: pickup.slice(8, 10),
      hour: pickup.slice(11, 13),
    });
  });

  it('the indexer reads its secret, bulk-indexes the valid trips with basic auth and reports no failure', async () => {
    const bulkLines: string[] = [];
    let authorization = '';
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') {
          res.setHeader('content-type', 'application/x-amz-json-1.1');
          res.end(
            JSON.stringify({
              ARN: 'arn',
              Name: 'n',
              SecretString: JSON.stringify({ username: 'admin', password: 'pw' }),
            }),
          );
          return;
        }
        authorization = String(req.headers.authorization ?? '');
        res.setHeader('content-type', 'application/json');
        if (req.url?.startsWith('/_bulk')) {
          const lines = body.split('\n').filter(Boolean);
          bulkLines.push(...lines);
          const items = lines
            .filter((_, i) => i % 2 === 0)
            .map((l) => {
              const action = JSON.parse(l) as Record<string, { _index: string; _id: string }>;
              const [kind, meta] = Object.entries(action)[0] as [string, { _index: string; _id: string }];
              return { [kind]: { _index: meta._index, _id: meta._id, status: 201, result: 'created' } };
            });
          res.end(JSON.stringify({ took: 1, errors: false, items }));
          return;
        }
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    Object.assign(process.env, {
      OPENSEARCH_URL: url,
      OPENSEARCH_INDEX: 'taxi-trips',
      OPENSEARCH_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:os-AbCdEf',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    try {
      const dir = lambdaAsset((v) => v.OPENSEARCH_INDEX !== undefined);
      const indexer = createRequire(import.meta.url)(path.join(dir, 'index.js')) as {
        handler: typeof indexerEntry.handler;
      };
      const records = [...trips.map((t) => JSON.stringify(t)), '{"id": "broken"}'].map((data, i) => ({
        eventID: `shardId-000000000000:4959033827149025660855969253836157109592157598913658889${i}`,
        eventSourceARN: 'arn:aws:kinesis:eu-west-1:123456789012:stream/trips',
        kinesis: {
          partitionKey: `p${i}`,
          data: Buffer.from(data).toString('base64'),
          sequenceNumber: `4959033827149025660855969253836157109592157598913658889${i}`,
        },
      }));
      const response = await indexer.handler({ Records: records }, { getRemainingTimeInMillis: () => 60_000 });
      expect(response).toEqual({ batchItemFailures: [] });
      expect(authorization).toBe(`Basic ${Buffer.from('admin:pw').toString('base64')}`);
      const sources = bulkLines.filter((_, i) => i % 2 === 1).map((l) => JSON.parse(l) as { id: string });
      expect(sources.map((s) => s.id)).toEqual(trips.map((t) => t.id));
    } finally {
      process.env = saved;
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
