import { KinesisProducer, reportMetricsAsEmf, toEmf } from '@pipeline/producer';
import { describe, expect, it } from 'vitest';
import { InProcessKinesis } from '../support/in-process-kinesis.js';

describe('metrics', () => {
  it('counts a controlled run exactly', async () => {
    const kinesis = new InProcessKinesis(2);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      aggregationMaxCount: 10,
      recordMaxBufferedTime: 10,
      retryBaseDelay: 1,
      retryMaxDelay: 5,
    });
    let injected = 0;
    kinesis.hooks.entry = (_e, index) => {
      if (kinesis.callsOf('PutRecords').length !== 2 || index !== 0) return undefined;
      injected++;
      return 'InternalFailure';
    };
    let failRequest = true;
    kinesis.hooks.request = (ctx) => {
      if (ctx.operation === 'PutRecords' && failRequest) {
        failRequest = false;
        return { status: 500, type: 'InternalFailure' };
      }
      return undefined;
    };
    const n = 200;
    await Promise.all(Array.from({ length: n }, (_, i) => producer.put({ partitionKey: `k${i}`, data: `d${i}` })));
    await producer.close();
    const m = producer.metrics();
    expect(m.UserRecordsReceived).toBe(n);
    expect(m.UserRecordsPut).toBe(n);
    expect(m.UserRecordsPending).toBe(0);
    expect(m.UserRecordsFailed).toBe(0);
    // Every aggregate holds at most 10 user records; one injected entry failure retries its whole aggregate.
    expect(m.UserRecordsPerKinesisRecord.max).toBeLessThanOrEqual(10);
    expect(m.KinesisRecordsPut).toBe(kinesis.records.length);
    expect(m.Retries).toBe(m.AllErrors);
    expect(m.ErrorsByCode.InternalFailure).toBe(m.AllErrors);
    expect(m.RetriesPerRecord.sum).toBe(m.Retries);
    expect(injected).toBe(1);
    expect(m.BufferingTime.count).toBe(n);
    expect(m.PutRecordsRequests).toBe(kinesis.callsOf('PutRecords').length);
  });

  it('retries equal injected per-record faults plus the user records of failed requests (aggregation off)', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      aggregationEnabled: false,
      recordMaxBufferedTime: 10,
      retryBaseDelay: 1,
      retryMaxDelay: 5,
    });
    let entryFaults = 0;
    let requestFaultRecords = 0;
    kinesis.hooks.request = (ctx) => {
      if (ctx.operation === 'PutRecords' && ctx.call % 3 === 1) {
        requestFaultRecords += (ctx.body.Records as unknown[]).length;
        return { status: 503, type: 'ServiceUnavailable' };
      }
      return undefined;
    };
    kinesis.hooks.entry = (_e, index) => {
      if (index % 7 !== 3) return undefined;
      entryFaults++;
      return 'ProvisionedThroughputExceededException';
    };
    await Promise.all(Array.from({ length: 300 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: `${i}` })));
    await producer.close();
    const m = producer.metrics();
    expect(m.UserRecordsPut).toBe(300);
    expect(m.KinesisRecordsPut).toBe(300);
    expect(m.Retries).toBe(entryFaults + requestFaultRecords);
    expect(m.ErrorsByCode.ServiceUnavailable).toBe(requestFaultRecords);
    expect(m.ErrorsByCode.ProvisionedThroughputExceededException).toBe(entryFaults);
    expect(m.Limiter[0]!.throttles).toBe(entryFaults);
  });

  it('emits metrics events and renders them as CloudWatch EMF', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      metricsInterval: 20,
    });
    const lines: string[] = [];
    const stop = reportMetricsAsEmf(producer, { dimensions: { StreamName: 's' }, write: (l) => lines.push(l) });
    await producer.put({ partitionKey: 'k', data: 'x' });
    await new Promise((r) => setTimeout(r, 60));
    stop();
    await producer.close();
    expect(lines.length).toBeGreaterThan(0);
    const docs = lines.map((l) => JSON.parse(l));
    const doc = docs[0];
    expect(doc.StreamName).toBe('s');
    // Counters are deltas since the previous line: they add up to the totals.
    expect(docs.reduce((sum, d) => sum + d.UserRecordsPut, 0)).toBe(1);
    expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe('KinesisProducerLibrary');
    expect(doc._aws.CloudWatchMetrics[0].Dimensions).toEqual([['StreamName']]);
    const second = toEmf(producer.metrics(), {}, producer.metrics());
    expect(second.UserRecordsPut).toBe(0);
  });
});
