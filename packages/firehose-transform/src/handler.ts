import { ConfigurationError, writeEmfLine } from '@pipeline/commons';
import type { StandardSchemaV1 } from '@pipeline/schema';
import { CONTROL_FIELD, isControlRecord } from '@pipeline/schema';
import { toEmf } from './emf.js';
import {
  base64DecodedLength,
  checkPartitionKeys,
  ENTRY_OVERHEAD,
  ENVELOPE_BYTES,
  encodeData,
  metadataBytes,
  OutputError,
  recordIdBytes,
} from './encode.js';
import { FirehoseEventError, RecordDecodeError, RecordValidationError } from './errors.js';
import type {
  FirehoseInvocation,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
  FirehoseTransformEvent,
  FirehoseTransformEventRecord,
  LambdaContextLike,
} from './event.js';
import {
  type FirehoseTransformOptions,
  type OverflowRecord,
  type ResolvedOptions,
  resolveOptions,
  type TransformContext,
} from './options.js';
import { DecodedRecord, type FirehoseRecord } from './record.js';
import type { PartitionKeys, TransformResult } from './results.js';
import { type BatchSummary, type FailureKind, RESPONSE_BUDGET_REASON, TIMED_OUT_REASON } from './summary.js';
import { describeError, isPromiseLike } from './util.js';
import { formatIssues, type ValidatedOf, type Validator } from './validation.js';

/** The transform function: one decoded record in, one result (`ok`, `dropped`, `failed`) out; may be async. */
export type TransformFunction<T = unknown> = (
  record: FirehoseRecord<T>,
  context: TransformContext,
) => TransformResult | Promise<TransformResult>;

/**
 * The Lambda handler `firehoseTransform` returns. Assignable to `FirehoseTransformationHandler` from
 * `@types/aws-lambda`. Without a context (tests) there is no time budget.
 */
export type FirehoseTransformHandler = (
  event: FirehoseTransformEvent,
  context?: LambdaContextLike,
) => Promise<FirehoseTransformationResult>;

interface OkOutcome {
  readonly kind: 'ok';
  readonly base64: string;
  readonly partitionKeys: PartitionKeys | undefined;
}
interface DroppedOutcome {
  readonly kind: 'dropped';
}
interface FailedOutcome {
  readonly kind: 'failed';
  readonly failure: FailureKind;
  readonly reason: string;
}
type Outcome = OkOutcome | DroppedOutcome | FailedOutcome;

const DROPPED: DroppedOutcome = { kind: 'dropped' };
const TIMED_OUT: FailedOutcome = { kind: 'failed', failure: 'timeout', reason: TIMED_OUT_REASON };
const OVERFLOW: FailedOutcome = { kind: 'failed', failure: 'overflow', reason: RESPONSE_BUDGET_REASON };

function failure(failure: FailureKind, reason: string): FailedOutcome {
  return { kind: 'failed', failure, reason };
}

function fromError(error: unknown): FailedOutcome {
  if (error instanceof RecordDecodeError || error instanceof RecordValidationError) {
    return failure('invalid', error.message);
  }
  if (error instanceof OutputError) return failure('error', error.message);
  return failure('error', `threw ${describeError(error)}`);
}

function checkEvent(event: FirehoseTransformEvent): readonly FirehoseTransformEventRecord[] {
  if (typeof event !== 'object' || event === null || !Array.isArray(event.records)) {
    throw new FirehoseEventError(
      'not a Firehose transformation event: it has no records array (is the Lambda wired to something else?)',
    );
  }
  const records = event.records;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || typeof record.recordId !== 'string') {
      throw new FirehoseEventError(`not a Firehose transformation event: records[${i}] has no string recordId`);
    }
  }
  return records;
}

/**
 * Creates a Lambda handler for Amazon Data Firehose data transformation.
 *
 * `fn` is called once per record with a lazily decoded record and returns `ok(data, partitionKeys?)`, `dropped()` or
 * `failed(reason)`. The handler answers every `recordId` exactly once, in input order; a throw or rejection fails
 * that record only; async work runs `concurrency` records at a time; records unfinished `timeoutMarginMs` before the
 * Lambda deadline, and `Ok` records that do not fit in the 6 MB response, become `ProcessingFailed`.
 *
 * @example
 * export const handler = firehoseTransform(
 *   (record) => ok({ ...record.value, source: 'NYCTAXI' }),
 *   { validate: tripSchema },
 * );
 */
