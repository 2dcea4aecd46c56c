// Every construct in one stack, checked the way the taxi stack is: cdk-nag, the IAM walker, aws-cdk-lib's
// CloudFormation rules validator (as errors) and cfn-lint. One synthesized app shared by the assertions.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { secretRef } from '@pipeline/flink-sql';
import type { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acknowledge,
  FlinkSqlApplication,
  IngestStream,
  ParquetDelivery,
  PipelineMonitoring,
  RawTripIndexer,
  SearchDomain,
} from '../../src/index.js';
import { cfnLint, iamFindings, nagReport } from '../../src/testing.js';
import { rideSchema, streamSql } from './helpers/fixtures.js';
import { ECHO_HANDLER, testStack, tinyJar } from './helpers/stack.js';

function pipeline(stack: Stack, options: { startOnDeploy: boolean; unsigned: boolean }) {
  const ingest = new IngestStream(stack, 'Ingest');
  const delivery = new ParquetDelivery(stack, 'Delivery', {
    stream: ingest.stream,
    schema: rideSchema,
    transformFunctionProps: { entry: ECHO_HANDLER },
    partitionKeys: [
      { name: 'year', projection: glue.PartitionProjectionConfiguration.integer({ min: 2009, max: 2035 }) },
    ],
  });
  const search = new SearchDomain(stack, 'Search', { allowUnsignedBasicAuth: options.unsigned });
  const flink = new FlinkSqlApplication(stack, 'Flink', {
    applicationJar: tinyJar(),
    sql: streamSql,
    parameters: {
      kinesisStream: ingest.stream.streamName,
      opensearchPassword: secretRef(search.masterUserSecret.secretArn, 'password'),
    },
    secrets: [search.masterUserSecret],
    sourceStreams: [ingest.stream],
    startOnDeploy: options.startOnDeploy,
  });
  const indexer = new RawTripIndexer(stack, 'Indexer', {
    stream: ingest.stream,
    functionProps: { entry: ECHO_HANDLER },
  });
  new PipelineMonitoring(stack, 'Monitoring', {
    alarms: [...ingest.alarms, ...delivery.alarms, ...search.alarms, ...flink.alarms, ...indexer.alarms],
  });
}

describe.each([
  { name: 'defaults', startOnDeploy: false, unsigned: false },
  { name: 'start on deploy, unsigned basic auth', startOnDeploy: true, unsigned: true },
])('every construct together ($name)', (options) => {
  let app: App;
  let stack: Stack;
  let assembly: CloudAssembly;
  let json: Record<string, unknown>;

  beforeAll(() => {
    ({ app, stack } = testStack(`All${options.startOnDeploy ? 'Started' : ''}`));
    pipeline(stack, options);
    // Throws on any finding of the CloudFormation rules validator (validateAgainstDefaultRules in testStack).
    assembly = app.synth();
    json = Template.fromStack(stack).toJSON();
  }, 120_000);

  it('has no cdk-nag finding and no acknowledgment that is no longer needed', () => {
    const report = nagReport(stack);
    expect(report.violations).toEqual([]);
    expect(report.unusedAcknowledgments).toEqual([]);
    for (const ack of report.usedAcknowledgments) expect(ack.reason.length, ack.key).toBeGreaterThan(20);
  });

  it('has no wildcard action and no Resource "*" outside key policies', () => {
    expect(iamFindings(json)).toEqual([]);
  });

  it('passes cfn-lint with zero errors', () => {
    const venvDir = fileURLToPath(new URL('../../.venv', import.meta.url));
    const lint = cfnLint([path.join(assembly.directory, stack.templateFile)], { venvDir, ignoreChecks: ['W3005'] });
    expect(lint.status & 2, lint.output).toBe(0);
    expect(lint.output).not.toMatch(/\bE\d{4}\b/);
    fs.rmSync(assembly.directory, { recursive: true, force: true });
  }, 300_000);
});

describe('the stale-acknowledgment check', () => {
  it('reports an acknowledgment that matches no finding', () => {
    const { stack } = testStack('Stale');
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    acknowledge(queue, 'AwsSolutions-SQS3', 'A test queue without a dead-letter queue of its own.');
    acknowledge(queue, 'AwsSolutions-SQS4', 'Stale on purpose: the queue enforces SSL, so nothing matches this.');
    const report = nagReport(stack);
    expect(report.unusedAcknowledgments).toEqual(['Stale/Queue|AwsSolutions-SQS4']);
    expect(report.usedAcknowledgments.map((a) => a.key)).toEqual(['Stale/Queue|AwsSolutions-SQS3']);
  });

  it('reports what an acknowledgment would hide once it is removed', () => {
    const { stack } = testStack('Unacknowledged');
    new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    expect(nagReport(stack).violations.map((v) => v.rule)).toContain('AwsSolutions-SQS3');
  });
});
