import { secretRef } from '@pipeline/flink-sql';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { FlinkSqlApplication, IngestStream } from '../../src/index.js';
import { streamSql } from './helpers/fixtures.js';
import { testStack, tinyJar } from './helpers/stack.js';

describe('FlinkSqlApplication', () => {
  const jar = tinyJar();
  const { stack } = testStack();
  const stream = new IngestStream(stack, 'Ingest').stream;
  const secret = new secretsmanager.Secret(stack, 'Secret');
  const app = new FlinkSqlApplication(stack, 'Flink', {
    applicationJar: jar,
    sql: streamSql,
    parameters: { kinesisStream: 'trips', opensearchPassword: secretRef(secret.secretArn, 'password') },
    secrets: [secret],
    sourceStreams: [stream],
  });
  const template = Template.fromStack(stack);

  it('runs Flink 1.20 with checkpointing, parallelism, autoscaling, monitoring and snapshots set explicitly', () => {
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      RuntimeEnvironment: 'FLINK-1_20',
      ApplicationConfiguration: Match.objectLike({
        ApplicationCodeConfiguration: Match.objectLike({ CodeContentType: 'ZIPFILE' }),
        FlinkApplicationConfiguration: {
          CheckpointConfiguration: {
            ConfigurationType: 'CUSTOM',
            CheckpointingEnabled: true,
            CheckpointInterval: 60_000,
            MinPauseBetweenCheckpoints: 5000,
          },
          MonitoringConfiguration: { ConfigurationType: 'CUSTOM', LogLevel: 'INFO', MetricsLevel: 'APPLICATION' },
          ParallelismConfiguration: {
            ConfigurationType: 'CUSTOM',
            Parallelism: 1,
            ParallelismPerKPU: 1,
            AutoScalingEnabled: true,
          },
        },
        ApplicationSnapshotConfiguration: { SnapshotsEnabled: true },
        ApplicationSystemRollbackConfiguration: { RollbackEnabled: true },
      }),
    });
    template.resourceCountIs('AWS::KinesisAnalyticsV2::ApplicationCloudWatchLoggingOption', 1);
  });

  it('puts the SQL parameters in the SqlParameters group, the secret as a reference', () => {
    expect(app.propertyGroups.SqlParameters?.kinesisStream).toBe('trips');
    template.hasResourceProperties('AWS::KinesisAnalyticsV2::Application', {
      ApplicationConfiguration: Match.objectLike({
        EnvironmentProperties: {
          PropertyGroups: [
            {
              PropertyGroupId: 'SqlParameters',
              PropertyMap: {
                kinesisStream: 'trips',
                opensearchPassword: { 'Fn::Join': ['', ['secretref:', { Ref: Match.anyValue() }, '#password']] },
              },
            },
          ],
        },
      }),
    });
  });

  it('grants the secret by ARN and the stream, and no more', () => {
    const text = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    expect(text).toContain('secretsmanager:GetSecretValue');
    expect(text).toContain('kinesis:GetRecords');
    expect(text).not.toContain('cloudwatch:PutMetricData');
  });

  it('has the alarms and the documented manual start, and no start resource unless asked', () => {
    expect(app.alarms.map((a) => a.node.id)).toEqual([
      'DowntimeAlarm',
      'FullRestartsAlarm',
      'FailedCheckpointsAlarm',
      'MillisBehindLatestAlarm',
    ]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/KinesisAnalytics',
      MetricName: 'fullRestarts',
      Threshold: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(app.startCommand).toContain('aws kinesisanalyticsv2 start-application --application-name');
    template.resourceCountIs('Custom::AWS', 0);
  });

  it('starts on deploy when asked, allowed on this application only', () => {
    const { stack: s } = testStack();
    const own = new secretsmanager.Secret(s, 'Secret');
    new FlinkSqlApplication(s, 'Flink', {
      applicationJar: jar,
      sql: streamSql,
      parameters: { kinesisStream: 'trips', opensearchPassword: secretRef(own.secretArn) },
      secrets: [own],
      startOnDeploy: true,
    });
    const t = Template.fromStack(s);
    t.resourceCountIs('Custom::AWS', 1);
    expect(JSON.stringify(t.findResources('Custom::AWS'))).toContain('startApplication');
    expect(JSON.stringify(t.findResources('AWS::IAM::Policy'))).toContain('kinesisanalytics:StartApplication');
  });

  describe('synth-time errors name the prop and the limit', () => {
    const { stack: s } = testStack();
    const base = { applicationJar: jar, sql: streamSql, secrets: [secret] };

    it('a secret parameter bound to a plain value', () => {
      expect(
        () =>
          new FlinkSqlApplication(s, 'A', {
            ...base,
            parameters: { kinesisStream: 't', opensearchPassword: 'hunter2' },
          }),
      ).toThrow(/^parameters.opensearchPassword: is a secret/);
    });

    it('a secret reference to a secret the application is not given', () => {
      expect(
        () =>
          new FlinkSqlApplication(s, 'B', {
            ...base,
            secrets: [],
            parameters: { kinesisStream: 't', opensearchPassword: secretRef(secret.secretArn) },
          }),
      ).toThrow(/^parameters.opensearchPassword: references a secret that is not in `secrets`/);
    });

    it('a value over 2,048 characters', () => {
      expect(
        () =>
          new FlinkSqlApplication(s, 'C', {
            ...base,
            parameters: { kinesisStream: 'x'.repeat(2049), opensearchPassword: secretRef(secret.secretArn) },
          }),
      ).toThrow(/^parameters: .*2049 characters as a runtime property, over Managed Flink's 2048/);
    });

    it('more than 50 properties in a group, a missing parameter, bad parallelism', () => {
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      const parameters = { kinesisStream: 't', opensearchPassword: secretRef(secret.secretArn) };
      expect(
        () => new FlinkSqlApplication(s, 'D', { ...base, parameters, extraPropertyGroups: { Extra: many } }),
      ).toThrow('propertyGroups.Extra: at most 50 properties per group, got 51');
      expect(() => new FlinkSqlApplication(s, 'E', { ...base, parameters: { kinesisStream: 't' } as never })).toThrow(
        /^parameters: .*missing opensearchPassword/,
      );
      expect(() => new FlinkSqlApplication(s, 'F', { ...base, parameters, parallelism: 0 })).toThrow(
        'parallelism: must be an integer from 1 to 1000, got 0',
      );
      expect(
        () => new FlinkSqlApplication(s, 'G', { ...base, parameters, checkpointInterval: Duration.millis(10) }),
      ).toThrow(/^checkpointInterval \(ms\)/);
    });
  });
});
