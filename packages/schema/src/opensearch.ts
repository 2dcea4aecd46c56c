import type { Field } from './fields.js';
import type { Fields, Schema } from './schema.js';

/** The date formats a timestamp field accepts in OpenSearch: the wire form, or epoch milliseconds. */
export const OPENSEARCH_DATE_FORMAT = 'strict_date_optional_time||epoch_millis';

/** One OpenSearch field mapping emitted by `toOpenSearchMapping`. */
export type OpenSearchFieldMapping =
  | { readonly type: 'keyword' }
  | { readonly type: 'integer' }
  | { readonly type: 'long' }
  | { readonly type: 'double' }
  | { readonly type: 'boolean' }
  | { readonly type: 'date'; readonly format: string };

/** An index's `mappings` body. */
export interface OpenSearchMapping {
  readonly dynamic: 'strict' | boolean;
  readonly properties: { readonly [name: string]: OpenSearchFieldMapping };
}

export interface OpenSearchMappingOptions {
  /**
   * `strict` (default) rejects documents with fields the schema does not define; `false` keeps them in `_source`
   * unindexed; `true` lets OpenSearch guess a mapping for them.
   */
  readonly dynamic?: 'strict' | boolean;
}

/** OpenSearch mapping of one field: keyword, integer, long, double, boolean, or date. */
export function openSearchFieldMapping(f: Field): OpenSearchFieldMapping {
  switch (f.type) {
    case 'string':
      return { type: 'keyword' };
    case 'int':
      return { type: 'integer' };
    case 'long':
      return { type: 'long' };
    case 'double':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'timestamp':
      return { type: 'date', format: OPENSEARCH_DATE_FORMAT };
  }
}

/**
 * An explicit OpenSearch mapping for a schema (use as `mappings` when creating an index or index template). Strings
 * map to `keyword` (exact match, aggregations); timestamps to `date` with `strict_date_optional_time||epoch_millis`,
 * which stores milliseconds. OpenSearch fields are always nullable; constraints are not emitted.
 */
export function toOpenSearchMapping<F extends Fields>(
  schema: Schema<F>,
  options: OpenSearchMappingOptions = {},
): OpenSearchMapping {
  const properties: { [name: string]: OpenSearchFieldMapping } = {};
  for (const [name, f] of Object.entries(schema.fields as Fields)) properties[name] = openSearchFieldMapping(f);
  return { dynamic: options.dynamic ?? 'strict', properties };
}