export function firehoseTransform<V extends Validator | undefined = undefined>(
  fn: TransformFunction<ValidatedOf<V>>,
  options: FirehoseTransformOptions<V> = {},
): FirehoseTransformHandler {
  if (typeof fn !== 'function') throw new ConfigurationError('fn', 'the transform function must be a function');
  const resolved = resolveOptions(options as FirehoseTransformOptions<Validator | undefined>);
  return (event, context) => runBatch(fn as TransformFunction, resolved, event, context);
}

async function runBatch(
  fn: TransformFunction,
  options: ResolvedOptions,
  event: FirehoseTransformEvent,
  lambdaContext: LambdaContextLike | undefined,
): Promise<FirehoseTransformationResult> {
  const started = Date.now();
  const records = checkEvent(event);
  const n = records.length;
  const { logger } = options;
  const invocation: FirehoseInvocation = {
    invocationId: event.invocationId,
    deliveryStreamArn: event.deliveryStreamArn,
    region: event.region,
    sourceKinesisStreamArn: event.sourceKinesisStreamArn,
  };
  const remaining =
    lambdaContext !== undefined && typeof lambdaContext.getRemainingTimeInMillis === 'function'
      ? lambdaContext.getRemainingTimeInMillis()
      : Number.POSITIVE_INFINITY;
  const deadline = started + remaining - options.timeoutMarginMs;
  const controller = new AbortController();
  const context: TransformContext = { invocation, lambdaContext, signal: controller.signal, deadline };
  if (n === 0) logger.warn('event has no records (Firehose never sends an empty batch)', { ...invocation });

  const outcomes: (Outcome | undefined)[] = new Array(n);
  const timedOut = await runRecords(fn, options, records, outcomes, context, controller);

  // Every record gets an outcome: the ones still running at the deadline time out.
  const timedOutIds: string[] = [];
  for (let i = 0; i < n; i++) {
    if (outcomes[i] === undefined) {
      outcomes[i] = TIMED_OUT;
      timedOutIds.push((records[i] as FirehoseTransformEventRecord).recordId);
    }
  }
  if (timedOutIds.length > 0) {
    logger.warn(`${timedOutIds.length} record(s) failed: ${TIMED_OUT_REASON}`, {
      invocationId: invocation.invocationId,
      reason: TIMED_OUT_REASON,
      remainingTimeAtStartMs: remaining,
      timeoutMarginMs: options.timeoutMarginMs,
      recordIds: timedOutIds,
    });
  }

  const overflow = applyResponseBudget(records, outcomes as Outcome[], options.maxResponseBytes);
  if (overflow.unavoidable > 0) {
    logger.error(
      `even with every record ProcessingFailed the response is ${overflow.unavoidable} bytes, above maxResponseBytes ${options.maxResponseBytes}`,
      { invocationId: invocation.invocationId, records: n },
    );
  }
  if (overflow.records.length > 0) {
    logger.warn(`${overflow.records.length} record(s) failed: ${RESPONSE_BUDGET_REASON}`, {
      invocationId: invocation.invocationId,
      reason: RESPONSE_BUDGET_REASON,
      maxResponseBytes: options.maxResponseBytes,
      recordIds: overflow.records.map((r) => r.record.recordId),
    });
    if (options.onOverflow !== undefined) {
      await runHook(options.onOverflow, overflow.records, context, deadline + options.timeoutMarginMs / 2, logger);
    }
  }

  const { response, summary } = buildResponse(records, outcomes as Outcome[], overflow.responseBytes, invocation, {
    started,
    timedOut,
  });
  for (let i = 0; i < n; i++) {
    const outcome = outcomes[i] as Outcome;
    if (outcome.kind === 'failed' && outcome.failure !== 'timeout' && outcome.failure !== 'overflow') {
      const recordId = (records[i] as FirehoseTransformEventRecord).recordId;
      logger.warn(`record ${recordId} failed (${outcome.failure}): ${outcome.reason}`, {
        invocationId: invocation.invocationId,
        recordId,
        kind: outcome.failure,
        reason: outcome.reason,
      });
    }
  }
  if (options.emf !== undefined) {
    const doc = toEmf(summary, options.emf);
    if (options.emf.write === undefined) writeEmfLine(doc);
    else options.emf.write(JSON.stringify(doc));
  }
  if (options.onComplete !== undefined) {
    try {
      options.onComplete(summary);
    } catch (error) {
      logger.error(`onComplete threw ${describeError(error)}`, { invocationId: invocation.invocationId });
    }
  }
  return response;
}

