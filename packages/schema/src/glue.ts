import { SchemaDefinitionError } from './errors.js';
import type { LogicalType } from './fields.js';
import type { Fields, Schema } from './schema.js';

/** Glue Data Catalog / Hive column types this package emits. */
export type GlueType = 'string' | 'int' | 'bigint' | 'double' | 'boolean' | 'timestamp';

/** A Glue column, shaped like CloudFormation/CDK `AWS::Glue::Table` `Column` (`{ name, type, comment }`). */
export interface GlueColumn {
  readonly name: string;
  readonly type: GlueType;
  readonly comment?: string;
}

export interface GlueColumnOptions {
  /**
   * Lower-case column names. Default true: Glue, Hive and Athena treat column names as lower case, and Firehose's
   * OpenX JSON SerDe lower-cases JSON keys before matching them. Two fields that differ only in case are an error.
   */
  readonly lowercase?: boolean;
  /** Add each field's `doc` as the column comment (cut to Glue's 255 characters). Default true. */
  readonly comments?: boolean;
}

/** Glue's column comment limit. */
export const GLUE_COMMENT_MAX = 255;

const GLUE_TYPES: Record<LogicalType, GlueType> = {
  string: 'string',
  int: 'int',
  long: 'bigint',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp',
};

/**
 * Glue/Hive columns for a schema, in field order: string, int, bigint, double, boolean, timestamp. Glue has no
 * NOT NULL or constraints; every column is nullable there.
 */
export function toGlueColumns<F extends Fields>(schema: Schema<F>, options: GlueColumnOptions = {}): GlueColumn[] {
  const lowercase = options.lowercase ?? true;
  const comments = options.comments ?? true;
  const seen = new Map<string, string>();
  return Object.entries(schema.fields as Fields).map(([fieldName, f]) => {
    const name = lowercase ? fieldName.toLowerCase() : fieldName;
    const clash = seen.get(name);
    if (clash !== undefined) {
      throw new SchemaDefinitionError(
        `schema "${schema.name}": fields "${clash}" and "${fieldName}" both become Glue column "${name}"`,
      );
    }
    seen.set(name, fieldName);
    const doc = comments && f.doc !== undefined ? f.doc.replace(/\s+/g, ' ').trim() : '';
    const comment = doc.length > GLUE_COMMENT_MAX ? `${doc.slice(0, GLUE_COMMENT_MAX - 1)}…` : doc;
    return { name, type: GLUE_TYPES[f.type], ...(comment === '' ? {} : { comment }) };
  });
}
