/**
 * Grouped aggregates over a window TVF: `INSERT INTO <table> SELECT window bounds, keys, measures FROM
 * TABLE(TUMBLE | HOP | CUMULATE(...)) GROUP BY window_start, window_end, keys`, and the typed output every sink
 * and the Top-N stage build on (columns, primary key, the documents' schema).
 */
import {
  defineSchema,
  type Field,
  type Fields,
  field,
  flinkStringLiteral,
  flinkType,
  type Schema,
} from '@pipeline/schema';
import type { SqlParameter, SqlParameters, SqlTemplate } from './parameters.js';
import type { EventTimeTable } from './source.js';
import {
  checkName,
  fieldOf,
  type GroupFieldName,
  ISO_UTC_PATTERN,
  id,
  type NumericFieldName,
  type SqlExpression,
  UTC_SESSION,
} from './sql-text.js';
import { checkWindow, describeWindow, tumble, type WindowSpec, windowTvf } from './windows.js';

type MeasureKind = 'count' | 'sum' | 'avg' | 'min' | 'max';
type OneMeasure<K extends MeasureKind, V> = { readonly [P in K]: V } & {
  readonly [P in Exclude<MeasureKind, K>]?: never;
} & { readonly doc?: string };

/**
 * One measure of a window: `{ count: true }`, or `{ sum | avg | min | max: field }` of a numeric field, or
 * `{ avg: expression }` of a DOUBLE expression; `doc` becomes the column comment.
 */
export type Measure<F extends Fields> =
  | OneMeasure<'count', true>
  | OneMeasure<'sum', NumericFieldName<F>>
  | OneMeasure<'avg', NumericFieldName<F> | SqlExpression<'DOUBLE'>>
  | OneMeasure<'min', NumericFieldName<F>>
  | OneMeasure<'max', NumericFieldName<F>>;

/** A computed group key: an expression over the input's columns (a grid cell, an airport code). */
export interface KeyExpression extends SqlExpression<'BIGINT' | 'STRING' | 'BOOLEAN'> {
  /** Parameters the expression uses (e.g. bounding boxes). */
  readonly parameters?: SqlParameters;
}

/** A filter on the input rows, with the parameters it uses. */
export interface RowFilter {
  readonly sql: string;
  readonly parameters?: SqlParameters;
}

export interface WindowAggregateOptions<F extends Fields, G extends GroupFieldName<F>, M extends string> {
  /** Output (sink) table name, also the documents' record name. Default `<input table>_agg` (the Kinesis table's name for a source). */
  readonly table?: string;
  /** The window TVF. Default `tumble(1)`. */
  readonly window?: WindowSpec;
  /** Group keys besides the window: fields of the input (may be empty). */
  readonly groupBy: readonly G[];
  /** Computed group keys: output column name -> expression (after the field keys). */
  readonly keys?: Readonly<Record<string, KeyExpression>>;
  /**
   * Output column name -> measure. Counts are BIGINT; sums of int/long fields BIGINT (summed as BIGINT, so they do
   * not overflow), of doubles DOUBLE; averages always DOUBLE (the field is cast to DOUBLE first — Flink's AVG over an
   * INT column is an INT and truncates); min/max keep the field's type.
   */
  readonly measures: { readonly [K in M]: Measure<F> };
  /** Optional filter on the input rows (SQL over its columns), e.g. a bounding box. */
  readonly where?: string | RowFilter;
  /** Column of the window start (ISO 8601 UTC string). Default `window_start`. */
  readonly windowStartColumn?: string;
  /** Column of the window end (ISO 8601 UTC string). Default `window_end`. */
  readonly windowEndColumn?: string;
  /**
   * Which window bounds are part of the key (and the document id): `start` (default for TUMBLE and HOP, whose
   * start fixes the window) or `startAndEnd` (default for CUMULATE, whose windows share a start).
   */
  readonly windowKey?: 'start' | 'startAndEnd';
}

