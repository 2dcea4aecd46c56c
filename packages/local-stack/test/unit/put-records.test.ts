import { describe, expect, it } from 'vitest';
import { type InjectedFailure, mergeResults, splitEntries } from '../../src/internal/put-records.js';

const PTEE: InjectedFailure = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' };
const INTERNAL: InjectedFailure = { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };

describe('splitEntries', () => {
  it('keeps forwarded entries in order with their original indexes', () => {
    const entries = ['a', 'b', 'c', 'd', 'e'];
    const split = splitEntries(entries, (_e, i) => (i === 1 ? PTEE : i === 3 ? INTERNAL : undefined));
    expect(split.forward).toEqual(['a', 'c', 'e']);
    expect(split.forwardIndexes).toEqual([0, 2, 4]);
    expect([...split.injected]).toEqual([
      [1, PTEE],
      [3, INTERNAL],
    ]);
  });

  it('handles all-forwarded and none-forwarded', () => {
    expect(splitEntries([1, 2], () => undefined).forward).toEqual([1, 2]);
    const none = splitEntries([1, 2], () => PTEE);
    expect(none.forward).toEqual([]);
    expect(none.injected.size).toBe(2);
  });
});

describe('mergeResults', () => {
  it('puts target results and injected failures back in the original order', () => {
    const split = splitEntries(['a', 'b', 'c', 'd', 'e'], (_e, i) => (i === 0 ? INTERNAL : i === 3 ? PTEE : undefined));
    const target = [
      { SequenceNumber: '1', ShardId: 'shardId-000000000000' },
      { SequenceNumber: '2', ShardId: 'shardId-000000000001' },
      { SequenceNumber: '3', ShardId: 'shardId-000000000000' },
    ];
    const merged = mergeResults(5, split.forwardIndexes, target, split.injected);
    expect(merged.FailedRecordCount).toBe(2);
    expect(merged.Records).toEqual([
      { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' },
      target[0],
      target[1],
      { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' },
      target[2],
    ]);
  });

  it("counts the target's own failed entries, ignoring null ErrorCodes (kinesis-mock sends nulls)", () => {
    const split = splitEntries(['a', 'b', 'c'], (_e, i) => (i === 2 ? PTEE : undefined));
    const target = [
      { ErrorCode: null, ErrorMessage: null, SequenceNumber: '1', ShardId: 's' },
      { ErrorCode: 'InternalFailure', ErrorMessage: 'boom' },
    ];
    const merged = mergeResults(3, split.forwardIndexes, target, split.injected);
    expect(merged.FailedRecordCount).toBe(2);
    expect(merged.Records.map((r) => r.ErrorCode ?? null)).toEqual([null, 'InternalFailure', PTEE.ErrorCode]);
  });

  it('answers all entries when nothing was forwarded', () => {
    const split = splitEntries(['a', 'b'], () => PTEE);
    const merged = mergeResults(2, split.forwardIndexes, [], split.injected);
    expect(merged).toEqual({ FailedRecordCount: 2, Records: [PTEE, PTEE] });
  });

  it('rejects a target answer with the wrong number of entries', () => {
    const split = splitEntries(['a', 'b'], () => undefined);
    expect(() => mergeResults(2, split.forwardIndexes, [{ SequenceNumber: '1' }], split.injected)).toThrow(
      /answered 1 entries for 2/,
    );
  });
});
