/** One `PutRecordsResultEntry` as it appears on the wire (AWS JSON 1.1). */
export interface PutRecordsResultEntry {
  SequenceNumber?: string | null;
  ShardId?: string | null;
  ErrorCode?: string | null;
  ErrorMessage?: string | null;
  [key: string]: unknown;
}

export interface InjectedFailure {
  ErrorCode: string;
  ErrorMessage: string;
}

export interface SplitEntries<E> {
  /** Entries to forward, in original order. */
  forward: E[];
  /** Original index of each forwarded entry. */
  forwardIndexes: number[];
  /** Injected failures by original index. */
  injected: Map<number, InjectedFailure>;
}

/**
 * Splits `entries` into those to forward and those answered with an injected failure. `decide` is called once per
 * entry, in order; return a failure to keep the entry back, or undefined to forward it.
 */
export function splitEntries<E>(
  entries: readonly E[],
  decide: (entry: E, index: number) => InjectedFailure | undefined,
): SplitEntries<E> {
  const forward: E[] = [];
  const forwardIndexes: number[] = [];
  const injected = new Map<number, InjectedFailure>();
  entries.forEach((entry, index) => {
    const failure = decide(entry, index);
    if (failure) {
      injected.set(index, failure);
    } else {
      forward.push(entry);
      forwardIndexes.push(index);
    }
  });
  return { forward, forwardIndexes, injected };
}

export interface MergedPutRecordsResult {
  FailedRecordCount: number;
  Records: PutRecordsResultEntry[];
}

/**
 * Puts the target's result entries (one per forwarded entry, in forwarded order) and the injected failures back
 * into the original order, and recomputes `FailedRecordCount`.
 */
export function mergeResults(
  total: number,
  forwardIndexes: readonly number[],
  targetRecords: readonly PutRecordsResultEntry[],
  injected: ReadonlyMap<number, InjectedFailure>,
): MergedPutRecordsResult {
  if (targetRecords.length !== forwardIndexes.length) {
    throw new Error(`target answered ${targetRecords.length} entries for ${forwardIndexes.length} forwarded`);
  }
  if (forwardIndexes.length + injected.size !== total) {
    throw new Error(`${forwardIndexes.length} forwarded + ${injected.size} injected != ${total} entries`);
  }
  const records = new Array<PutRecordsResultEntry | undefined>(total);
  forwardIndexes.forEach((originalIndex, i) => {
    records[originalIndex] = targetRecords[i];
  });
  for (const [index, failure] of injected) {
    records[index] = { ErrorCode: failure.ErrorCode, ErrorMessage: failure.ErrorMessage };
  }
  const out: PutRecordsResultEntry[] = [];
  let failed = 0;
  for (let i = 0; i < total; i++) {
    const record = records[i];
    if (record === undefined) throw new Error(`no result for entry ${i}`);
    if (typeof record.ErrorCode === 'string' && record.ErrorCode.length > 0) failed++;
    out.push(record);
  }
  return { FailedRecordCount: failed, Records: out };
}
