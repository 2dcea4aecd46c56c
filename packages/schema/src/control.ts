import { SchemaDefinitionError } from './errors.js';
import type { Fields, Schema } from './schema.js';
import { formatTimestamp } from './timestamp.js';

/** Key of the control marker in a control record; reserved: a schema using it cannot have heartbeats. */
export const CONTROL_FIELD = '__control';

/** The kinds of control record: today only the watermark heartbeat. */
export type ControlKind = 'watermark-heartbeat';

/** The marker value of a watermark heartbeat. */
export const WATERMARK_HEARTBEAT: ControlKind = 'watermark-heartbeat';

/**
 * A watermark heartbeat: a record that carries only the schema's event-time field and the control marker. It moves a
 * stream's event time forward (so the last windows of a quiet stream close) and is never data: every consumer filters
 * it before counting (the `@pipeline/flink-sql` templates drop it right after the watermark is assigned; a Firehose
 * transform answers `Dropped` for it).
 */
export type WatermarkHeartbeat<T extends string = string> = { readonly __control: 'watermark-heartbeat' } & {
  readonly [K in T]: string;
};

/**
 * Builds the JSON record of a watermark heartbeat for `schema`: `{"__control": "watermark-heartbeat", "<eventTime>":
 * "<at as ISO 8601 UTC>"}`. `eventTime` must be a timestamp field of the schema; `at` is the event time to move to.
 */
export function watermarkHeartbeat<F extends Fields, T extends keyof F & string>(
  schema: Schema<F>,
  eventTime: T,
  at: Date | number,
): WatermarkHeartbeat<T> {
  const f = schema.fields[eventTime];
  if (f === undefined) {
    throw new SchemaDefinitionError(`watermarkHeartbeat: schema "${schema.name}" has no field "${eventTime}"`);
  }
  if (f.type !== 'timestamp') {
    throw new SchemaDefinitionError(
      `watermarkHeartbeat: field "${eventTime}" of schema "${schema.name}" is ${f.type}, not a timestamp`,
    );
  }
  if (Object.hasOwn(schema.fields, CONTROL_FIELD)) {
    throw new SchemaDefinitionError(`watermarkHeartbeat: schema "${schema.name}" defines ${CONTROL_FIELD} itself`);
  }
  const fraction = f.precision === 0 ? 'seconds' : 'auto';
  return { [CONTROL_FIELD]: WATERMARK_HEARTBEAT, [eventTime]: formatTimestamp(at, fraction) } as WatermarkHeartbeat<T>;
}

/**
 * True for a control record (an object whose `__control` is a known control kind), parsed or as JSON text/bytes.
 * Data records never carry `__control`, so this is the one test every consumer applies before it counts or stores.
 */
export function isControlRecord(value: unknown): value is WatermarkHeartbeat {
  let v = value;
  if (typeof v === 'string' || v instanceof Uint8Array) {
    const text = typeof v === 'string' ? v : new TextDecoder().decode(v);
    if (!text.includes(CONTROL_FIELD)) return false;
    try {
      v = JSON.parse(text);
    } catch {
      return false;
    }
  }
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    (v as Record<string, unknown>)[CONTROL_FIELD] === WATERMARK_HEARTBEAT
  );
}
