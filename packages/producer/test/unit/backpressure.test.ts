import { KinesisProducer, type PutOutcome, PutRecordError } from '@pipeline/producer';
import { describe, expect, it } from 'vitest';
import { InProcessKinesis } from '../support/in-process-kinesis.js';

describe('KinesisProducer: bounded memory', () => {
  it('streams 1,000,000 records through putAll without exceeding its outstanding limit', async () => {
    const kinesis = new InProcessKinesis(4);
    const limit = 5000;
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: limit,
      recordMaxBufferedTime: 5,
    });
    const total = 1_000_000;
    let pulled = 0;
    let settled = 0;
    let highWater = 0;
    function* source() {
      for (let i = 0; i < total; i++) {
        pulled++;
        highWater = Math.max(highWater, pulled - settled);
        yield { partitionKey: `p${i % 997}`, data: `r${i}` };
      }
    }
    let failures = 0;
    for await (const outcome of producer.putAll(source())) {
      settled++;
      if (!outcome.ok) failures++;
    }
    await producer.close();
    const m = producer.metrics();
    expect(failures).toBe(0);
    expect(settled).toBe(total);
    expect(m.UserRecordsPut).toBe(total);
    // Pulled minus settled as this loop sees it: the limit, plus the record in hand while putAll waits for room,
    // plus one outcome handed over but not yet counted here.
    expect(highWater).toBeLessThanOrEqual(limit + 2);
    expect(m.OutstandingRecordsHighWaterMark).toBeLessThanOrEqual(limit);
    expect(m.OutstandingRecordsHighWaterMark).toBeLessThanOrEqual(highWater);
    expect(m.OutstandingRecordsHighWaterMark).toBeGreaterThan(limit / 2);
  }, 120_000);

  it('reports every outcome from putAll, failures included, with the source index', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({ streamName: kinesis.streamName, client: kinesis.client() });
    const input = [
      { partitionKey: 'a', data: 'ok-0' },
      { partitionKey: '', data: 'bad-1' },
      { partitionKey: 'c', data: 'ok-2' },
    ];
    const outcomes: PutOutcome[] = [];
    for await (const outcome of producer.putAll(input)) outcomes.push(outcome);
    outcomes.sort((a, b) => a.index - b.index);
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const bad = outcomes[1]!;
    expect(bad.ok === false && bad.error.code).toBe('InvalidPartitionKey');
    expect(bad.record).toBe(input[1]);
    await producer.close();
  });

  it('stops pulling when the consumer stops reading', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: 10,
    });
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield { partitionKey: `k${i}`, data: 'x' };
      }
    }
    let read = 0;
    for await (const _ of producer.putAll(source())) {
      if (++read === 5) break;
    }
    await producer.close();
    expect(pulled).toBeLessThan(30);
  });

  it('surfaces a failing source after the outcomes of what it yielded', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({ streamName: kinesis.streamName, client: kinesis.client() });
    async function* source() {
      yield { partitionKey: 'k', data: 'x' };
      throw new Error('csv broke at line 2');
    }
    const seen: PutOutcome[] = [];
    await expect(
      (async () => {
        for await (const outcome of producer.putAll(source())) seen.push(outcome);
      })(),
    ).rejects.toThrow('csv broke at line 2');
    expect(seen).toHaveLength(1);
    await producer.close();
  });

  it("whenFull: 'reject' rejects with BufferFull instead of waiting", async () => {
    const kinesis = new InProcessKinesis(1);
    kinesis.hooks.latencyMs = 50;
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: 3,
      whenFull: 'reject',
    });
    await producer.put({ partitionKey: 'warm', data: 'x' });
    const puts = Array.from({ length: 5 }, (_, i) =>
      producer.put({ partitionKey: `k${i}`, data: 'x' }).catch((e) => e),
    );
    const out = await Promise.all(puts);
    const full = out.filter((o): o is PutRecordError => o instanceof PutRecordError);
    expect(full).toHaveLength(2);
    expect(full[0]!.code).toBe('BufferFull');
    expect(full[0]!.message).toContain('maxOutstandingRecords 3');
    await producer.close();
  });

  it('put waits for capacity by default and keeps order of admission', async () => {
    const kinesis = new InProcessKinesis(1);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: 2,
      aggregationEnabled: false,
      recordMaxBufferedTime: 1,
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => producer.put({ partitionKey: 'same', data: `${i}` })),
    );
    const seq = results.map((r) => BigInt(r.sequenceNumber));
    expect([...seq].sort((a, b) => (a < b ? -1 : 1))).toEqual(seq);
    expect(producer.metrics().OutstandingRecordsHighWaterMark).toBe(2);
    await producer.close();
  });
});
