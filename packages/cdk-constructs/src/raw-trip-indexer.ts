/**
 * The raw-record indexer: a Lambda (the `@pipeline/opensearch-sink` Kinesis consumer, `createKinesisHandler`) on a
 * Kinesis event source with the settings that consumer documents — partial batch responses, bisect on error,
 * bounded retries and record age, and an encrypted SQS on-failure destination — plus its alarms.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createAlarm } from './alarm.js';
import { acknowledge } from './nag.js';
import { type TransformFunctionProps, transformFunction } from './transform-function.js';
import { ConfigurationError, checkInteger, existingOrProps } from './validation.js';

export interface RawTripIndexerProps {
  readonly stream: kinesis.IStream;
  /** The consumer Lambda to use. */
  readonly existingFunction?: lambda.IFunction;
  /** A new consumer Lambda (Node 22, local esbuild). Not with `existingFunction`; one of the two is required. */
  readonly functionProps?: TransformFunctionProps;
  /** Records per invocation (1–10,000). Default 100. */
  readonly batchSize?: number;
  /** Wait up to this long to fill a batch (0–300 s). Default 5 s. */
  readonly maxBatchingWindow?: Duration;
  /** Concurrent batches per shard (1–10). Default 1 (keeps per-shard order). */
  readonly parallelizationFactor?: number;
  /** Retries of a failed batch (0–10,000). Default 10. */
  readonly retryAttempts?: number;
  /** Records older than this go to the on-failure destination (60 s – 7 days). Default 24 hours. */
  readonly maxRecordAge?: Duration;
  /** Default `TRIM_HORIZON`. */
  readonly startingPosition?: lambda.StartingPosition;
  /** On-failure destination. Default: a new encrypted queue (14 days retention). */
  readonly existingFailureQueue?: sqs.IQueue;
  /** Lambda `IteratorAge` alarm threshold. Default 1 hour. */
  readonly iteratorAgeAlarmThreshold?: Duration;
}

/** Kinesis → Lambda (opensearch-sink consumer) → OpenSearch, with an on-failure queue and alarms. */
export class RawTripIndexer extends Construct {
  readonly function: lambda.IFunction;
  readonly failureQueue: sqs.IQueue;
  readonly eventSource: sources.KinesisEventSource;
  /** Errors, iterator age, records in the on-failure queue. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: RawTripIndexerProps) {
    super(scope, id);
    const choice = existingOrProps('existingFunction', props.existingFunction, 'functionProps', props.functionProps);
    if ('existing' in choice) this.function = choice.existing;
    else if (choice.props)
      this.function = transformFunction(this, 'Function', { timeout: Duration.minutes(2), ...choice.props });
    else throw new ConfigurationError('functionProps', 'give existingFunction or functionProps');
    const batchSize = props.batchSize ?? 100;
    const retryAttempts = props.retryAttempts ?? 10;
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(24);
    const window = props.maxBatchingWindow ?? Duration.seconds(5);
    checkInteger('batchSize', batchSize, 1, 10_000);
    checkInteger('retryAttempts', retryAttempts, 0, 10_000);
    checkInteger('parallelizationFactor', parallelizationFactor, 1, 10);
    checkInteger('maxRecordAge (seconds)', maxRecordAge.toSeconds(), 60, 604_800);
    checkInteger('maxBatchingWindow (seconds)', window.toSeconds(), 0, 300);

    if (props.existingFailureQueue) {
      this.failureQueue = props.existingFailureQueue;
    } else {
      const queue = new sqs.Queue(this, 'FailureQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy: RemovalPolicy.DESTROY,
      });
      acknowledge(
        queue,
        'AwsSolutions-SQS3',
        'This queue is the dead-letter destination itself: it holds the metadata of batches that failed every retry.',
      );
      this.failureQueue = queue;
    }
    this.eventSource = new sources.KinesisEventSource(props.stream, {
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      batchSize,
      maxBatchingWindow: window,
      parallelizationFactor,
      retryAttempts,
      maxRecordAge,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new sources.SqsDlq(this.failureQueue),
    });
    this.function.addEventSource(this.eventSource);

    const period = Duration.minutes(5);
    this.alarms = [
      createAlarm(this, 'ErrorsAlarm', {
        metric: this.function.metricErrors({ statistic: 'Sum', period }),
        threshold: 1,
        evaluationPeriods: 3,
        description: 'The indexer throws for 15 minutes: the shard is blocked until retries run out',
      }),
      createAlarm(this, 'IteratorAgeAlarm', {
        metric: this.function.metric('IteratorAge', { statistic: 'Maximum', period }),
        threshold: (props.iteratorAgeAlarmThreshold ?? Duration.hours(1)).toMilliseconds(),
        evaluationPeriods: 3,
        description: 'The indexer reads the stream far behind its tip',
      }),
      createAlarm(this, 'FailedBatchesAlarm', {
        metric: this.failureQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period }),
        threshold: 1,
        description: 'Batches gave up after every retry: their metadata is in the on-failure queue',
      }),
    ];
  }
}
