/**
 * Deduplication by key: producers retry (at-least-once), so one record can arrive twice. A view keeps the first row
 * per key in event-time order (`ROW_NUMBER() OVER (PARTITION BY key ORDER BY eventTime) = 1`); a copy with the same
 * event time is dropped, so every window downstream counts the record once. The view is planned once however many
 * statements read it (`table.optimizer.reuse-optimize-block-with-digest-enabled`), so its state is held once.
 */
import type { Fields } from '@pipeline/schema';
import type { SqlTemplate } from './parameters.js';
import type { EventTimeTable } from './source.js';
import { checkInteger, checkName, fieldOf, type GroupFieldName, id, setStatement } from './sql-text.js';

export interface DeduplicateOptions<F extends Fields> {
  /** The field that identifies a record (a trip id): string, int, long or boolean. */
  readonly key: GroupFieldName<F>;
  /** View name. Default `<input>_unique`. */
  readonly table?: string;
  /**
   * How long a key is remembered, minutes (`table.exec.state.ttl`, which also bounds other non-window state): a
   * copy arriving later than this after the first is counted again. Default 1440 (one day). Window operators keep
   * their state until their window fires, regardless of it.
   */
  readonly retentionMinutes?: number;
}

export interface DeduplicateTemplate<F extends Fields = Fields>
  extends SqlTemplate<Record<never, never>>,
    EventTimeTable<F> {
  readonly key: string;
  readonly retentionMinutes: number;
}

/**
 * The view of `input` with one row per `key`: the first in event time (the rowtime attribute is kept, so window
 * stages read it like the source).
 */
export function deduplicate<const F extends Fields>(
  input: EventTimeTable<F>,
  options: DeduplicateOptions<F>,
): DeduplicateTemplate<F> {
  fieldOf(input.schema, options.key, 'deduplicate key', ['string', 'int', 'long', 'boolean']);
  const table = options.table ?? `${input.table}_unique`;
  checkName('deduplicated view name', table);
  const retentionMinutes = options.retentionMinutes ?? 1440;
  checkInteger('retentionMinutes', retentionMinutes, 1);
  const names = Object.keys(input.schema.fields)
    .map((name) => id(name))
    .join(', ');
  const sql =
    `${setStatement('table.exec.state.ttl', `${retentionMinutes} min`)}\n` +
    // Without it every INSERT that reads the view plans its own deduplication (each analysis prunes other columns),
    // each with its own copy of every key: one view read by four statements held four times the state.
    `${setStatement('table.optimizer.reuse-optimize-block-with-digest-enabled', 'true')}\n\n` +
    `-- one row per ${options.key}: the first in event time (retries deliver copies)\n` +
    `CREATE VIEW ${id(table)} AS\nSELECT ${names}\nFROM (\n` +
    `  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${id(options.key)} ORDER BY ${id(input.eventTime)} ASC) AS \`row_num\`\n` +
    `  FROM ${id(input.table)}\n)\nWHERE \`row_num\` = 1;\n`;
  return {
    sql,
    parameters: {},
    table,
    schema: input.schema,
    eventTime: input.eventTime,
    key: options.key,
    retentionMinutes,
  };
}