/** @deprecated Kept for the 1-minute tumbling form; use {@link WindowAggregateOptions} with `window: tumble(n)`. */
export interface TumblingAggregateOptions<F extends Fields, G extends GroupFieldName<F>, M extends string>
  extends Omit<WindowAggregateOptions<F, G, M>, 'window' | 'windowKey'> {
  /** Window length in minutes. Default 1. */
  readonly windowMinutes?: number;
}

/** One column of a stage's output (what its sink table declares). */
export interface AggregateColumn {
  readonly name: string;
  /** Flink SQL type of the sink column. */
  readonly type: string;
  /** Part of the primary key (window bounds and group keys). */
  readonly key: boolean;
  /** Declared NOT NULL in the sink (keys and counts). */
  readonly notNull: boolean;
  /** The SELECT expression producing it. */
  readonly expression: string;
  readonly doc: string;
}

/** What a sink needs from the stage that feeds it. */
export interface WindowOutput {
  /** The sink table the stage inserts into. */
  readonly table: string;
  readonly columns: readonly AggregateColumn[];
  /** Key columns in order; the sink's document id joins their values. */
  readonly primaryKey: readonly string[];
  /** The output rows as a `@pipeline/schema` schema (window bounds = the ISO strings the sink writes). */
  readonly documentSchema: Schema;
}

/** The aggregate INSERT and its output. */
export interface WindowAggregateTemplate<F extends Fields = Fields> extends SqlTemplate, WindowOutput {
  readonly source: EventTimeTable<F>;
  readonly window: WindowSpec;
  /** @deprecated The window length of a TUMBLE, else the window's size (or max size). */
  readonly windowMinutes: number;
  /** The grouped query with raw `window_start`/`window_end` TIMESTAMPs, keys and measures (for a Top-N on top). */
  readonly groupedQuery: string;
  readonly windowStartColumn: string;
  readonly windowEndColumn: string;
}

/** @deprecated Alias of {@link WindowAggregateTemplate}. */
export type TumblingAggregateTemplate<F extends Fields = Fields> = WindowAggregateTemplate<F>;

interface MeasureColumn {
  type: string;
  expression: string;
  field: Field;
  doc: string;
}

function measureColumn<F extends Fields>(schema: Schema<F>, name: string, measure: Measure<F>): MeasureColumn {
  const m = measure as Record<string, unknown>;
  const kinds = ['count', 'sum', 'avg', 'min', 'max'].filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) throw new TypeError(`measure ${name}: give exactly one of count, sum, avg, min, max`);
  const kind = kinds[0] as MeasureKind;
  const doc = typeof m.doc === 'string' ? m.doc : undefined;
  if (kind === 'count') {
    if (m.count !== true) throw new TypeError(`measure ${name}: count must be true`);
    return {
      type: 'BIGINT',
      expression: 'COUNT(*)',
      field: field.long({ min: 0 }),
      doc: doc ?? 'Records in the window',
    };
  }
  const target = m[kind];
  if (kind === 'avg' && typeof target === 'object' && target !== null) {
    const expr = target as SqlExpression;
    if (typeof expr.sql !== 'string' || expr.type !== 'DOUBLE') {
      throw new TypeError(`measure ${name}: avg takes a numeric field name or a DOUBLE SqlExpression`);
    }
    return {
      type: 'DOUBLE',
      expression: `AVG(${expr.sql})`,
      field: field.double(),
      doc: doc ?? `Average of ${expr.doc ?? expr.sql}`,
    };
  }
  const f = fieldOf(schema, target as string, `measure ${name}`, ['int', 'long', 'double']);
  const col = id(target as string);
  const what = target as string;
  const nullable = { nullable: f.nullable };
  switch (kind) {
    case 'sum':
      return f.type === 'double'
        ? { type: 'DOUBLE', expression: `SUM(${col})`, field: field.double(nullable), doc: doc ?? `Sum of ${what}` }
        : {
            type: 'BIGINT',
            expression: `SUM(CAST(${col} AS BIGINT))`,
            field: field.long(nullable),
            doc: doc ?? `Sum of ${what}`,
          };
    case 'avg':
      return {
        type: 'DOUBLE',
        expression: `AVG(CAST(${col} AS DOUBLE))`,
        field: field.double(nullable),
        doc: doc ?? `Average of ${what}`,
      };
    default: {
      const out =
        f.type === 'double' ? field.double(nullable) : f.type === 'int' ? field.int(nullable) : field.long(nullable);
      return {
        type: flinkType(f),
        expression: `${kind.toUpperCase()}(${col})`,
        field: out,
        doc: doc ?? `${kind === 'min' ? 'Smallest' : 'Largest'} ${what}`,
      };
    }
  }
}

