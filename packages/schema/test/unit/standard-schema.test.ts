import { type InferRecord, type StandardSchemaV1, validate } from '@pipeline/schema';
import type { StandardSchemaV1 as Spec } from '@standard-schema/spec';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { rideSchema, validRide } from '../helpers/example.js';

/** A generic Standard Schema consumer, as a form or RPC library would write it against the published spec. */
async function standardValidate<S extends Spec>(schema: S, value: unknown): Promise<Spec.Result<Spec.InferOutput<S>>> {
  return schema['~standard'].validate(value);
}

describe('Standard Schema v1 compatibility', () => {
  it('is assignable to the published @standard-schema/spec types, and ours match theirs', () => {
    expectTypeOf(rideSchema).toExtend<Spec>();
    expectTypeOf<Spec.InferOutput<typeof rideSchema>>().toEqualTypeOf<InferRecord<typeof rideSchema>>();
    expectTypeOf<StandardSchemaV1.Issue>().toEqualTypeOf<Spec.Issue>();
    expectTypeOf<StandardSchemaV1.Result<number>>().toEqualTypeOf<Spec.Result<number>>();
  });

  it('works through a generic consumer', async () => {
    await expect(standardValidate(rideSchema, validRide)).resolves.toEqual({ value: validRide });
    const result = await standardValidate(rideSchema, { ...validRide, passengers: 12 });
    expect(result.issues).toEqual([{ message: 'passengers: 12 is above max 9', path: ['passengers'] }]);
  });

  it('validate is synchronous', () => {
    const result = rideSchema['~standard'].validate(validRide);
    expect(result).not.toBeInstanceOf(Promise);
    expect(validate(rideSchema, validRide)).toEqual(result);
  });
});
