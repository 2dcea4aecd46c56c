import { ConfigurationError } from '@pipeline/commons';
import type { EmfOptions } from './emf.js';
import type { FirehoseInvocation, LambdaContextLike } from './event.js';
import { consoleWarnLogger, type Logger } from './logger.js';
import type { FirehoseRecord } from './record.js';
import type { PartitionKeys } from './results.js';
import type { BatchSummary } from './summary.js';
import { type CompiledValidator, compileValidator, isValidator, type Validator } from './validation.js';

/** Lambda's synchronous response payload limit, bytes (6 MB); the default and the ceiling of `maxResponseBytes`. */
export const LAMBDA_RESPONSE_LIMIT = 6_291_456;

/** A record that finished `Ok` but did not fit in the response; given to `onOverflow`. */
export interface OverflowRecord {
  /** The input record: original data (`bytes`, `base64`), `recordId`, `kinesisRecordMetadata`. */
  readonly record: FirehoseRecord;
  /** The transformed data, framed, as it would have been delivered. */
  readonly output: Uint8Array;
  readonly partitionKeys: PartitionKeys | undefined;
}

/** What the transform function (and the hooks) get besides the record. */
export interface TransformContext {
  readonly invocation: FirehoseInvocation;
  /** The Lambda context, when the handler was given one. */
  readonly lambdaContext: LambdaContextLike | undefined;
  /** Aborted when the time budget runs out: pass it to fetch/SDK calls so they stop with the record. */
  readonly signal: AbortSignal;
  /** Epoch ms at which unfinished records become `ProcessingFailed` ("timed out"); `Infinity` without a context. */
  readonly deadline: number;
}

/** Options of `firehoseTransform`. Every option is optional; defaults are in `DEFAULTS`. */
export interface FirehoseTransformOptions<V extends Validator | undefined = undefined> {
  /**
   * Validates each record's JSON before the transform function: a `@pipeline/schema` schema, any Standard Schema
   * (zod, valibot, arktype…) or a `ValidatorFunction`. A record that fails becomes `ProcessingFailed` with a reason
   * naming each field path and rule; a valid one reaches the function with the validator's output in `record.value`.
   * Default: none (`record.value` is the parsed JSON, read lazily).
   */
  validate?: V;
  /** Records processed at once when the function (or validator) is async. Default 16. Sync functions run in a loop. */
  concurrency?: number;
  /**
   * Time kept free before the Lambda deadline, ms: records not finished `timeoutMarginMs` before
   * `context.getRemainingTimeInMillis()` runs out become `ProcessingFailed` ("timed out") and the response returns
   * in time. Default 1000.
   */
  timeoutMarginMs?: number;
  /**
   * Framing of `Ok` data: `none` sends it as returned (one JSON object per record, which Firehose's Parquet/ORC
   * conversion reads); `newline` appends `\n` to each record that does not end with one (newline-delimited JSON for
   * plain S3 delivery, Athena, `jq`). Default `none`.
   */
  framing?: 'none' | 'newline';
  /**
   * Ceiling of the serialized response, bytes. Default and maximum 6291456 (Lambda's 6 MB synchronous limit).
   * `Ok` records that would push the response past it become `ProcessingFailed` ("response size budget").
   */
  maxResponseBytes?: number;
  /**
   * Called (and awaited, until the deadline plus half the margin) with the records that did not fit in the response.
   * They are already `ProcessingFailed` and land under the error prefix whatever the hook does; re-send them only
   * where that is safe (see the README: never into the source stream). Default: none.
   */
  onOverflow?: (records: readonly OverflowRecord[], context: TransformContext) => void | Promise<void>;
  /**
   * Control records (`@pipeline/schema`'s `isControlRecord`: watermark heartbeats and the like, which exist to move
   * event time, not to be stored): `drop` answers them `Dropped` before validation and before the function, so they
   * are never stored nor counted as failures; `pass` hands them to the function like any record. Default `drop`.
   */
  controlRecords?: 'drop' | 'pass';
  /** Called with each invocation's summary before the handler returns. Default: none. */
  onComplete?: (summary: BatchSummary) => void;
  /** Write each invocation's summary as a CloudWatch EMF line: `true` or EMF options. Default `false`. */
  metrics?: boolean | EmfOptions;
  /** Default: warnings and errors to the console. Every failed record is logged with its `recordId` and reason. */
  logger?: Logger;
}

