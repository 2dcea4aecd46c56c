import type { StandardSchemaV1 } from '@pipeline/schema';
import { RecordValidationError } from './errors.js';
import { describeError, isPromiseLike } from './util.js';

/**
 * A hand-written validator: returns `{ value }` (the record to pass on, possibly converted) or `{ issues }` (each with a
 * `message` and, ideally, a `path`), the Standard Schema result shape; may be async. A throw counts as one issue with
 * the error's message.
 */
export type ValidatorFunction<T = unknown> = (
  value: unknown,
) => StandardSchemaV1.Result<T> | Promise<StandardSchemaV1.Result<T>>;

/** What the `validate` option takes: a `@pipeline/schema` schema, any Standard Schema (zod, valibot…) or a function. */
export type Validator<T = unknown> = StandardSchemaV1<unknown, T> | ValidatorFunction<T>;

/** The record type a validator produces: what `record.value` holds in the transform function. */
export type ValidatedOf<V> = V extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<V>
  : V extends (value: unknown) => infer R
    ? Extract<Awaited<R>, { readonly value: unknown }>['value']
    : unknown;

/** Validation reduced to one shape: sync when the validator is. */
export type CompiledValidator = (
  value: unknown,
) => StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `trip.stops[2].lat` from a Standard Schema path. */
export function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (path === undefined) return '';
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else if (IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/**
 * One issue as `path: rule`. Messages that already start with their path (as `@pipeline/schema`'s do:
 * `passengerCount: 12 is above max 9`) are kept as they are.
 */
export function formatIssue(issue: StandardSchemaV1.Issue): string {
  const path = formatPath(issue.path);
  if (path === '' || issue.message.startsWith(`${path}:`)) return issue.message;
  return `${path}: ${issue.message}`;
}

/** Issues as one line: the first `max` (default 5) joined by `; `, then how many more. */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[], max = 5): string {
  const shown = issues.slice(0, max).map(formatIssue);
  const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
  return shown.join('; ') + more;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const props = (value as { '~standard'?: unknown })['~standard'];
  return (
    typeof props === 'object' &&
    props !== null &&
    (props as { version?: unknown }).version === 1 &&
    typeof (props as { validate?: unknown }).validate === 'function'
  );
}

/** True for what the `validate` option accepts. */
export function isValidator(value: unknown): value is Validator {
  return isStandardSchema(value) || typeof value === 'function';
}

function thrownIssue(error: unknown): StandardSchemaV1.FailureResult {
  return { issues: [{ message: `validator threw ${describeError(error)}` }] };
}

/** A validator as a function returning a Standard Schema result, never throwing. */
export function compileValidator(validator: Validator): CompiledValidator {
  if (isStandardSchema(validator)) {
    const standard = validator['~standard'];
    return (value) => {
      try {
        const result = standard.validate(value);
        return isPromiseLike<StandardSchemaV1.Result<unknown>>(result)
          ? Promise.resolve(result).catch(thrownIssue)
          : result;
      } catch (error) {
        return thrownIssue(error);
      }
    };
  }
  const fn = validator as ValidatorFunction;
  return (value) => {
    try {
      const result: unknown = fn(value);
      return isPromiseLike(result) ? Promise.resolve(result).then(checkResult, thrownIssue) : checkResult(result);
    } catch (error) {
      return thrownIssue(error);
    }
  };
}

function checkResult(result: unknown): StandardSchemaV1.Result<unknown> {
  if (typeof result === 'object' && result !== null) {
    const issues = (result as { issues?: unknown }).issues;
    if (Array.isArray(issues)) {
      return issues.length > 0
        ? { issues: issues as StandardSchemaV1.Issue[] }
        : { issues: [{ message: 'validator returned an empty issues list' }] };
    }
    if (issues === undefined && 'value' in result) return result as StandardSchemaV1.SuccessResult<unknown>;
  }
  return {
    issues: [{ message: 'validator function must return { value } or { issues } (a Standard Schema result)' }],
  };
}

/**
 * Validates `value` synchronously and returns the validated output, or throws `RecordValidationError` naming each
 * field and rule. For checks inside a transform function (the throw fails the record). Async validators throw a
 * `TypeError`: use the `validate` option for those.
 */
export function parseWith<V extends Validator>(validator: V, value: unknown): ValidatedOf<V> {
  const result = compileValidator(validator)(value);
  if (isPromiseLike(result)) {
    Promise.resolve(result).catch(() => {});
    throw new TypeError('parseWith: the validator is async; use the validate option of firehoseTransform instead');
  }
  if (result.issues !== undefined) {
    throw new RecordValidationError(undefined, result.issues, `invalid record: ${formatIssues(result.issues)}`);
  }
  return result.value as ValidatedOf<V>;
}
