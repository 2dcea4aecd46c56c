/**
 * Typed Flink SQL templates built from a `@pipeline/schema` schema, one file per stage: the Kinesis source
 * (source.ts), deduplication (dedup.ts), window TVFs (windows.ts), window aggregates (aggregate.ts), Top-N per window
 * (top-n.ts), sinks (sinks/), expressions (expressions.ts), composition (compose.ts) and the taxi analytics
 * (analytics/taxi.ts). Each returns `{ sql, parameters }`: connection details are the runner's typed `${name}`
 * parameters, bound per environment with `bindParameters()` and written with `writeParamsFile()`.
 */
export * from './aggregate.js';
export * from './analytics/taxi.js';
export * from './compose.js';
export * from './dedup.js';
export * from './expressions.js';
export * from './sinks/kinesis.js';
export * from './sinks/opensearch.js';
export * from './sinks/print.js';
export * from './source.js';
export * from './sql-text.js';
export * from './top-n.js';
export * from './view.js';
export * from './windows.js';