/** Runs every record through validation and `fn`; resolves when all settled or the deadline came (true). */
function runRecords(
  fn: TransformFunction,
  options: ResolvedOptions,
  records: readonly FirehoseTransformEventRecord[],
  outcomes: (Outcome | undefined)[],
  context: TransformContext,
  controller: AbortController,
): Promise<boolean> {
  const n = records.length;
  const { concurrency, newline, validate, dropControlRecords } = options;
  const { deadline } = context;
  let next = 0;
  let active = 0;
  let closed = false;

  const toOutcome = (result: unknown): Outcome => {
    if (typeof result === 'object' && result !== null) {
      const r = result as Partial<Record<'result' | 'data' | 'partitionKeys' | 'reason', unknown>>;
      if (r.result === 'Ok') {
        try {
          const partitionKeys = r.partitionKeys === undefined ? undefined : checkPartitionKeys(r.partitionKeys);
          // The record itself is not kept: its decoded bytes, text and JSON can be collected young.
          return { kind: 'ok', base64: encodeData(r.data as never, newline), partitionKeys };
        } catch (error) {
          return fromError(error);
        }
      }
      if (r.result === 'Dropped') return DROPPED;
      if (r.result === 'ProcessingFailed') {
        return failure(
          'failed',
          typeof r.reason === 'string' && r.reason !== '' ? r.reason : 'failed (no reason given)',
        );
      }
    }
    return failure(
      'error',
      `the transform function returned ${describeError(result)} instead of ok(), dropped() or failed()`,
    );
  };

  const callFn = (record: DecodedRecord): Outcome | Promise<Outcome> => {
    const result = fn(record, context);
    if (isPromiseLike<TransformResult>(result)) {
      return Promise.resolve(result).then(toOutcome, fromError);
    }
    return toOutcome(result);
  };

  const afterValidation = (
    record: DecodedRecord,
    result: StandardSchemaV1.Result<unknown>,
  ): Outcome | Promise<Outcome> => {
    if (result.issues !== undefined) return failure('invalid', `invalid record: ${formatIssues(result.issues)}`);
    record.setValue(result.value);
    return callFn(record);
  };

  const processOne = (i: number): Outcome | Promise<Outcome> => {
    const record = new DecodedRecord(records[i] as FirehoseTransformEventRecord, i);
    try {
      // A byte search first: only a record that mentions the control field is parsed for it.
      if (dropControlRecords && record.bytes.includes(CONTROL_FIELD) && isControlRecord(record.bytes)) return DROPPED;
      if (validate === undefined) return callFn(record);
      const result = validate(record.json);
      if (isPromiseLike<StandardSchemaV1.Result<unknown>>(result)) {
        return Promise.resolve(result)
          .then((r) => afterValidation(record, r))
          .catch(fromError);
      }
      return afterValidation(record, result);
    } catch (error) {
      return fromError(error);
    }
  };

  return new Promise<boolean>((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (timedOut: boolean): void => {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      if (timedOut) controller.abort(new Error(TIMED_OUT_REASON));
      resolve(timedOut);
    };
    const pump = (): void => {
      while (next < n && active < concurrency && !closed) {
        if (Date.now() >= deadline) {
          finish(true);
          return;
        }
        const i = next++;
        const outcome = processOne(i);
        if (isPromiseLike<Outcome>(outcome)) {
          active++;
          outcome.then(
            (o) => {
              active--;
              if (!closed) outcomes[i] = o;
              pump();
            },
            (error: unknown) => {
              active--;
              if (!closed) outcomes[i] = fromError(error);
              pump();
            },
          );
        } else {
          outcomes[i] = outcome;
        }
      }
      if (next >= n && active === 0) finish(false);
    };
    if (Number.isFinite(deadline)) {
      const wait = deadline - Date.now();
      if (wait <= 0) {
        finish(true);
        return;
      }
      timer = setTimeout(() => finish(true), wait);
    }
    pump();
  });
}

