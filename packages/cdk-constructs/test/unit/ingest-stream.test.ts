import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import { describe, expect, it } from 'vitest';
import { IngestStream } from '../../src/index.js';
import { testStack } from './helpers/stack.js';

describe('IngestStream', () => {
  const { stack } = testStack();
  const ingest = new IngestStream(stack, 'Ingest');
  const template = Template.fromStack(stack);

  it('is on-demand with the AWS managed key set explicitly and 24 h retention', () => {
    template.hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'ON_DEMAND' },
      StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      RetentionPeriodHours: 24,
    });
    template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Retain' });
  });

  it('alarms at 50% of the retention of iterator age, and on throttling and failed records', () => {
    expect(ingest.alarms).toHaveLength(4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Threshold: 43_200_000,
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    for (const metric of [
      'ReadProvisionedThroughputExceeded',
      'WriteProvisionedThroughputExceeded',
      'PutRecords.FailedRecords',
    ]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('scales the iterator-age alarm with the retention', () => {
    const { stack: s } = testStack();
    new IngestStream(s, 'Week', { streamProps: { retention: Duration.days(7) } });
    Template.fromStack(s).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Threshold: 7 * 24 * 3600 * 1000 * 0.5,
    });
  });

  it('makes a provisioned stream with a shard count, and names the prop when it is missing or misplaced', () => {
    const { stack: s } = testStack();
    new IngestStream(s, 'P', { streamProps: { streamMode: kinesis.StreamMode.PROVISIONED, shardCount: 2 } });
    Template.fromStack(s).hasResourceProperties('AWS::Kinesis::Stream', {
      ShardCount: 2,
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
    });
    const { stack: errors } = testStack();
    expect(
      () => new IngestStream(errors, 'NoShards', { streamProps: { streamMode: kinesis.StreamMode.PROVISIONED } }),
    ).toThrow('streamProps.shardCount: required with streamMode PROVISIONED');
    expect(() => new IngestStream(errors, 'OnDemandShards', { streamProps: { shardCount: 2 } })).toThrow(
      /streamProps.shardCount: only with/,
    );
    expect(() => new IngestStream(errors, 'Short', { streamProps: { retention: Duration.hours(12) } })).toThrow(
      /from 24 to 8760/,
    );
  });

  it('uses an existing stream, but not with streamProps', () => {
    const { stack: s } = testStack();
    const existing = kinesis.Stream.fromStreamArn(s, 'E', 'arn:aws:kinesis:eu-west-1:123456789012:stream/trips');
    expect(new IngestStream(s, 'Uses', { existingStream: existing }).stream).toBe(existing);
    expect(() => new IngestStream(s, 'Both', { existingStream: existing, streamProps: {} })).toThrow(
      'existingStream: give existingStream or streamProps, not both',
    );
  });
});