function keyField(expr: KeyExpression): Field {
  const doc = expr.doc === undefined ? {} : { doc: expr.doc };
  return expr.type === 'STRING' ? field.string(doc) : expr.type === 'BIGINT' ? field.long(doc) : field.boolean(doc);
}

/** Merges parameter declarations; a name declared twice must be declared the same way. */
export function mergeParameters(...groups: ReadonlyArray<SqlParameters | undefined>): Record<string, SqlParameter> {
  const out: Record<string, SqlParameter> = {};
  for (const group of groups) {
    for (const [name, spec] of Object.entries(group ?? {})) {
      const before = out[name];
      if (before !== undefined && (before.type !== spec.type || before.doc !== spec.doc)) {
        throw new TypeError(`parameter ${name} is declared twice, differently`);
      }
      out[name] = spec;
    }
  }
  return out;
}

export const windowBound = (column: 'window_start' | 'window_end') =>
  `DATE_FORMAT(${column}, ${flinkStringLiteral(ISO_UTC_PATTERN)})`;

/** Columns in output order: window start, window end, field keys, computed keys, measures. */
function aggregateColumns<F extends Fields, G extends GroupFieldName<F>, M extends string>(
  source: EventTimeTable<F>,
  options: WindowAggregateOptions<F, G, M>,
  window: WindowSpec,
) {
  const startColumn = options.windowStartColumn ?? 'window_start';
  const endColumn = options.windowEndColumn ?? 'window_end';
  const windowKey = options.windowKey ?? (window.kind === 'cumulate' ? 'startAndEnd' : 'start');
  const columns: AggregateColumn[] = [
    {
      name: startColumn,
      type: 'STRING',
      key: true,
      notNull: true,
      expression: windowBound('window_start'),
      doc: 'Window start, UTC (ISO 8601)',
    },
    {
      name: endColumn,
      type: 'STRING',
      key: windowKey === 'startAndEnd',
      notNull: windowKey === 'startAndEnd',
      expression: windowBound('window_end'),
      doc: 'Window end (exclusive), UTC (ISO 8601)',
    },
  ];
  const docFields: Record<string, Field> = {
    [startColumn]: field.timestamp({ precision: 0, doc: 'Window start, UTC' }),
    [endColumn]: field.timestamp({ precision: 0, doc: 'Window end (exclusive), UTC' }),
  };
  const groupExpressions: string[] = [];
  for (const key of options.groupBy) {
    const f = fieldOf(source.schema, key, 'groupBy', ['string', 'int', 'long', 'boolean']);
    columns.push({ name: key, type: flinkType(f), key: true, notNull: true, expression: id(key), doc: f.doc ?? key });
    docFields[key] = f;
    groupExpressions.push(id(key));
  }
  for (const [name, expr] of Object.entries(options.keys ?? {})) {
    if (!['BIGINT', 'STRING', 'BOOLEAN'].includes(expr.type))
      throw new TypeError(`key ${name}: type must be BIGINT, STRING or BOOLEAN`);
    columns.push({ name, type: expr.type, key: true, notNull: true, expression: expr.sql, doc: expr.doc ?? name });
    docFields[name] = keyField(expr);
    groupExpressions.push(expr.sql);
  }
  for (const [name, measure] of Object.entries(options.measures) as [string, Measure<F>][]) {
    checkName('measure name', name);
    const m = measureColumn(source.schema, name, measure);
    columns.push({
      name,
      type: m.type,
      key: false,
      notNull: m.expression === 'COUNT(*)',
      expression: m.expression,
      doc: m.doc,
    });
    docFields[name] = m.field;
  }
  const seen = new Set<string>();
  for (const c of columns) {
    checkName('column name', c.name);
    if (seen.has(c.name)) throw new TypeError(`aggregate column "${c.name}" is defined twice`);
    seen.add(c.name);
  }
  if (options.groupBy.length !== new Set(options.groupBy).size) throw new TypeError('groupBy lists a field twice');
  return { columns, docFields, groupExpressions, startColumn, endColumn };
}

