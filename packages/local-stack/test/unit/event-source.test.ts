import type { KinesisStreamRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { lowestFailure, startKinesisEventSource } from '../../src/kinesis/event-source.js';

const record = (sequenceNumber: string) => ({ kinesis: { sequenceNumber } }) as unknown as KinesisStreamRecord;
const batch = ['100', '200', '300'].map(record);

describe('batchItemFailures, as Lambda reads them', () => {
  it.each([undefined, null, '', 42, {}, { batchItemFailures: null }, { batchItemFailures: [] }])(
    '%j is a complete success',
    (response) => {
      expect(lowestFailure(response, batch)).toEqual({ kind: 'success' });
    },
  );

  it('resumes from the lowest failed sequence number', () => {
    expect(lowestFailure({ batchItemFailures: [{ itemIdentifier: '300' }, { itemIdentifier: '200' }] }, batch)).toEqual(
      { kind: 'partial', index: 1 },
    );
  });

  it.each([
    [{ batchItemFailures: [{ itemIdentifier: '' }] }, 'an itemIdentifier is empty or missing'],
    [{ batchItemFailures: [{ itemIdentifier: null }] }, 'an itemIdentifier is empty or missing'],
    [{ batchItemFailures: [{ id: '100' }] }, 'an itemIdentifier is empty or missing'],
    [{ batchItemFailures: [{ itemIdentifier: '999' }] }, 'itemIdentifier 999 is not in the batch'],
    [{ batchItemFailures: 'all' }, 'batchItemFailures is not a list'],
  ])('%j fails the whole batch', (response, reason) => {
    expect(lowestFailure(response, batch)).toEqual({ kind: 'invalid', reason });
  });
});

describe('options', () => {
  it.each([
    [{ batchSize: 0 }, 'batchSize must be an integer from 1 to 10000, got 0'],
    [{ batchSize: 10_001 }, 'batchSize must be an integer from 1 to 10000, got 10001'],
    [{ maximumBatchingWindowInSeconds: 301 }, 'maximumBatchingWindowInSeconds must be an integer from 0 to 300'],
    [{ maximumRetryAttempts: -2 }, 'maximumRetryAttempts must be an integer from -1 to 10000, got -2'],
    [{ startingPosition: 'AT_TIMESTAMP' as const }, 'AT_TIMESTAMP needs startingPositionTimestamp'],
  ])('rejects %j before any call', async (extra, message) => {
    await expect(
      startKinesisEventSource({
        kinesisEndpoint: 'http://127.0.0.1:1',
        streamName: 's',
        handler: () => undefined,
        ...extra,
      }),
    ).rejects.toThrow(message);
  });
});