/** The defaults of `FirehoseTransformOptions`. */
export const DEFAULTS = {
  concurrency: 16,
  timeoutMarginMs: 1000,
  framing: 'none',
  controlRecords: 'drop',
  maxResponseBytes: LAMBDA_RESPONSE_LIMIT,
  metrics: false,
} as const;

export interface ResolvedOptions {
  readonly validate: CompiledValidator | undefined;
  readonly concurrency: number;
  readonly timeoutMarginMs: number;
  readonly newline: boolean;
  readonly dropControlRecords: boolean;
  readonly maxResponseBytes: number;
  readonly onOverflow: FirehoseTransformOptions['onOverflow'];
  readonly onComplete: FirehoseTransformOptions['onComplete'];
  readonly emf: EmfOptions | undefined;
  readonly logger: Logger;
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === 'function';
}

export function resolveOptions(options: FirehoseTransformOptions<Validator | undefined>): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', `must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const {
    validate,
    concurrency = DEFAULTS.concurrency,
    timeoutMarginMs = DEFAULTS.timeoutMarginMs,
    framing = DEFAULTS.framing,
    controlRecords = DEFAULTS.controlRecords,
    maxResponseBytes = DEFAULTS.maxResponseBytes,
    onOverflow,
    onComplete,
    metrics = DEFAULTS.metrics,
    logger = consoleWarnLogger,
  } = options;

  if (validate !== undefined && !isValidator(validate)) {
    throw new ConfigurationError(
      'validate',
      'must be a Standard Schema (a @pipeline/schema schema, zod, valibot…) or a function',
    );
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new ConfigurationError('concurrency', `must be an integer ≥ 1, got ${String(concurrency)}`);
  }
  if (typeof timeoutMarginMs !== 'number' || !Number.isFinite(timeoutMarginMs) || timeoutMarginMs < 0) {
    throw new ConfigurationError('timeoutMarginMs', `must be a finite number ≥ 0, got ${String(timeoutMarginMs)}`);
  }
  if (framing !== 'none' && framing !== 'newline') {
    throw new ConfigurationError('framing', `must be 'none' or 'newline', got ${JSON.stringify(framing)}`);
  }
  if (controlRecords !== 'drop' && controlRecords !== 'pass') {
    throw new ConfigurationError('controlRecords', `must be 'drop' or 'pass', got ${JSON.stringify(controlRecords)}`);
  }
  if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1024 || maxResponseBytes > LAMBDA_RESPONSE_LIMIT) {
    throw new ConfigurationError(
      'maxResponseBytes',
      `must be an integer in 1024..${LAMBDA_RESPONSE_LIMIT} (Lambda's response limit), got ${String(maxResponseBytes)}`,
    );
  }
  if (onOverflow !== undefined && !isFunction(onOverflow)) {
    throw new ConfigurationError('onOverflow', 'must be a function');
  }
  if (onComplete !== undefined && !isFunction(onComplete)) {
    throw new ConfigurationError('onComplete', 'must be a function');
  }
  if (typeof metrics !== 'boolean' && (typeof metrics !== 'object' || metrics === null)) {
    throw new ConfigurationError('metrics', 'must be a boolean or EMF options');
  }
  if (
    typeof logger !== 'object' ||
    logger === null ||
    !['debug', 'info', 'warn', 'error'].every((m) => isFunction((logger as unknown as Record<string, unknown>)[m]))
  ) {
    throw new ConfigurationError('logger', 'must have debug, info, warn and error methods');
  }
  return {
    validate: validate === undefined ? undefined : compileValidator(validate),
    concurrency,
    timeoutMarginMs,
    newline: framing === 'newline',
    dropControlRecords: controlRecords === 'drop',
    maxResponseBytes,
    onOverflow,
    onComplete,
    emf: metrics === false ? undefined : metrics === true ? {} : metrics,
    logger: guarded(logger),
  };
}

/** A logger that never throws: a broken logger must not fail the batch it reports on. */
function guarded(logger: Logger): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string, context?: Record<string, unknown>): void => {
      try {
        logger[level](message, context);
      } catch {
        // dropped: nowhere safer to report it
      }
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}
