import { SchemaDefinitionError } from './errors.js';
import type { Field } from './fields.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { validateValue } from './validate.js';

/** A schema's fields, by name, in column order. */
export type Fields = { readonly [name: string]: Field };

/**
 * What validation does with keys the schema does not define: `reject` reports an issue per key (default; matches an
 * OpenSearch `dynamic: strict` index), `strip` drops them from the output (what Firehose's Parquet conversion does
 * silently), `passthrough` copies them to the output unchecked.
 */
export type UnknownKeys = 'reject' | 'strip' | 'passthrough';

/** The TypeScript value type of one field: its value type, or `| null` when nullable. */
export type InferField<F> = F extends { readonly nullable: infer N; readonly '~value'?: infer V }
  ? true extends N
    ? V | null
    : V
  : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

type NullableKeys<F extends Fields> = { [K in keyof F]: true extends F[K]['nullable'] ? K : never }[keyof F];

/** The validated record: every field present, nullable ones as `null` when absent. */
export type RecordOf<F extends Fields> = Simplify<{ -readonly [K in keyof F]: InferField<F[K]> }>;

/** What validation accepts: nullable fields may be missing or `undefined`. */
export type InputOf<F extends Fields> = Simplify<
  { -readonly [K in Exclude<keyof F, NullableKeys<F>>]: InferField<F[K]> } & {
    -readonly [K in NullableKeys<F>]?: InferField<F[K]> | undefined;
  }
>;

/** The Standard Schema properties of a `Schema`: `validate` is always synchronous. */
export interface SchemaStandardProps<F extends Fields> extends StandardSchemaV1.Props<InputOf<F>, RecordOf<F>> {
  readonly vendor: 'pipeline';
  readonly validate: (
    value: unknown,
    options?: StandardSchemaV1.Options | undefined,
  ) => StandardSchemaV1.Result<RecordOf<F>>;
  readonly types?: StandardSchemaV1.Types<InputOf<F>, RecordOf<F>> | undefined;
}

/** A record schema: name, ordered fields, and a Standard Schema v1 `~standard` property. */
export interface Schema<F extends Fields = Fields> extends StandardSchemaV1<InputOf<F>, RecordOf<F>> {
  /** Record name, e.g. `trip`. */
  readonly name: string;
  /** Documentation for the record as a whole. */
  readonly doc?: string;
  /** Fields in column order. */
  readonly fields: F;
  /** What validation does with keys the schema does not define. */
  readonly unknownKeys: UnknownKeys;
  readonly '~standard': SchemaStandardProps<F>;
}

/** The record type a schema validates to: `InferRecord<typeof tripSchema>`. */
export type InferRecord<S> = S extends { readonly fields: infer F extends Fields } ? RecordOf<F> : never;

/** The input type a schema accepts (nullable fields optional). */
export type InferInput<S> = S extends { readonly fields: infer F extends Fields } ? InputOf<F> : never;

/** What `defineSchema` takes. */
export interface SchemaDefinition<F extends Fields> {
  /** Record name; letters, digits and `_`, starting with a letter or `_`. */
  readonly name: string;
  /** Documentation for the record as a whole. */
  readonly doc?: string;
  /** Fields in column order, built with `field.*`. */
  readonly fields: F;
  /** What validation does with keys the schema does not define. Default `reject`. */
  readonly unknownKeys?: UnknownKeys;
}

/** Field and schema names: safe as Flink, Glue/Hive and OpenSearch identifiers without further escaping. */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

const LOGICAL_TYPES = new Set(['string', 'int', 'long', 'double', 'boolean', 'timestamp']);

/**
 * Defines a record schema.
 *
 * @example
 * const trip = defineSchema({
 *   name: 'trip',
 *   fields: {
 *     tripId: field.string(),
 *     passengers: field.int({ min: 0, max: 9 }),
 *     pickupAt: field.timestamp(),
 *     fare: field.double({ nullable: true }),
 *   },
 * });
 * type Trip = InferRecord<typeof trip>;
 */
export function defineSchema<const F extends Fields>(definition: SchemaDefinition<F>): Schema<F> {
  const { name, doc, fields } = definition;
  const unknownKeys = definition.unknownKeys ?? 'reject';
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new SchemaDefinitionError(
      `schema name ${JSON.stringify(name)} must match ${NAME_PATTERN} (letters, digits, _; not starting with a digit)`,
    );
  }
  if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new SchemaDefinitionError(`schema "${name}": fields must be an object of field.* builders`);
  }
  const names = Object.keys(fields);
  if (names.length === 0) throw new SchemaDefinitionError(`schema "${name}" has no fields`);
  for (const fieldName of names) {
    if (!NAME_PATTERN.test(fieldName)) {
      throw new SchemaDefinitionError(
        `schema "${name}": field name ${JSON.stringify(fieldName)} must match ${NAME_PATTERN} (letters, digits, _; not starting with a digit)`,
      );
    }
    const f: unknown = fields[fieldName];
    if (f === null || typeof f !== 'object' || !LOGICAL_TYPES.has((f as { type?: unknown }).type as string)) {
      throw new SchemaDefinitionError(`schema "${name}": field "${fieldName}" is not a field.* builder result`);
    }
  }
  if (!['reject', 'strip', 'passthrough'].includes(unknownKeys)) {
    throw new SchemaDefinitionError(`schema "${name}": unknownKeys must be reject, strip or passthrough`);
  }

  const frozenFields = Object.freeze({ ...fields });
  const schema: Schema<F> = {
    name,
    ...(doc === undefined ? {} : { doc }),
    fields: frozenFields,
    unknownKeys,
    '~standard': {
      version: 1,
      vendor: 'pipeline',
      validate: (value: unknown) => validateValue(schema, value) as StandardSchemaV1.Result<RecordOf<F>>,
    },
  };
  return Object.freeze(schema);
}
