/**
 * Composition: templates joined into one runner script (session settings first, then DDL, then the INSERTs, which
 * the runner runs as one statement set), and the one-aggregate pipeline Kinesis -> window -> OpenSearch.
 */
import type { Fields, OpenSearchMapping } from '@pipeline/schema';
import {
  mergeParameters,
  type TumblingAggregateOptions,
  tumblingWindowAggregate,
  type WindowAggregateTemplate,
} from './aggregate.js';
import type { SqlParameter, SqlParameters, SqlTemplate } from './parameters.js';
import {
  type OpenSearchSinkOptions,
  type OpenSearchSinkParameterName,
  type OpenSearchSinkTemplate,
  openSearchSinkTable,
} from './sinks/opensearch.js';
import {
  type KinesisSourceOptions,
  type KinesisSourceParameterName,
  type KinesisSourceTemplate,
  kinesisSourceTable,
} from './source.js';
import type { GroupFieldName } from './sql-text.js';

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type MergedParameters<T extends readonly SqlTemplate[]> = UnionToIntersection<T[number]['parameters']> & SqlParameters;

const SET_LINE = /^SET\s+'([^']+)'\s*=\s*'((?:[^']|'')*)';\s*/;

/**
 * Joins templates into one script (in order: DDL before the INSERTs that use it; the runner runs all DDL, then all
 * INSERTs as one statement set) and merges their parameters; a name declared twice must be declared the same way.
 * Leading `SET` statements of the templates go first, once each; the same key set to two values is an error.
 */
export function composeSql<const T extends readonly SqlTemplate[]>(...templates: T): SqlTemplate<MergedParameters<T>> {
  const parameters = mergeParameters(...templates.map((t) => t.parameters));
  const settings = new Map<string, string>();
  const parts: string[] = [];
  for (const t of templates) {
    let text = t.sql.trim();
    for (let m = SET_LINE.exec(text); m !== null; m = SET_LINE.exec(text)) {
      const [statement, key, value] = m as unknown as [string, string, string];
      const before = settings.get(key);
      if (before !== undefined && before !== value)
        throw new TypeError(`SET '${key}' is given two values: '${before}' and '${value}'`);
      settings.set(key, value);
      text = text.slice(statement.length).trim();
    }
    if (text !== '') parts.push(text);
  }
  const head = [...settings].map(([k, v]) => `SET '${k}' = '${v}';`);
  return {
    sql: `${[...head, ...parts].join('\n\n')}\n`,
    parameters: parameters as MergedParameters<T>,
  };
}

export interface WindowedAggregatePipelineOptions<
  F extends Fields,
  L extends boolean,
  G extends GroupFieldName<F>,
  M extends string,
  A extends boolean,
> {
  readonly source: KinesisSourceOptions<F, L>;
  readonly aggregate: TumblingAggregateOptions<F, G, M>;
  readonly sink?: OpenSearchSinkOptions<A>;
}

/** The whole job: source DDL, sink DDL, the aggregate INSERT; its parameters; and the sink's index mapping. */
export interface WindowedAggregatePipeline<F extends Fields, L extends boolean, A extends boolean>
  extends SqlTemplate<{
    readonly [K in KinesisSourceParameterName<L> | OpenSearchSinkParameterName<A>]: SqlParameter<'string'>;
  }> {
  readonly source: KinesisSourceTemplate<F, L>;
  readonly aggregate: WindowAggregateTemplate<F>;
  readonly sink: OpenSearchSinkTemplate<A, 'opensearchIndex'>;
  /** Mapping of the aggregate index (same as `sink.mapping`). */
  readonly mapping: OpenSearchMapping;
}

/**
 * Kinesis source -> tumbling-window aggregate -> OpenSearch, as one runner script:
 *
 * ```ts
 * const job = windowedAggregatePipeline({
 *   source: { schema: tripSchema, table: 'trips', eventTime: 'pickupDate', outOfOrdernessSeconds: 5 },
 *   aggregate: { table: 'trip_stats', groupBy: ['vendorId'], measures: { trips: { count: true } } },
 * });
 * writeParamsFile('params.json', bindParameters(job, { kinesisStream: 'trips', awsRegion: 'us-east-1', ... }));
 * ```
 */
export function windowedAggregatePipeline<
  const F extends Fields,
  const G extends GroupFieldName<F>,
  const M extends string,
  const L extends boolean = false,
  const A extends boolean = false,
>(options: WindowedAggregatePipelineOptions<F, L, G, M, A>): WindowedAggregatePipeline<F, L, A> {
  const source = kinesisSourceTable(options.source);
  const aggregate = tumblingWindowAggregate(source, options.aggregate);
  const sink = openSearchSinkTable<A, 'opensearchIndex'>(aggregate, options.sink);
  const script = composeSql(source, sink, aggregate);
  return {
    sql: script.sql,
    parameters: script.parameters as WindowedAggregatePipeline<F, L, A>['parameters'],
    source,
    aggregate,
    sink,
    mapping: sink.mapping,
  };
}
