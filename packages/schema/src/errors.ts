import type { StandardSchemaV1 } from './standard-schema.js';

/** Thrown by `defineSchema` and the `field` builders when a schema itself is invalid (bad name, min > max, …). */
export class SchemaDefinitionError extends Error {
  override readonly name = 'SchemaDefinitionError';
}

/** Thrown by `parse` when a value does not match its schema. `issues` lists every problem found. */
export class SchemaValidationError extends Error {
  override readonly name = 'SchemaValidationError';
  readonly schemaName: string;
  readonly issues: readonly StandardSchemaV1.Issue[];

  constructor(schemaName: string, issues: readonly StandardSchemaV1.Issue[]) {
    const shown = issues.slice(0, 5).map((issue) => issue.message);
    const more = issues.length > shown.length ? `; and ${issues.length - shown.length} more` : '';
    super(`record does not match schema "${schemaName}": ${shown.join('; ')}${more}`);
    this.schemaName = schemaName;
    this.issues = issues;
  }
}
