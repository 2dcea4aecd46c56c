import { readTripCsvFile, type Trip } from '@pipeline/example-taxi';
import {
  type FirehoseTransformationResult,
  LAMBDA_RESPONSE_LIMIT,
  type Logger,
  type OverflowRecord,
} from '@pipeline/firehose-transform';
import {
  assertValidResponse,
  buildEvent,
  countResults,
  decodeResponse,
  eventBytes,
  lambdaContext,
} from '@pipeline/firehose-transform/testing';
import { validate } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { enrichedTripSchema } from '../../src/schema.js';
import { createTripTransform, enrichTrip, TRIP_SOURCE, tripPartitionKeys } from '../../src/transform.js';
import { collect, fixturePath, sampleExists, samplePath } from '../helpers/paths.js';

interface Logged {
  readonly recordId: unknown;
  readonly reason: unknown;
}

function memoryLogger(): Logger & { failures: Logged[] } {
  const failures: Logged[] = [];
  const noop = (): void => {};
  return {
    failures,
    debug: noop,
    info: noop,
    warn: (_message, context) => {
      if (context?.recordId !== undefined) failures.push({ recordId: context.recordId, reason: context.reason });
    },
    error: noop,
  };
}

/** Checks a response in which every record should be Ok: the enriched trip, valid, with its partition keys. */
function expectAllOk(trips: readonly Trip[], response: FirehoseTransformationResult): void {
  expect(countResults(response)).toEqual({ Ok: trips.length, Dropped: 0, ProcessingFailed: 0 });
  decodeResponse(response).forEach((record, i) => {
    const trip = trips[i] as Trip;
    const output = record.json();
    expect(output).toEqual({ ...trip, source: TRIP_SOURCE });
    expect(validate(enrichedTripSchema, output).issues, trip.id).toBeUndefined();
    expect(record.partitionKeys).toEqual(tripPartitionKeys(trip));
  });
}

if (!sampleExists) {
  console.warn(
    `Skipping the real-sample transform test: ${samplePath} does not exist (it lives in shared/, outside the repo).`,
  );
}

describe('taxi transform', () => {
  it.skipIf(!sampleExists)(
    `turns all 342 real sample rows into Ok records (${samplePath}; skipped when absent)`,
    async () => {
      const trips = await collect(readTripCsvFile(samplePath));
      expect(trips).toHaveLength(342);
      const logger = memoryLogger();
      const handler = createTripTransform({ logger });
      // Stream-fed, with the metadata in the AWS documentation's string form.
      const event = buildEvent(trips, { source: 'kinesis', metadataForm: 'string' });
      const response = await handler(event, lambdaContext());
      assertValidResponse(event, response);
      expect(logger.failures).toEqual([]);
      expectAllOk(trips, response);
      // taxi-data.md §2: pickups 2016-01-08 20:50 → 21:56, 56 in hour 20 and 286 in hour 21.
      const hours = new Map<string, number>();
      for (const record of decodeResponse(response)) {
        const key = Object.values(record.partitionKeys ?? {}).join('/');
        hours.set(key, (hours.get(key) ?? 0) + 1);
      }
      expect(Object.fromEntries(hours)).toEqual({ '2016/01/08/20': 56, '2016/01/08/21': 286 });
    },
  );

  it('turns every row of the committed fixture into an Ok record', async () => {
    const trips = await collect(readTripCsvFile(fixturePath));
    expect(trips).toHaveLength(300);
    const handler = createTripTransform({ logger: memoryLogger() });
    const event = buildEvent(trips);
    const response = await handler(event, lambdaContext());
    assertValidResponse(event, response);
    expectAllOk(trips, response);
  });

  it('fails only injected bad rows, each naming the field', async () => {
    const trips = await collect(readTripCsvFile(fixturePath));
    const injected = new Map<number, [Record<string, unknown>, RegExp]>([
      [
        3,
        [
          { ...trips[3], pickupDate: '2016-01-08T20:50:00' },
          /^invalid record: pickupDate: "2016-01-08T20:50:00" has no time zone/,
        ],
      ],
      [40, [{ ...trips[40], pickupLatitude: 95 }, /^invalid record: pickupLatitude: 95 is above max 90$/]],
      [41, [{ ...trips[41], dropoffLongitude: 'west' }, /^invalid record: dropoffLongitude: expected double/]],
      [99, [{ ...trips[99], vendorId: 3 }, /^invalid record: vendorId: 3 is not one of 1, 2$/]],
      [150, [{ ...trips[150], dropoffDate: undefined }, /^invalid record: dropoffDate: required field is missing$/]],
      [151, [{ ...trips[151], passengerCount: '2' }, /^invalid record: passengerCount: expected int/]],
      [299, [{ ...trips[299], tripDuration: -5 }, /^invalid record: tripDuration: -5 is below min 0$/]],
    ]);
    const rows = trips.map((trip, i) => injected.get(i)?.[0] ?? trip);
    const logger = memoryLogger();
    const handler = createTripTransform({ logger });
    const event = buildEvent(rows);
    const response = await handler(event, lambdaContext());
    assertValidResponse(event, response);

    const failedAt = response.records.flatMap((r, i) => (r.result === 'ProcessingFailed' ? [i] : []));
    expect(failedAt).toEqual([...injected.keys()]);
    for (const [i, [, reason]] of injected) {
      const logged = logger.failures.find((f) => f.recordId === event.records[i]?.recordId);
      expect(String(logged?.reason), `row ${i}`).toMatch(reason);
    }
    const decoded = decodeResponse(response);
    trips.forEach((trip, i) => {
      if (!injected.has(i)) expect(decoded[i]?.json()).toEqual(enrichTrip(trip));
    });
  });

  it('fails a record that is not JSON, and one with an unknown field', async () => {
    const [trip] = await collect(readTripCsvFile(fixturePath));
    const logger = memoryLogger();
    const handler = createTripTransform({ logger });
    const response = await handler(buildEvent(['id1,2,3', { ...trip, fare: 12.5 }, trip as Trip]), lambdaContext());
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'ProcessingFailed', 'Ok']);
    expect(logger.failures.map((f) => f.reason)).toEqual([
      expect.stringMatching(/^data is not valid JSON: /),
      'invalid record: fare: unknown field (schema "trip" does not define it)',
    ]);
  });

  it('keeps a full 6 MB batch within the response limit: the overflow fails visibly and reaches onOverflow', async () => {
    const trips = await collect(readTripCsvFile(fixturePath));
    const many = Array.from({ length: 34 }, () => trips).flat();
    const event = buildEvent(many);
    // The request fits Lambda's 6 MB limit, but each answer carries `source` and four partition keys, so the
    // response would not.
    expect(eventBytes(event)).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
    let overflow: readonly OverflowRecord[] = [];
    const logger = memoryLogger();
    const handler = createTripTransform({
      logger,
      onOverflow: (records) => {
        overflow = records;
      },
    });
    const response = await handler(event, lambdaContext());
    assertValidResponse(event, response);
    const counts = countResults(response);
    expect(counts.ProcessingFailed).toBeGreaterThan(0);
    expect(counts.Ok + counts.ProcessingFailed).toBe(many.length);
    const firstFailed = response.records.findIndex((r) => r.result === 'ProcessingFailed');
    expect(firstFailed).toBe(counts.Ok);
    expect(overflow.map((r) => r.record.recordId)).toEqual(response.records.slice(firstFailed).map((r) => r.recordId));
    expect(overflow[0]?.partitionKeys).toEqual(tripPartitionKeys(many[firstFailed] as Trip));
    expect(logger.failures).toEqual([]); // overflow is logged once per batch, not per record
  });
});
