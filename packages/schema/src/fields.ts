import { SchemaDefinitionError } from './errors.js';

/** The logical types a field can have. Every target (Flink, Glue, Parquet, OpenSearch) maps each one. */
export type LogicalType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'timestamp';

/** Fractional-second digits a timestamp field carries: 0 = seconds, 3 = milliseconds, 6 = micro, 9 = nano. */
export type TimestampPrecision = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** Smallest and largest values of the `int` logical type (32-bit signed, as in Flink INT, Hive int, Parquet INT32). */
export const INT_MIN = -2_147_483_648;
export const INT_MAX = 2_147_483_647;

interface FieldBase<L extends LogicalType, V, N extends boolean> {
  /** The logical type. */
  readonly type: L;
  /** Whether `null` (or a missing key) is allowed. */
  readonly nullable: N;
  /** Free-text documentation: meaning and unit. Becomes a Flink `COMMENT` and a Glue column comment. */
  readonly doc?: string;
  /** Type-level only: the TypeScript type of the field's values. Never present at run time. */
  readonly '~value'?: V;
}

/** A UTF-8 string. Constraints count Unicode code points. */
export interface StringField<V extends string = string, N extends boolean = boolean> extends FieldBase<'string', V, N> {
  readonly enum?: readonly V[];
  readonly pattern?: RegExp;
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** A 32-bit signed integer. */
export interface IntField<V extends number = number, N extends boolean = boolean> extends FieldBase<'int', V, N> {
  readonly enum?: readonly V[];
  readonly min?: number;
  readonly max?: number;
}

/** A 64-bit signed integer, limited to JavaScript's safe integers (±2^53 − 1). */
export interface LongField<V extends number = number, N extends boolean = boolean> extends FieldBase<'long', V, N> {
  readonly enum?: readonly V[];
  readonly min?: number;
  readonly max?: number;
}

/** A finite IEEE-754 double. Integers are accepted; NaN and ±Infinity are not (JSON cannot carry them). */
export interface DoubleField<N extends boolean = boolean> extends FieldBase<'double', number, N> {
  readonly min?: number;
  readonly max?: number;
}

/** `true` or `false`. */
export interface BooleanField<N extends boolean = boolean> extends FieldBase<'boolean', boolean, N> {}

/** An instant, on the wire as an ISO 8601 UTC string with `Z`, e.g. `2016-01-08T20:50:00Z` or `…:00.123Z`. */
export interface TimestampField<N extends boolean = boolean> extends FieldBase<'timestamp', string, N> {
  /** Most fractional-second digits accepted; also the Flink `TIMESTAMP_LTZ(p)` precision. Default 3. */
  readonly precision: TimestampPrecision;
}

/** Any field. */
export type Field = StringField | IntField | LongField | DoubleField | BooleanField | TimestampField;

/** Options every field builder takes. */
export interface FieldOptions<N extends boolean> {
  /** Allow `null` (and a missing key, read as `null`). Default `false`. */
  readonly nullable?: N;
  /** Documentation: meaning and unit. */
  readonly doc?: string;
}

export interface StringOptions<E extends readonly string[], N extends boolean> extends FieldOptions<N> {
  /** Allowed values. Narrows the TypeScript type to their union. */
  readonly enum?: E;
  /** A regular expression the whole value must match (anchor it yourself); `g`/`y` flags are dropped. */
  readonly pattern?: RegExp | string;
  /** Fewest code points. */
  readonly minLength?: number;
  /** Most code points. */
  readonly maxLength?: number;
}

export interface IntegerOptions<E extends readonly number[], N extends boolean> extends FieldOptions<N> {
  /** Allowed values. Narrows the TypeScript type to their union. */
  readonly enum?: E;
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
}

export interface DoubleOptions<N extends boolean> extends FieldOptions<N> {
  /** Smallest allowed value (inclusive). */
  readonly min?: number;
  /** Largest allowed value (inclusive). */
  readonly max?: number;
}

export interface TimestampOptions<N extends boolean> extends FieldOptions<N> {
  /** Most fractional-second digits accepted (0–9). Default 3 (milliseconds). */
  readonly precision?: TimestampPrecision;
}

function common<N extends boolean>(options: FieldOptions<N> | undefined): { nullable: N; doc?: string } {
  const nullable = (options?.nullable ?? false) as N;
  if (typeof nullable !== 'boolean') throw new SchemaDefinitionError(`nullable must be a boolean, got ${nullable}`);
  return options?.doc === undefined ? { nullable } : { nullable, doc: options.doc };
}

function checkBounds(kind: string, min: number | undefined, max: number | undefined): void {
  for (const [label, v] of [
    ['min', min],
    ['max', max],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v))) {
      throw new SchemaDefinitionError(`${kind} ${label} must be a finite number, got ${String(v)}`);
    }
  }
  if (min !== undefined && max !== undefined && min > max) {
    throw new SchemaDefinitionError(`${kind} min ${min} is greater than max ${max}`);
  }
}