/**
 * A window aggregate (window TVF `TUMBLE`, `HOP` or `CUMULATE` over the input's event time) grouped by window and
 * keys, inserted into `table` (a sink template makes it) with an explicit column list. Window bounds are ISO 8601
 * UTC strings with `Z` (`UTC_SESSION` is part of the SQL): the sink would render a TIMESTAMP as
 * `2016-01-08 20:50:00`, which OpenSearch does not detect as a date.
 */
export function windowAggregate<const F extends Fields, const G extends GroupFieldName<F>, const M extends string>(
  source: EventTimeTable<F>,
  options: WindowAggregateOptions<F, G, M>,
): WindowAggregateTemplate<F> {
  const base = (source as { readonly sourceTable?: string }).sourceTable ?? source.table;
  const table = options.table ?? `${base}_agg`;
  checkName('aggregate table name', table);
  const window = checkWindow(options.window ?? tumble(1));
  const { columns, docFields, groupExpressions, startColumn, endColumn } = aggregateColumns(source, options, window);
  const where = typeof options.where === 'string' ? { sql: options.where } : options.where;
  const parameters = mergeParameters(where?.parameters, ...Object.values(options.keys ?? {}).map((k) => k.parameters));
  const tvf = windowTvf(source, window);
  const groupBy = ['window_start', 'window_end', ...groupExpressions].join(', ');
  const whereLine = where === undefined ? '' : `WHERE ${where.sql}\n`;
  const select = columns.map((c) => `  ${c.expression} AS ${id(c.name)}`).join(',\n');
  const sql =
    `${UTC_SESSION}\n\n` +
    `INSERT INTO ${id(table)} (${columns.map((c) => id(c.name)).join(', ')})\n` +
    `SELECT\n${select}\nFROM ${tvf}\n${whereLine}GROUP BY ${groupBy};\n`;
  const inner = columns
    .filter((c) => c.name !== startColumn && c.name !== endColumn)
    .map((c) => `${c.expression} AS ${id(c.name)}`);
  const groupedQuery = `SELECT window_start, window_end, ${inner.join(', ')}\nFROM ${tvf}\n${whereLine}GROUP BY ${groupBy}`;
  const size = window.kind === 'tumble' || window.kind === 'hop' ? window.sizeMinutes : window.maxSizeMinutes;
  return {
    sql,
    parameters,
    table,
    source,
    window,
    windowMinutes: size,
    columns,
    primaryKey: columns.filter((c) => c.key).map((c) => c.name),
    documentSchema: defineSchema({
      name: table,
      doc: `${describeWindow(window)} aggregate of ${source.table}`,
      fields: docFields,
    }),
    groupedQuery,
    windowStartColumn: startColumn,
    windowEndColumn: endColumn,
  };
}

/** A tumbling-window aggregate of `windowMinutes` (default 1): {@link windowAggregate} with `window: tumble(n)`. */
export function tumblingWindowAggregate<
  const F extends Fields,
  const G extends GroupFieldName<F>,
  const M extends string,
>(source: EventTimeTable<F>, options: TumblingAggregateOptions<F, G, M>): WindowAggregateTemplate<F> {
  const { windowMinutes, ...rest } = options;
  const size = windowMinutes ?? 1;
  if (!Number.isSafeInteger(size) || size < 1)
    throw new TypeError(`windowMinutes must be a whole number >= 1, got ${size}`);
  const template = windowAggregate(source, { ...rest, window: tumble(size) });
  return {
    ...template,
    documentSchema: defineSchema({
      name: template.table,
      doc: `${size}-minute tumbling-window aggregate of ${source.table}`,
      fields: template.documentSchema.fields,
    }),
  };
}
