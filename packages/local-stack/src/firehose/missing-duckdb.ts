// Its own file, free of DuckDB's types: the public entry exports it, and a Kinesis-only user has no @duckdb/node-api.
/** `@duckdb/node-api` is an optional peer dependency: only the local Firehose delivery needs it. */
export class MissingDuckDBError extends Error {
  constructor(cause: unknown) {
    super(
      'the local Firehose delivery writes Parquet with DuckDB: install the optional peer dependency ' +
        "'@duckdb/node-api' (npm install --save-dev @duckdb/node-api@1.5.6-r.1)",
      { cause },
    );
    this.name = 'MissingDuckDBError';
  }
}
