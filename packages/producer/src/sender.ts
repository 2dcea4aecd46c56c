import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { classifyError } from './classify.js';
import type { KinesisApi } from './client.js';
import type { PutRecordsBatch } from './collector.js';
import type { ProducerMetrics } from './metrics.js';
import type { KinesisRecord, PendingRecord } from './pending-record.js';
import type { Retrier } from './retrier.js';
import type { Settlement } from './settlement.js';

export interface SenderStages {
  readonly api: KinesisApi;
  readonly retrier: Retrier;
  readonly settlement: Settlement;
  readonly metrics: ProducerMetrics;
  readonly logger: { error(message: string, context?: Record<string, unknown>): void };
  /** Sends a record through the aggregator again (its aggregate had an expired or settled member). */
  requeue(record: PendingRecord, now: number): void;
  /** A request ended (answered or failed): a connection is free. */
  requestEnded(): void;
}

/** Sends `PutRecords` requests, one per batch, and hands every answer or error to the retrier. */
export class Sender {
  private running = 0;
  private readonly batches = new Set<PutRecordsBatch>();

  constructor(
    private readonly stream: { StreamName?: string; StreamARN?: string },
    private readonly requestTimeout: number,
    private readonly stages: SenderStages,
  ) {}

  /** Requests in flight. */
  get inFlight(): number {
    return this.running;
  }

  /** User records in requests still in flight (close at its deadline). */
  inFlightRecords(): PendingRecord[] {
    const out: PendingRecord[] = [];
    for (const batch of this.batches) for (const kr of batch.records) out.push(...kr.records);
    return out;
  }

  send(batch: PutRecordsBatch): void {
    const start = Date.now();
    const { settlement, metrics } = this.stages;
    const sendable: KinesisRecord[] = [];
    for (const kr of batch.records) {
      if (kr.records.some((r) => r.settled || start >= r.expiresAt)) {
        // Expired while waiting for tokens or a connection: fail those, re-aggregate the rest.
        for (const r of kr.records) {
          if (r.settled) continue;
          if (start >= r.expiresAt) settlement.expire(r);
          else this.stages.requeue(r, start);
        }
        continue;
      }
      sendable.push(kr);
    }
    if (sendable.length === 0) {
      this.stages.requestEnded();
      return;
    }
    const sent: PutRecordsBatch = { records: sendable, size: batch.size, deadline: batch.deadline };
    const entries: PutRecordsRequestEntry[] = new Array(sendable.length);
    for (let i = 0; i < sendable.length; i++) {
      const kr = sendable[i]!;
      const entry: PutRecordsRequestEntry = { Data: kr.data, PartitionKey: kr.partitionKey };
      if (kr.explicitHashKey !== undefined) entry.ExplicitHashKey = kr.explicitHashKey;
      entries[i] = entry;
      for (const r of kr.records) {
        if (r.attempts.length === 0) metrics.bufferingTime.add(start - r.putAt);
      }
    }
    this.running++;
    this.batches.add(sent);
    metrics.putRecordsRequests++;
    metrics.kinesisRecordsPerRequest.add(sendable.length);
    const { retrier } = this.stages;
    this.stages.api
      .putRecords({ ...this.stream, Records: entries }, this.requestTimeout)
      .then(
        (output) => retrier.onResponse(sent, output, start),
        (error: unknown) => retrier.onRequestFailed(sent, classifyError(error), start),
      )
      .catch((error: unknown) => {
        this.stages.logger.error('internal error handling a PutRecords response', { error: String(error) });
        retrier.onRequestFailed(sent, classifyError(error), start);
      })
      .finally(() => {
        this.running--;
        this.batches.delete(sent);
        this.stages.requestEnded();
      });
  }
}
