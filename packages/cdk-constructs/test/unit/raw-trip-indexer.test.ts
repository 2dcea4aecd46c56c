import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { IngestStream, RawTripIndexer } from '../../src/index.js';
import { ECHO_HANDLER, testStack } from './helpers/stack.js';

describe('RawTripIndexer', () => {
  const { stack } = testStack();
  const stream = new IngestStream(stack, 'Ingest').stream;
  const indexer = new RawTripIndexer(stack, 'Indexer', { stream, functionProps: { entry: ECHO_HANDLER } });
  const template = Template.fromStack(stack);

  it('consumes the stream with bisect on error, bounded retries, partial batch responses and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 86_400,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('FailureQueue'), 'Arn'] } },
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs22.x', Timeout: 120 });
  });

  it('alarms on errors, iterator age and failed batches', () => {
    expect(indexer.alarms.map((a) => a.node.id)).toEqual(['ErrorsAlarm', 'IteratorAgeAlarm', 'FailedBatchesAlarm']);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'IteratorAge', Threshold: 3_600_000 });
  });

  it('takes an existing function, but not with functionProps, and needs one of the two', () => {
    const { stack: s } = testStack();
    const sStream = new IngestStream(s, 'I').stream;
    const fn = new lambda.Function(s, 'Fn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ batchItemFailures: [] });'),
    });
    expect(new RawTripIndexer(s, 'Uses', { stream: sStream, existingFunction: fn }).function).toBe(fn);
    expect(
      () =>
        new RawTripIndexer(s, 'Both', {
          stream: sStream,
          existingFunction: fn,
          functionProps: { entry: ECHO_HANDLER },
        }),
    ).toThrow('existingFunction: give existingFunction or functionProps, not both');
    expect(() => new RawTripIndexer(s, 'None', { stream: sStream })).toThrow(
      'functionProps: give existingFunction or functionProps',
    );
    expect(() => new RawTripIndexer(s, 'Big', { stream: sStream, existingFunction: fn, batchSize: 10_001 })).toThrow(
      'batchSize: must be an integer from 1 to 10000, got 10001',
    );
  });
});
