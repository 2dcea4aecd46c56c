/** The `print` sink for local debugging: the stage's rows on the task manager's stdout (the job log). */

import { flinkStringLiteral } from '@pipeline/schema';
import type { WindowOutput } from '../aggregate.js';
import type { SqlTemplate } from '../parameters.js';
import { id, option } from '../sql-text.js';
import { sinkColumnLines } from './columns.js';

export interface PrintSinkTemplate extends SqlTemplate<Record<never, never>> {
  readonly table: string;
}

/** The stage's table as `'connector' = 'print'` (rows as `+I[...]`, prefixed with `identifier`). */
export function printSinkTable(
  output: WindowOutput,
  options: { readonly identifier?: string } = {},
): PrintSinkTemplate {
  const withOptions = [
    option('connector', "'print'"),
    ...(options.identifier === undefined ? [] : [option('print-identifier', flinkStringLiteral(options.identifier))]),
  ];
  const sql = `CREATE TABLE ${id(output.table)} (\n${sinkColumnLines(output, false).join(',\n')}\n) WITH (\n${withOptions.join(',\n')}\n);\n`;
  return { sql, parameters: {}, table: output.table };
}
