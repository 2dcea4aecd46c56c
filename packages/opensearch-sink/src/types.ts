/**
 * Bulk action of a document. `upsert` is an `update` with `doc_as_upsert: true` (partial document merged into the
 * stored one, or indexed as is when missing); `delete` sends no source.
 */
export type BulkAction = 'index' | 'create' | 'update' | 'upsert' | 'delete';

/**
 * What OpenSearch did with an indexed document. `exists`: already in the index as written (409 on `create`, or a
 * lost answer settled by a read of the id that finds the document as sent). `stale`: 409 with an external version (a
 * newer or equal version is stored). `not_found`: a `delete` of a missing document.
 */
export type ItemResult = 'created' | 'updated' | 'noop' | 'deleted' | 'not_found' | 'exists' | 'stale';

/** The part of an `@opensearch-project/opensearch` `Client` the sink and the helpers use. */
export interface OpenSearchClientLike {
  readonly transport: {
    request(
      params: {
        method: string;
        path: string;
        body?: Record<string, unknown> | string;
        bulkBody?: string;
        querystring?: Record<string, unknown>;
      },
      options?: {
        ignore?: number[];
        requestTimeout?: number | string;
        maxRetries?: number;
        headers?: Record<string, string>;
        /** The sink's `_bulk` requests ask for the raw answer (`body` a stream, any status); a parsed body works too. */
        asStream?: boolean;
      },
    ): PromiseLike<{ body: unknown; statusCode: number | null }> & { abort?: () => void };
  };
  close?(): Promise<void> | void;
}
