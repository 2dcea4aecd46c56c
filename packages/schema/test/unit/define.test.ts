import {
  defineSchema,
  field,
  type InferInput,
  type InferRecord,
  SchemaDefinitionError,
  type StandardSchemaV1,
} from '@pipeline/schema';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { rideSchema } from '../helpers/example.js';

describe('field builders', () => {
  it('describe each logical type with its options and defaults', () => {
    expect(field.string()).toEqual({ type: 'string', nullable: false });
    expect(field.string({ enum: ['N', 'Y'], maxLength: 1, minLength: 1, doc: 'flag' })).toEqual({
      type: 'string',
      nullable: false,
      doc: 'flag',
      enum: ['N', 'Y'],
      minLength: 1,
      maxLength: 1,
    });
    expect(field.int({ min: 0, max: 9 })).toEqual({ type: 'int', nullable: false, min: 0, max: 9 });
    expect(field.long({ nullable: true })).toEqual({ type: 'long', nullable: true });
    expect(field.double({ min: -180, max: 180 })).toEqual({ type: 'double', nullable: false, min: -180, max: 180 });
    expect(field.boolean()).toEqual({ type: 'boolean', nullable: false });
    expect(field.timestamp()).toEqual({ type: 'timestamp', nullable: false, precision: 3 });
    expect(field.timestamp({ precision: 0, nullable: true })).toEqual({
      type: 'timestamp',
      nullable: true,
      precision: 0,
    });
  });

  it('returns frozen fields and copies enums', () => {
    const values = ['a', 'b'];
    const f = field.string({ enum: values });
    values.push('c');
    expect(f.enum).toEqual(['a', 'b']);
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f.enum)).toBe(true);
  });

  it('compiles string patterns and drops stateful flags', () => {
    expect(field.string({ pattern: '^a+$' }).pattern?.test('aaa')).toBe(true);
    const sticky = field.string({ pattern: /a/gy }).pattern;
    expect(sticky?.flags).toBe('');
    expect([sticky?.test('a'), sticky?.test('a')]).toEqual([true, true]);
  });

  it('rejects invalid definitions with a clear message', () => {
    expect(() => field.int({ min: 5, max: 1 })).toThrow(new SchemaDefinitionError('int min 5 is greater than max 1'));
    expect(() => field.double({ max: Number.NaN })).toThrow('double max must be a finite number, got NaN');
    expect(() => field.int({ enum: [] })).toThrow('int enum must be a non-empty array');
    expect(() => field.int({ enum: [1.5] })).toThrow('int enum value 1.5 is not an integer');
    expect(() => field.int({ enum: [2 ** 31] })).toThrow(
      'int enum value 2147483648 is outside the int range -2147483648..2147483647',
    );
    expect(() => field.string({ enum: ['a', 'a'] })).toThrow('string enum lists "a" twice');
    expect(() => field.string({ minLength: 3, maxLength: 2 })).toThrow(
      'string minLength 3 is greater than maxLength 2',
    );
    expect(() => field.string({ maxLength: -1 })).toThrow('string maxLength must be a non-negative integer, got -1');
    expect(() => field.string({ pattern: '(' })).toThrow('string pattern "(" is not a valid regular expression');
    // @ts-expect-error 10 is not a TimestampPrecision
    expect(() => field.timestamp({ precision: 10 })).toThrow('timestamp precision must be an integer 0..9, got 10');
  });
});

describe('defineSchema', () => {
  it('keeps name, doc, fields in order and defaults unknownKeys to reject', () => {
    expect(rideSchema.name).toBe('ride');
    expect(rideSchema.doc).toBe('A test ride');
    expect(Object.keys(rideSchema.fields)).toEqual([
      'tripId',
      'vendor',
      'passengers',
      'distanceMetres',
      'pickupAt',
      'fare',
      'storeAndForward',
    ]);
    expect(rideSchema.unknownKeys).toBe('reject');
    expect(Object.isFrozen(rideSchema)).toBe(true);
    expect(Object.isFrozen(rideSchema.fields)).toBe(true);
  });

  it('exposes Standard Schema v1 props', () => {
    const props = rideSchema['~standard'];
    expect(props.version).toBe(1);
    expect(props.vendor).toBe('pipeline');
    expect(typeof props.validate).toBe('function');
  });

  it('rejects bad names and empty schemas', () => {
    expect(() => defineSchema({ name: 'my-trip', fields: { a: field.int() } })).toThrow(
      'schema name "my-trip" must match',
    );
    expect(() => defineSchema({ name: 't', fields: { 'pickup.at': field.int() } })).toThrow(
      'schema "t": field name "pickup.at" must match',
    );
    expect(() => defineSchema({ name: 't', fields: { '1st': field.int() } })).toThrow('field name "1st" must match');
    expect(() => defineSchema({ name: 't', fields: {} })).toThrow('schema "t" has no fields');
    // @ts-expect-error not a field
    expect(() => defineSchema({ name: 't', fields: { a: { type: 'uuid', nullable: false } } })).toThrow(
      'schema "t": field "a" is not a field.* builder result',
    );
  });

  it('infers the record and input types', () => {
    type Ride = InferRecord<typeof rideSchema>;
    expectTypeOf<Ride>().toEqualTypeOf<{
      tripId: string;
      vendor: '1' | '2';
      passengers: number;
      distanceMetres: number;
      pickupAt: string;
      fare: number | null;
      storeAndForward: boolean;
    }>();
    type RideInput = InferInput<typeof rideSchema>;
    expectTypeOf<RideInput>().toEqualTypeOf<{
      tripId: string;
      vendor: '1' | '2';
      passengers: number;
      distanceMetres: number;
      pickupAt: string;
      fare?: number | null | undefined;
      storeAndForward: boolean;
    }>();
    expectTypeOf<StandardSchemaV1.InferOutput<typeof rideSchema>>().toEqualTypeOf<Ride>();
    expectTypeOf<StandardSchemaV1.InferInput<typeof rideSchema>>().toEqualTypeOf<RideInput>();

    const numbers = defineSchema({ name: 'n', fields: { code: field.int({ enum: [1, 2, 5] }), n: field.long() } });
    expectTypeOf<InferRecord<typeof numbers>>().toEqualTypeOf<{ code: 1 | 2 | 5; n: number }>();
  });

  it('composes by spreading fields', () => {
    const enriched = defineSchema({
      name: 'enriched',
      fields: { ...rideSchema.fields, source: field.string({ enum: ['NYCTAXI'] }) },
    });
    expect(Object.keys(enriched.fields).at(-1)).toBe('source');
    expectTypeOf<InferRecord<typeof enriched>['source']>().toEqualTypeOf<'NYCTAXI'>();
  });
});
