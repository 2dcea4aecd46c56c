import { describe, expect, it } from 'vitest';
import {
  CONTROL_FIELD,
  defineSchema,
  field,
  isControlRecord,
  SchemaDefinitionError,
  validate,
  watermarkHeartbeat,
} from '../../src/index.js';

const trip = defineSchema({
  name: 'trip',
  fields: { id: field.string(), pickupDate: field.timestamp(), passengers: field.int() },
});

describe('watermark heartbeats', () => {
  it('carries only the event-time field and the control marker', () => {
    const hb = watermarkHeartbeat(trip, 'pickupDate', Date.UTC(2016, 0, 8, 22, 0, 0));
    expect(hb).toEqual({ __control: 'watermark-heartbeat', pickupDate: '2016-01-08T22:00:00Z' });
    expect(JSON.stringify(hb)).toBe('{"__control":"watermark-heartbeat","pickupDate":"2016-01-08T22:00:00Z"}');
  });

  it('keeps milliseconds unless the field has precision 0', () => {
    const t = Date.UTC(2016, 0, 8, 22, 0, 0, 250);
    expect(watermarkHeartbeat(trip, 'pickupDate', t).pickupDate).toBe('2016-01-08T22:00:00.250Z');
    const coarse = defineSchema({ name: 's', fields: { at: field.timestamp({ precision: 0 }) } });
    expect(watermarkHeartbeat(coarse, 'at', t).at).toBe('2016-01-08T22:00:00Z');
  });

  it('refuses a field that is missing or not a timestamp', () => {
    expect(() => watermarkHeartbeat(trip, 'passengers' as 'pickupDate', 0)).toThrow(SchemaDefinitionError);
    expect(() => watermarkHeartbeat(trip, 'nope' as 'pickupDate', 0)).toThrow(/has no field "nope"/);
  });

  it('is recognised as a control record (object, JSON text, bytes) and is not a valid data record', () => {
    const hb = watermarkHeartbeat(trip, 'pickupDate', 0);
    expect(isControlRecord(hb)).toBe(true);
    expect(isControlRecord(JSON.stringify(hb))).toBe(true);
    expect(isControlRecord(new TextEncoder().encode(JSON.stringify(hb)))).toBe(true);
    expect(validate(trip, hb).issues?.length).toBeGreaterThan(0);
  });

  it('does not take data records, other markers or broken JSON for control records', () => {
    expect(isControlRecord({ id: 'id1', pickupDate: '2016-01-08T22:00:00Z', passengers: 1 })).toBe(false);
    expect(isControlRecord({ [CONTROL_FIELD]: 'something-else' })).toBe(false);
    expect(isControlRecord('{"__control": ')).toBe(false);
    expect(isControlRecord('{"id":"x"}')).toBe(false);
    expect(isControlRecord(null)).toBe(false);
    expect(isControlRecord([CONTROL_FIELD])).toBe(false);
  });
});