function checkEnum<T>(kind: string, values: readonly T[] | undefined, check: (v: T) => string | undefined): void {
  if (values === undefined) return;
  if (!Array.isArray(values) || values.length === 0) {
    throw new SchemaDefinitionError(`${kind} enum must be a non-empty array`);
  }
  const seen = new Set<T>();
  for (const v of values) {
    const problem = check(v);
    if (problem !== undefined) throw new SchemaDefinitionError(`${kind} enum value ${String(v)} ${problem}`);
    if (seen.has(v)) throw new SchemaDefinitionError(`${kind} enum lists ${JSON.stringify(v)} twice`);
    seen.add(v);
  }
}

function compilePattern(pattern: RegExp | string): RegExp {
  if (typeof pattern === 'string') {
    try {
      return new RegExp(pattern, 'u');
    } catch (error) {
      throw new SchemaDefinitionError(`string pattern ${JSON.stringify(pattern)} is not a valid regular expression`, {
        cause: error,
      });
    }
  }
  // A global or sticky RegExp keeps `lastIndex` between `test()` calls, which would make validation stateful.
  return pattern.global || pattern.sticky ? new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')) : pattern;
}

function checkLength(label: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
    throw new SchemaDefinitionError(`string ${label} must be a non-negative integer, got ${String(v)}`);
  }
}

function integerField<L extends 'int' | 'long'>(
  type: L,
  options: IntegerOptions<readonly number[], boolean> | undefined,
): { type: L; nullable: boolean; doc?: string; enum?: readonly number[]; min?: number; max?: number } {
  const [lo, hi] = type === 'int' ? [INT_MIN, INT_MAX] : [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
  const inRange = (v: number): string | undefined => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return 'is not an integer';
    if (v < lo || v > hi) return `is outside the ${type} range ${lo}..${hi}`;
    return undefined;
  };
  checkBounds(type, options?.min, options?.max);
  checkEnum(type, options?.enum, inRange);
  return {
    type,
    ...common(options),
    ...(options?.enum === undefined ? {} : { enum: Object.freeze([...options.enum]) }),
    ...(options?.min === undefined ? {} : { min: options.min }),
    ...(options?.max === undefined ? {} : { max: options.max }),
  };
}

/**
 * Field builders. Each returns a frozen field description; `nullable: true` and `enum` narrow the inferred record
 * type.
 *
 * @example
 * field.int({ min: 0, max: 9, doc: 'Passengers, persons' })
 * field.string({ enum: ['N', 'Y'] })             // 'N' | 'Y'
 * field.double({ nullable: true })               // number | null
 * field.timestamp({ doc: 'Pickup time, UTC' })   // '2016-01-08T20:50:00Z'
 */
export const field = {
  string<const E extends readonly string[] = readonly string[], N extends boolean = false>(
    options?: StringOptions<E, N>,
  ): StringField<NoInfer<E[number]>, NoInfer<N>> {
    checkEnum('string', options?.enum, (v) => (typeof v === 'string' ? undefined : 'is not a string'));
    checkLength('minLength', options?.minLength);
    checkLength('maxLength', options?.maxLength);
    if (options?.minLength !== undefined && options.maxLength !== undefined && options.minLength > options.maxLength) {
      throw new SchemaDefinitionError(
        `string minLength ${options.minLength} is greater than maxLength ${options.maxLength}`,
      );
    }
    return Object.freeze({
      type: 'string' as const,
      ...common(options),
      ...(options?.enum === undefined ? {} : { enum: Object.freeze([...options.enum]) }),
      ...(options?.pattern === undefined ? {} : { pattern: compilePattern(options.pattern) }),
      ...(options?.minLength === undefined ? {} : { minLength: options.minLength }),
      ...(options?.maxLength === undefined ? {} : { maxLength: options.maxLength }),
    });
  },

  int<const E extends readonly number[] = readonly number[], N extends boolean = false>(
    options?: IntegerOptions<E, N>,
  ): IntField<NoInfer<E[number]>, NoInfer<N>> {
    return Object.freeze(integerField('int', options)) as IntField<NoInfer<E[number]>, NoInfer<N>>;
  },

  long<const E extends readonly number[] = readonly number[], N extends boolean = false>(
    options?: IntegerOptions<E, N>,
  ): LongField<NoInfer<E[number]>, NoInfer<N>> {
    return Object.freeze(integerField('long', options)) as LongField<NoInfer<E[number]>, NoInfer<N>>;
  },

  double<N extends boolean = false>(options?: DoubleOptions<N>): DoubleField<NoInfer<N>> {
    checkBounds('double', options?.min, options?.max);
    return Object.freeze({
      type: 'double' as const,
      ...common(options),
      ...(options?.min === undefined ? {} : { min: options.min }),
      ...(options?.max === undefined ? {} : { max: options.max }),
    });
  },

  boolean<N extends boolean = false>(options?: FieldOptions<N>): BooleanField<NoInfer<N>> {
    return Object.freeze({ type: 'boolean' as const, ...common(options) });
  },

  timestamp<N extends boolean = false>(options?: TimestampOptions<N>): TimestampField<NoInfer<N>> {
    const precision = options?.precision ?? 3;
    if (!Number.isInteger(precision) || precision < 0 || precision > 9) {
      throw new SchemaDefinitionError(`timestamp precision must be an integer 0..9, got ${String(precision)}`);
    }
    return Object.freeze({ type: 'timestamp' as const, ...common(options), precision });
  },
} as const;
