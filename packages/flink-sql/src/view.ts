/**
 * A view that adds computed columns to a stage's input (e.g. the airport a trip touches), so later stages group by
 * a named column instead of repeating the expression. Projections and filters keep the rowtime attribute.
 */
import { defineSchema, type Field, type Fields, field } from '@pipeline/schema';
import type { KeyExpression, RowFilter } from './aggregate.js';
import { mergeParameters } from './aggregate.js';
import type { SqlTemplate } from './parameters.js';
import type { EventTimeTable } from './source.js';
import { checkName, id } from './sql-text.js';

export interface DerivedViewOptions<C extends string> {
  /** View name. */
  readonly table: string;
  /** New column name -> expression over the input's columns. */
  readonly columns: { readonly [K in C]: KeyExpression };
  /** Rows to keep (SQL over the input's columns and the new ones is not allowed: use the input's). */
  readonly where?: RowFilter;
}

export interface DerivedViewTemplate<F extends Fields = Fields> extends SqlTemplate, EventTimeTable<F> {}

function columnField(expr: KeyExpression): Field {
  const options = { nullable: true, ...(expr.doc === undefined ? {} : { doc: expr.doc }) };
  return expr.type === 'STRING'
    ? field.string(options)
    : expr.type === 'BIGINT'
      ? field.long(options)
      : field.boolean(options);
}

/** `CREATE VIEW <table> AS SELECT *, <expr> AS <name>, ... FROM <input> [WHERE ...]`; its schema has the new columns. */
export function derivedView<const F extends Fields, const C extends string>(
  input: EventTimeTable<F>,
  options: DerivedViewOptions<C>,
): DerivedViewTemplate<F & { readonly [K in C]: Field }> {
  checkName('view name', options.table);
  const added: Record<string, Field> = {};
  const lines: string[] = [];
  for (const [name, expr] of Object.entries(options.columns) as [string, KeyExpression][]) {
    checkName('column name', name);
    if (Object.hasOwn(input.schema.fields, name))
      throw new TypeError(`column ${name} is already a field of ${input.table}`);
    added[name] = columnField(expr);
    lines.push(`  ${expr.sql.replace(/\n/g, '\n  ')} AS ${id(name)}`);
  }
  const names = Object.keys(input.schema.fields).map((name) => `  ${id(name)}`);
  const sql =
    `CREATE VIEW ${id(options.table)} AS\nSELECT\n${[...names, ...lines].join(',\n')}\nFROM ${id(input.table)}` +
    (options.where === undefined ? '' : `\nWHERE ${options.where.sql}`) +
    ';\n';
  const schema = defineSchema({ name: options.table, fields: { ...input.schema.fields, ...added } });
  type Out = DerivedViewTemplate<F & { readonly [K in C]: Field }>;
  return {
    sql,
    parameters: mergeParameters(
      options.where?.parameters,
      ...Object.values<KeyExpression>(options.columns).map((c) => c.parameters),
    ),
    table: options.table,
    schema,
    eventTime: input.eventTime,
  } as unknown as Out;
}
