import {
  defineSchema,
  field,
  is,
  parse,
  SchemaValidationError,
  type StandardSchemaV1,
  validate,
} from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { rideSchema, validRide } from '../helpers/example.js';

function messages(value: unknown): string[] {
  const result = validate(rideSchema, value);
  return result.issues === undefined ? [] : result.issues.map((issue) => issue.message);
}

describe('validate', () => {
  it('accepts a valid record and returns a fresh copy in field order', () => {
    const shuffled = { ...validRide, tripId: validRide.tripId };
    const result = validate(rideSchema, shuffled);
    expect(result).toEqual({ value: validRide });
    expect(result.issues).toBeUndefined();
    expect(result.issues === undefined && result.value).not.toBe(shuffled);
  });

  it('is what the ~standard property runs', () => {
    const standard: StandardSchemaV1 = rideSchema;
    expect(standard['~standard'].validate(validRide)).toEqual({ value: validRide });
    expect(standard['~standard'].validate({ ...validRide, passengers: 12 })).toEqual({
      issues: [{ message: 'passengers: 12 is above max 9', path: ['passengers'] }],
    });
  });

  it('names the field and the rule for every constraint', () => {
    expect(messages({ ...validRide, passengers: 12 })).toEqual(['passengers: 12 is above max 9']);
    expect(messages({ ...validRide, passengers: -1 })).toEqual(['passengers: -1 is below min 0']);
    expect(messages({ ...validRide, passengers: 1.5 })).toEqual(['passengers: 1.5 is not an integer']);
    expect(messages({ ...validRide, passengers: 2 ** 31 })).toEqual([
      'passengers: 2147483648 is outside the int range -2147483648..2147483647',
    ]);
    expect(messages({ ...validRide, passengers: '2' })).toEqual([
      'passengers: expected int (a number), got string "2"',
    ]);
    expect(messages({ ...validRide, distanceMetres: 2 ** 53 })).toEqual([
      'distanceMetres: 9007199254740992 is not a safe integer (long values must be within ±9007199254740991 in JavaScript)',
    ]);
    expect(messages({ ...validRide, vendor: '3' })).toEqual(['vendor: "3" is not one of "1", "2"']);
    expect(messages({ ...validRide, vendor: 1 })).toEqual(['vendor: expected a string, got number 1']);
    expect(messages({ ...validRide, tripId: 'id12345678' })).toEqual([
      'tripId: length 10 is above maxLength 9',
      'tripId: "id12345678" does not match pattern /^id\\d{7}$/',
    ]);
    expect(messages({ ...validRide, fare: -0.5 })).toEqual(['fare: -0.5 is below min 0']);
    expect(messages({ ...validRide, fare: Number.POSITIVE_INFINITY })).toEqual([
      'fare: Infinity is not a finite number (JSON cannot carry it)',
    ]);
    expect(messages({ ...validRide, fare: Number.NaN })).toEqual([
      'fare: NaN is not a finite number (JSON cannot carry it)',
    ]);
    expect(messages({ ...validRide, storeAndForward: 'N' })).toEqual([
      'storeAndForward: expected a boolean, got string "N"',
    ]);
  });

  it('reports the path of each issue', () => {
    const result = validate(rideSchema, { ...validRide, passengers: 12, vendor: '9' });
    expect(result.issues).toEqual([
      { message: 'vendor: "9" is not one of "1", "2"', path: ['vendor'] },
      { message: 'passengers: 12 is above max 9', path: ['passengers'] },
    ]);
  });

  it('handles null and missing fields by nullability', () => {
    const { fare: _fare, ...withoutFare } = validRide;
    expect(validate(rideSchema, withoutFare)).toEqual({ value: { ...validRide, fare: null } });
    expect(validate(rideSchema, { ...validRide, fare: undefined })).toEqual({ value: { ...validRide, fare: null } });
    expect(validate(rideSchema, { ...validRide, fare: null })).toEqual({ value: { ...validRide, fare: null } });
    const { passengers: _p, ...withoutPassengers } = validRide;
    expect(messages(withoutPassengers)).toEqual(['passengers: required field is missing']);
    expect(messages({ ...validRide, passengers: null })).toEqual([
      'passengers: null is not allowed (field is not nullable)',
    ]);
  });

  it('rejects non-objects', () => {
    expect(validate(rideSchema, null)).toEqual({
      issues: [{ message: 'expected a ride record (an object), got null' }],
    });
    expect(messages([validRide])).toEqual(['expected a ride record (an object), got an array']);
    expect(messages('{}')).toEqual(['expected a ride record (an object), got string "{}"']);
  });

  it('applies the unknownKeys policy', () => {
    const extra = { ...validRide, source: 'NYCTAXI' };
    expect(validate(rideSchema, extra).issues).toEqual([
      { message: 'source: unknown field (schema "ride" does not define it)', path: ['source'] },
    ]);
    const strip = defineSchema({ name: 'ride', fields: rideSchema.fields, unknownKeys: 'strip' });
    expect(validate(strip, extra)).toEqual({ value: validRide });
    const passthrough = defineSchema({ name: 'ride', fields: rideSchema.fields, unknownKeys: 'passthrough' });
    expect(validate(passthrough, extra)).toEqual({ value: extra });
  });

  it('ignores inherited properties', () => {
    const proto = { passengers: 1 };
    const { passengers: _p, ...rest } = validRide;
    const value = Object.assign(Object.create(proto) as object, rest);
    expect(messages(value)).toEqual(['passengers: required field is missing']);
  });

  it('counts string length in code points', () => {
    const s = defineSchema({ name: 's', fields: { emoji: field.string({ maxLength: 2, minLength: 2 }) } });
    expect(validate(s, { emoji: '😀😀' }).issues).toBeUndefined();
    expect(validate(s, { emoji: '😀' }).issues?.[0]?.message).toBe('emoji: length 1 is below minLength 2');
    expect(validate(s, { emoji: '😀😀😀' }).issues?.[0]?.message).toBe('emoji: length 3 is above maxLength 2');
  });

  it('checks numeric enums and long ranges', () => {
    const s = defineSchema({ name: 's', fields: { code: field.int({ enum: [1, 2] }), big: field.long({ max: 10 }) } });
    expect(validate(s, { code: 3, big: 11 }).issues?.map((i) => i.message)).toEqual([
      'code: 3 is not one of 1, 2',
      'big: 11 is above max 10',
    ]);
    expect(validate(s, { code: 1, big: 10n }).issues?.map((i) => i.message)).toEqual([
      'big: expected long (a number), got bigint 10n',
    ]);
  });
});