/**
 * Fits the response in `maxBytes`: every non-`Ok` entry is counted at its exact size and every `Ok` record first at
 * the size of its `ProcessingFailed` entry, so the failed form of everything always fits; then `Ok` records are kept
 * in input order while their data fits, and the others become `ProcessingFailed` ("response size budget").
 */
function applyResponseBudget(
  records: readonly FirehoseTransformEventRecord[],
  outcomes: Outcome[],
  maxBytes: number,
): { records: OverflowRecord[]; responseBytes: number; unavoidable: number } {
  const n = records.length;
  const failedResultBytes = 'ProcessingFailed'.length;
  let used = ENVELOPE_BYTES + Math.max(0, n - 1);
  const idBytes = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const id = recordIdBytes((records[i] as FirehoseTransformEventRecord).recordId);
    idBytes[i] = id;
    const outcome = outcomes[i] as Outcome;
    used += ENTRY_OVERHEAD + id + (outcome.kind === 'dropped' ? 'Dropped'.length : failedResultBytes);
  }
  const overflow: OverflowRecord[] = [];
  const unavoidable = used > maxBytes ? used : 0;
  for (let i = 0; i < n; i++) {
    const outcome = outcomes[i] as Outcome;
    if (outcome.kind !== 'ok') continue;
    const extra = 'Ok'.length - failedResultBytes + outcome.base64.length + metadataBytes(outcome.partitionKeys);
    if (used + extra <= maxBytes) {
      used += extra;
    } else {
      outcomes[i] = OVERFLOW;
      overflow.push({
        record: new DecodedRecord(records[i] as FirehoseTransformEventRecord, i),
        output: Buffer.from(outcome.base64, 'base64'),
        partitionKeys: outcome.partitionKeys,
      });
    }
  }
  return { records: overflow, responseBytes: used, unavoidable };
}

async function runHook(
  hook: NonNullable<ResolvedOptions['onOverflow']>,
  records: readonly OverflowRecord[],
  context: TransformContext,
  until: number,
  logger: ResolvedOptions['logger'],
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const result = hook(records, context);
    if (!isPromiseLike(result)) return;
    const waited = Promise.resolve(result).then(() => true);
    const wait = until - Date.now();
    const outcome = Number.isFinite(wait)
      ? await Promise.race([
          waited,
          new Promise<false>((resolve) => {
            timer = setTimeout(() => resolve(false), Math.max(0, wait));
          }),
        ])
      : await waited;
    if (!outcome) {
      logger.error('onOverflow did not finish before the deadline; returning without it', {
        invocationId: context.invocation.invocationId,
      });
    }
  } catch (error) {
    logger.error(`onOverflow threw ${describeError(error)}`, { invocationId: context.invocation.invocationId });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

function buildResponse(
  records: readonly FirehoseTransformEventRecord[],
  outcomes: readonly Outcome[],
  responseBytes: number,
  invocation: FirehoseInvocation,
  timing: { started: number; timedOut: boolean },
): { response: FirehoseTransformationResult; summary: BatchSummary } {
  const n = records.length;
  const entries = new Array<FirehoseTransformationResultRecord>(n);
  const failures: Record<FailureKind, number> = { failed: 0, error: 0, invalid: 0, timeout: 0, overflow: 0 };
  let ok = 0;
  let dropped = 0;
  let okBytes = 0;
  for (let i = 0; i < n; i++) {
    const recordId = (records[i] as FirehoseTransformEventRecord).recordId;
    const outcome = outcomes[i] as Outcome;
    if (outcome.kind === 'ok') {
      ok++;
      okBytes += base64DecodedLength(outcome.base64);
      entries[i] =
        outcome.partitionKeys === undefined
          ? { recordId, result: 'Ok', data: outcome.base64 }
          : { recordId, result: 'Ok', data: outcome.base64, metadata: { partitionKeys: { ...outcome.partitionKeys } } };
    } else if (outcome.kind === 'dropped') {
      dropped++;
      entries[i] = { recordId, result: 'Dropped', data: '' };
    } else {
      failures[outcome.failure]++;
      entries[i] = { recordId, result: 'ProcessingFailed', data: '' };
    }
  }
  const summary: BatchSummary = {
    invocationId: invocation.invocationId,
    records: n,
    ok,
    dropped,
    failed: n - ok - dropped,
    failures,
    okBytes,
    responseBytes,
    timedOut: timing.timedOut,
    durationMs: Date.now() - timing.started,
  };
  return { response: { records: entries }, summary };
}
