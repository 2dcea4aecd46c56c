import { deaggregate } from '@pipeline/kpl-aggregation';
import type { WriteOutcome } from './outcomes.js';
import type { OpenSearchSink } from './sink.js';

/** One record of a Lambda Kinesis event (`event.Records[i]`), as AWS sends it. */
export interface KinesisStreamRecord {
  /** `shardId-000000000000:49590338271490256608559692538361571095921575989136588898` */
  readonly eventID: string;
  readonly eventSourceARN?: string;
  readonly kinesis: {
    readonly partitionKey: string;
    /** Base64. */
    readonly data: string;
    readonly sequenceNumber: string;
    readonly approximateArrivalTimestamp?: number;
    readonly explicitHashKey?: string;
  };
}

/** A Lambda Kinesis event. */
export interface KinesisStreamEvent {
  readonly Records: readonly KinesisStreamRecord[];
}

/** The partial batch response (needs `FunctionResponseTypes: ["ReportBatchItemFailures"]` on the event source). */
export interface KinesisBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: string }>;
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

/** One user record: a KPL sub-record of an aggregated Kinesis record, or a plain record (`subSequenceNumber` 0). */
export interface KinesisUserRecord {
  readonly shardId: string;
  /** Sequence number of the Kinesis record that carried it (the `itemIdentifier` if it fails). */
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number;
  readonly aggregated: boolean;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
  readonly approximateArrivalTimestamp: number | undefined;
  readonly eventSourceARN: string | undefined;
}

/** Options of {@link createKinesisHandler}. */
export interface KinesisHandlerOptions<T> {
  /** The sink, created once outside the handler (reused across invocations). */
  sink: OpenSearchSink<T>;
  /** Record → document; `undefined` skips the record. Default: the data parsed as UTF-8 JSON. */
  toDocument?: (record: KinesisUserRecord) => T | undefined | Promise<T | undefined>;
  /**
   * Document id. Default `<shardId>-<sequenceNumber>-<subSequenceNumber>`, so a replayed batch overwrites (or, with
   * `create`, 409s) instead of duplicating. `false`: use the sink's own `id` function (or none).
   */
  id?: ((record: KinesisUserRecord, document: T) => string | undefined) | false;
  /**
   * A record `toDocument` threw on. When set, it is called (awaited) and the record counts as handled; without it the
   * record is reported in `batchItemFailures` — and being deterministic, it fails again on every replay.
   */
  onInvalidRecord?: (error: unknown, record: KinesisUserRecord) => void | Promise<void>;
  /**
   * Stop waiting this long before the invocation's timeout, ms: records not settled by then are reported as failures
   * (Lambda replays them; deterministic ids make that safe). Default 2000.
   */
  timeoutMarginMs?: number;
}

/** The default document id of a user record. */
export function kinesisRecordId(record: KinesisUserRecord): string {
  return `${record.shardId}-${record.sequenceNumber}-${record.subSequenceNumber}`;
}

function shardIdOf(record: KinesisStreamRecord): string {
  const colon = record.eventID.indexOf(':');
  return colon > 0 ? record.eventID.slice(0, colon) : record.eventID;
}

const decoder = new TextDecoder();

function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A Lambda handler for Kinesis event sources: unpacks KPL aggregates, maps user records to documents with
 * replay-safe ids, indexes them through the sink, and answers `batchItemFailures` with the sequence number of every
 * Kinesis record that has a user record neither indexed nor dead-lettered (Lambda resumes from the lowest).
 */
export function createKinesisHandler<T>(
  options: KinesisHandlerOptions<T>,
): (event: KinesisStreamEvent, context?: LambdaContextLike) => Promise<KinesisBatchResponse> {
  const { sink } = options;
  const toDocument =
    options.toDocument ?? ((record: KinesisUserRecord) => JSON.parse(decoder.decode(record.data)) as T);
  const idOf =
    options.id === false ? undefined : (options.id ?? ((record: KinesisUserRecord) => kinesisRecordId(record)));
  const margin = options.timeoutMarginMs ?? 2000;

  return async (event, context) => {
    const failed = new Set<string>();
    const writes: Array<Promise<unknown>> = [];
    const unsettled = new Map<Promise<unknown>, string>();
    for (const record of event.Records) {
      const sequenceNumber = record.kinesis.sequenceNumber;
      const shardId = shardIdOf(record);
      const data = Buffer.from(record.kinesis.data, 'base64');
      const base = {
        partitionKey: record.kinesis.partitionKey,
        data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      };
      const subRecords = deaggregate(
        record.kinesis.explicitHashKey === undefined
          ? base
          : { ...base, explicitHashKey: record.kinesis.explicitHashKey },
      );
      const aggregated = subRecords.length !== 1 || subRecords[0]!.data !== base.data;
      for (const sub of subRecords) {
        const user: KinesisUserRecord = {
          shardId,
          sequenceNumber,
          subSequenceNumber: sub.subSequenceNumber,
          aggregated,
          partitionKey: sub.partitionKey,
          explicitHashKey: sub.explicitHashKey,
          data: sub.data,
          approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
          eventSourceARN: record.eventSourceARN,
        };
        let document: T | undefined;
        try {
          document = await toDocument(user);
        } catch (error) {
          if (options.onInvalidRecord === undefined) {
            failed.add(sequenceNumber);
          } else {
            try {
              await options.onInvalidRecord(error, user);
            } catch {
              failed.add(sequenceNumber);
            }
          }
          continue;
        }
        if (document === undefined) continue;
        const id = idOf?.(user, document);
        const write = sink.write(document, id === undefined ? undefined : { id }).then(
          (outcome: WriteOutcome<T>) => {
            // It may have been applied: Lambda retries the record, which its replay-safe id makes harmless.
            if (outcome.status === 'unknown') failed.add(sequenceNumber);
            return outcome;
          },
          () => {
            failed.add(sequenceNumber);
          },
        );
        unsettled.set(write, sequenceNumber);
        write.then(() => unsettled.delete(write));
        writes.push(write);
      }
    }
    // Send the tail now instead of at the flush interval.
    const flushed = sink.flush();
    flushed.catch(() => {});
    const all = Promise.all(writes);
    if (context !== undefined) {
      const wait = Math.max(0, context.getRemainingTimeInMillis() - margin);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), wait);
      });
      const result = await Promise.race([all, deadline]);
      clearTimeout(timer);
      if (result === 'timeout') for (const sequenceNumber of unsettled.values()) failed.add(sequenceNumber);
    } else {
      await all;
    }
    return {
      batchItemFailures: [...failed].sort(compareSequence).map((itemIdentifier) => ({ itemIdentifier })),
    };
  };
}
