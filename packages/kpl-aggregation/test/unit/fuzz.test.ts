import {
  AggregateBuilder,
  AggregateDecodeError,
  deaggregate,
  decodeAggregate,
  encodeAggregate,
  isAggregated,
  subRecordsOutsideRange,
} from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { theirAggregateSync, theirDeaggregate } from '../helpers/aws-kinesis-agg.js';
import { wrap } from '../helpers/protobuf.js';
import { int, mulberry32, type Rng, randomBytes, randomRecords } from '../helpers/random.js';

/** Runs every decoding entry point; only AggregateDecodeError may escape decodeAggregate, nothing else may throw. */
function exercise(data: Uint8Array): void {
  let decoded: ReturnType<typeof decodeAggregate> | undefined;
  try {
    decoded = decodeAggregate(data);
  } catch (error) {
    if (!(error instanceof AggregateDecodeError)) throw error;
  }
  if (decoded) {
    for (const r of decoded) {
      expect(typeof r.partitionKey).toBe('string');
      expect(r.data.buffer).toBe(data.buffer);
      expect(r.data.byteOffset).toBeGreaterThanOrEqual(data.byteOffset + 4);
      expect(r.data.byteOffset + r.data.byteLength).toBeLessThanOrEqual(data.byteOffset + data.byteLength - 16);
    }
  }
  const passedThrough = deaggregate({ partitionKey: 'outer', data });
  if (decoded) expect(passedThrough).toEqual(decoded);
  else
    expect(passedThrough).toEqual([{ partitionKey: 'outer', explicitHashKey: undefined, data, subSequenceNumber: 0 }]);
  isAggregated(data);
  subRecordsOutsideRange(data, 0n, 2n ** 127n);
}

function mutate(rng: Rng, input: Uint8Array): Uint8Array {
  const bytes = [...input];
  const edits = int(rng, 1, 4);
  for (let e = 0; e < edits; e++) {
    const at = int(rng, 0, Math.max(0, bytes.length - 1));
    switch (int(rng, 0, 4)) {
      case 0:
        bytes[at] = int(rng, 0, 255);
        break;
      case 1:
        bytes.splice(at, 0, int(rng, 0, 255));
        break;
      case 2:
        bytes.splice(at, 1);
        break;
      case 3:
        bytes.length = at;
        break;
      default:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << int(rng, 0, 7));
    }
  }
  return Uint8Array.from(bytes);
}

describe('property: random record sets', () => {
  it('round-trip through our encoder and decoder, byte-equal to aws-kinesis-agg, decodable by it', () => {
    const rng = mulberry32(0x5eed);
    for (let iteration = 0; iteration < 200; iteration++) {
      const records = randomRecords(rng);
      const builder = new AggregateBuilder();
      for (const r of records) builder.add(r);
      const ours = builder.build();
      expect(ours.length).toBe(builder.sizeBytes);
      expect(Buffer.from(ours).equals(Buffer.from(encodeAggregate(records)))).toBe(true);

      const decoded = decodeAggregate(ours);
      expect(decoded.map((d) => [d.partitionKey, d.explicitHashKey, Buffer.from(d.data).toString('hex')])).toEqual(
        records.map((r) => [r.partitionKey, r.explicitHashKey, Buffer.from(r.data).toString('hex')]),
      );

      if (iteration % 4 === 0) {
        expect(Buffer.from(ours).equals(theirAggregateSync(records))).toBe(true);
        const theirs = theirDeaggregate(ours);
        expect(theirs.map((t) => [t.partitionKey, Buffer.from(t.data, 'base64').toString('hex')])).toEqual(
          records.map((r) => [r.partitionKey, Buffer.from(r.data).toString('hex')]),
        );
      }
    }
  });
});

describe('fuzz: hostile input', () => {
  it('random bytes never throw anything but AggregateDecodeError', () => {
    const rng = mulberry32(1);
    for (let i = 0; i < 3000; i++) {
      const raw = randomBytes(rng, int(rng, 0, 64));
      exercise(raw);
      exercise(wrap(raw)); // magic + valid MD5: reaches the protobuf parser
    }
  });

  it('random protobuf-shaped bytes never throw anything but AggregateDecodeError', () => {
    const rng = mulberry32(2);
    // Bias towards bytes that form plausible tags (wire types 0-7 on fields 1-4) and small lengths.
    const vocabulary = [0x0a, 0x12, 0x1a, 0x08, 0x10, 0x22, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x80, 0xff, 0, 1, 2, 3, 5];
    for (let i = 0; i < 3000; i++) {
      const length = int(rng, 1, 48);
      const pb = Array.from({ length }, () =>
        rng() < 0.7 ? vocabulary[int(rng, 0, vocabulary.length - 1)]! : int(rng, 0, 255),
      );
      exercise(wrap(pb));
    }
  });

  it('mutated valid aggregates never throw anything but AggregateDecodeError', () => {
    const rng = mulberry32(3);
    for (let i = 0; i < 400; i++) {
      const records = randomRecords(rng, { maxRecords: 8, maxDataBytes: 24 });
      const valid = encodeAggregate(records);
      const protobuf = valid.subarray(4, valid.length - 16);
      for (let j = 0; j < 5; j++) {
        exercise(wrap(mutate(rng, protobuf))); // MD5 recomputed: exercises the parser
        exercise(mutate(rng, valid)); // MD5 not recomputed: exercises pass-through
      }
    }
  });
});