describe('timestamps', () => {
  const ts = (pickupAt: unknown) => messages({ ...validRide, pickupAt });

  it('accepts UTC with Z, with up to the field precision of fraction digits', () => {
    expect(ts('2016-01-08T20:50:00Z')).toEqual([]);
    expect(ts('2016-01-08T20:50:00.1Z')).toEqual([]);
    expect(ts('2016-01-08T20:50:00.123Z')).toEqual([]);
    expect(ts('2016-02-29T00:00:00Z')).toEqual([]);
  });

  it('rejects zone-less T timestamps, saying Firehose rejects them', () => {
    expect(ts('2016-01-08T20:50:00')).toEqual([
      `pickupAt: "2016-01-08T20:50:00" has no time zone; send UTC with a trailing Z, e.g. 2016-01-08T20:50:00Z (Firehose's Parquet conversion rejects zone-less 'T' timestamps)`,
    ]);
    expect(ts('2016-01-08T20:50')[0]).toContain('e.g. 2016-01-08T20:50:00Z');
  });

  it('explains other near misses', () => {
    expect(ts('2016-01-08T20:50:00+01:00')).toEqual([
      'pickupAt: "2016-01-08T20:50:00+01:00" has UTC offset +01:00; convert it to UTC and end it with Z (yyyy-MM-ddTHH:mm:ss[.fraction]Z)',
    ]);
    expect(ts('2016-01-08 20:50:00Z')).toEqual([
      `pickupAt: "2016-01-08 20:50:00Z" separates date and time with a space; use 'T' and a trailing Z (yyyy-MM-ddTHH:mm:ss[.fraction]Z)`,
    ]);
    expect(ts('2016-01-08T20:50:00z')).toEqual([`pickupAt: "2016-01-08T20:50:00z" ends with a lowercase 'z'; use 'Z'`]);
    expect(ts('2016-01-08T20:50Z')).toEqual([
      'pickupAt: "2016-01-08T20:50Z" has no seconds; use yyyy-MM-ddTHH:mm:ss[.fraction]Z',
    ]);
    expect(ts('2016-01-08T20:50:00.1234Z')).toEqual([
      `pickupAt: "2016-01-08T20:50:00.1234Z" has 4 fractional-second digits; this field's precision is 3`,
    ]);
    expect(ts('1/8/16 20:50')).toEqual([
      'pickupAt: "1/8/16 20:50" is not an ISO 8601 UTC timestamp (yyyy-MM-ddTHH:mm:ss[.fraction]Z, e.g. 2016-01-08T20:50:00Z)',
    ]);
    expect(ts(1452286200000)).toEqual([
      'pickupAt: expected an ISO 8601 UTC timestamp string such as "2016-01-08T20:50:00Z", got number 1452286200000',
    ]);
    expect(ts(new Date())).toEqual([
      'pickupAt: expected an ISO 8601 UTC timestamp string such as "2016-01-08T20:50:00Z", got a Date',
    ]);
  });

  it('rejects impossible calendar values', () => {
    expect(ts('2015-02-29T00:00:00Z')).toEqual(['pickupAt: "2015-02-29T00:00:00Z" has day 29; 2015-02 has 28 days']);
    expect(ts('2016-13-01T00:00:00Z')).toEqual(['pickupAt: "2016-13-01T00:00:00Z" has month 13; it must be 01..12']);
    expect(ts('2016-01-08T24:00:00Z')).toEqual(['pickupAt: "2016-01-08T24:00:00Z" has hour 24; it must be 00..23']);
    expect(ts('2016-12-31T23:59:60Z')).toEqual([
      'pickupAt: "2016-12-31T23:59:60Z" has second 60; it must be 00..59 (leap seconds are not accepted)',
    ]);
  });
});

describe('parse and is', () => {
  it('parse returns the record or throws with every issue', () => {
    expect(parse(rideSchema, validRide)).toEqual(validRide);
    const bad = { ...validRide, passengers: 12, vendor: '3' };
    expect(() => parse(rideSchema, bad)).toThrow(
      new SchemaValidationError('ride', [
        { message: 'vendor: "3" is not one of "1", "2"', path: ['vendor'] },
        { message: 'passengers: 12 is above max 9', path: ['passengers'] },
      ]),
    );
    try {
      parse(rideSchema, bad);
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaValidationError);
      expect((error as SchemaValidationError).message).toBe(
        'record does not match schema "ride": vendor: "3" is not one of "1", "2"; passengers: 12 is above max 9',
      );
      expect((error as SchemaValidationError).issues).toHaveLength(2);
    }
  });

  it('parse shortens long issue lists', () => {
    expect(() => parse(rideSchema, {})).toThrow(/; and 1 more$/);
  });

  it('is narrows', () => {
    const value: unknown = validRide;
    expect(is(rideSchema, value)).toBe(true);
    expect(is(rideSchema, { ...validRide, passengers: 99 })).toBe(false);
  });
});
