/**
 * Top-N per window: the N best rows of a window aggregate in every window (`ROW_NUMBER() OVER (PARTITION BY
 * window_start, window_end ORDER BY ...) <= N`, Flink's window Top-N, which emits each window's final ranking once),
 * with a deterministic order (ties broken by the keys) and columns computed from the aggregate's (a cell's centre).
 */
import { defineSchema, type Field, type Fields, field } from '@pipeline/schema';
import { type AggregateColumn, type WindowAggregateTemplate, type WindowOutput, windowBound } from './aggregate.js';
import type { SqlTemplate } from './parameters.js';
import { checkInteger, checkName, id, type SqlExpression, UTC_SESSION } from './sql-text.js';

export interface TopNOrder {
  readonly column: string;
  readonly direction: 'ASC' | 'DESC';
}

export interface WindowTopNOptions {
  /** Output (sink) table name. Default `<aggregate table>_top<N>`. */
  readonly table?: string;
  /** Rows per window. */
  readonly limit: number;
  /**
   * Ranking order over the aggregate's columns, e.g. `[{ column: 'pickups', direction: 'DESC' }]`. The key columns
   * are appended (ascending) so equal values rank the same way every run.
   */
  readonly orderBy: readonly TopNOrder[];
  /** Column of the rank (1 = best; part of the key: the document id is window start and rank). Default `rank`. */
  readonly rankColumn?: string;
  /** Columns computed from the aggregate's columns (by name), e.g. a cell's centre; placed before the rank. */
  readonly derived?: Readonly<Record<string, SqlExpression<'DOUBLE' | 'BIGINT' | 'STRING'>>>;
}

export interface WindowTopNTemplate<F extends Fields = Fields> extends SqlTemplate, WindowOutput {
  readonly aggregate: WindowAggregateTemplate<F>;
  readonly limit: number;
  readonly rankColumn: string;
}

function derivedField(expr: SqlExpression): Field {
  const doc = expr.doc === undefined ? {} : { doc: expr.doc };
  return expr.type === 'DOUBLE' ? field.double(doc) : expr.type === 'BIGINT' ? field.long(doc) : field.string(doc);
}

/**
 * The `limit` best rows per window of `aggregate` (whose own INSERT is then not used: this stage inserts into its
 * own table). Output: window bounds, the aggregate's keys and measures, the derived columns, the rank; key = window
 * start (and end, when the aggregate's key has it) + rank.
 */
export function windowTopN<F extends Fields>(
  aggregate: WindowAggregateTemplate<F>,
  options: WindowTopNOptions,
): WindowTopNTemplate<F> {
  checkInteger('limit', options.limit, 1);
  const table = options.table ?? `${aggregate.table}_top${options.limit}`;
  checkName('Top-N table name', table);
  const rankColumn = options.rankColumn ?? 'rank';
  const names = new Set(aggregate.columns.map((c) => c.name));
  const windowColumns = [aggregate.windowStartColumn, aggregate.windowEndColumn];
  if (options.orderBy.length === 0) throw new TypeError('orderBy needs at least one column');
  for (const order of options.orderBy) {
    if (!names.has(order.column) || windowColumns.includes(order.column)) {
      throw new TypeError(`orderBy: ${order.column} is not a key or measure of ${aggregate.table}`);
    }
    if (order.direction !== 'ASC' && order.direction !== 'DESC')
      throw new TypeError('orderBy direction must be ASC or DESC');
  }
  const windowKeys = aggregate.columns.filter((c) => windowColumns.includes(c.name));
  const keys = aggregate.columns.filter((c) => c.key && !windowColumns.includes(c.name));
  const rest = aggregate.columns.filter((c) => !windowColumns.includes(c.name));
  const tieBreak = keys
    .filter((k) => !options.orderBy.some((o) => o.column === k.name))
    .map((k) => `${id(k.name)} ASC`);
  const order = [...options.orderBy.map((o) => `${id(o.column)} ${o.direction}`), ...tieBreak].join(', ');

  const columns: AggregateColumn[] = [
    ...windowKeys.map((c) => ({
      ...c,
      expression: windowBound(c.name === aggregate.windowStartColumn ? 'window_start' : 'window_end'),
    })),
    ...rest.map((c) => ({ ...c, key: false, expression: id(c.name) })),
  ];
  const docFields: Record<string, Field> = {};
  for (const c of [...windowKeys, ...rest]) docFields[c.name] = aggregate.documentSchema.fields[c.name] as Field;
  for (const [name, expr] of Object.entries(options.derived ?? {})) {
    checkName('derived column name', name);
    columns.push({ name, type: expr.type, key: false, notNull: false, expression: expr.sql, doc: expr.doc ?? name });
    docFields[name] = derivedField(expr);
  }
  columns.push({
    name: rankColumn,
    type: 'BIGINT',
    key: true,
    notNull: true,
    expression: '`row_num`',
    doc: `Rank in the window, 1 = most`,
  });
  docFields[rankColumn] = field.long({ min: 1, max: options.limit, doc: 'Rank in the window, 1 = first' });
  const seen = new Set<string>();
  for (const c of columns) {
    checkName('column name', c.name);
    if (seen.has(c.name)) throw new TypeError(`Top-N column "${c.name}" is defined twice`);
    seen.add(c.name);
  }
  const select = columns.map((c) => `  ${c.expression} AS ${id(c.name)}`).join(',\n');
  const indent = (text: string, by: string) =>
    text
      .split('\n')
      .map((line) => by + line)
      .join('\n');
  const sql =
    `${UTC_SESSION}\n\n` +
    `INSERT INTO ${id(table)} (${columns.map((c) => id(c.name)).join(', ')})\n` +
    `SELECT\n${select}\nFROM (\n` +
    `  SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY ${order}) AS \`row_num\`\n` +
    `  FROM (\n${indent(aggregate.groupedQuery, '    ')}\n  )\n)\n` +
    `WHERE \`row_num\` <= ${options.limit};\n`;
  const primaryKey = [...windowKeys.filter((c) => c.key).map((c) => c.name), rankColumn];
  return {
    sql,
    parameters: aggregate.parameters,
    table,
    aggregate,
    limit: options.limit,
    rankColumn,
    columns: columns.map((c) => ({ ...c, key: primaryKey.includes(c.name) })),
    primaryKey,
    documentSchema: defineSchema({
      name: table,
      doc: `Top ${options.limit} of ${aggregate.table} per window`,
      fields: docFields,
    }),
  };
}
