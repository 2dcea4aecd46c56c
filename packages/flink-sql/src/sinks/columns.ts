import { flinkStringLiteral } from '@pipeline/schema';
import type { WindowOutput } from '../aggregate.js';
import { id } from '../sql-text.js';

/** The sink table's column lines (types, NOT NULL for keys and counts, comments). */
export function sinkColumnLines(output: WindowOutput, comments: boolean): string[] {
  return output.columns.map(
    (c) =>
      `  ${id(c.name)} ${c.type}${c.notNull ? ' NOT NULL' : ''}` +
      (comments ? ` COMMENT ${flinkStringLiteral(c.doc)}` : ''),
  );
}
