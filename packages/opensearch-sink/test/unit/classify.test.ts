import { errors } from '@opensearch-project/opensearch';
import { describe, expect, it } from 'vitest';
import { backoffDelay, classifyItem, classifyRequestError } from '../../src/index.js';

describe('backoff with full jitter', () => {
  it('is uniform in [0, min(max, base × 2^(n−1))]', () => {
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, 100, 1000, () => 0.999999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, 100, 1000, () => 0)).toBe(0);
    expect(backoffDelay(3, 100, 1000, () => 0.5)).toBe(200);
  });
});

describe('item classification', () => {
  const err = (type: string, reason = 'r') => ({ type, reason });
  it('delivered, retried (throttled or not) and permanent', () => {
    expect(classifyItem({ status: 201, result: 'created' }, 'index', false)).toEqual({
      kind: 'delivered',
      result: 'created',
    });
    expect(classifyItem({ status: 200, result: 'noop' }, 'upsert', false)).toEqual({
      kind: 'delivered',
      result: 'noop',
    });
    expect(classifyItem({ status: 404, result: 'not_found' }, 'delete', false)).toEqual({
      kind: 'delivered',
      result: 'not_found',
    });
    expect(classifyItem({ status: 409, error: err('version_conflict_engine_exception') }, 'create', false)).toEqual({
      kind: 'delivered',
      result: 'exists',
    });
    expect(classifyItem({ status: 409, error: err('version_conflict_engine_exception') }, 'index', true)).toEqual({
      kind: 'delivered',
      result: 'stale',
    });
    expect(
      classifyItem({ status: 409, error: err('version_conflict_engine_exception') }, 'update', false),
    ).toMatchObject({ kind: 'retry', throttled: false });
    expect(classifyItem({ status: 429, error: err('es_rejected_execution_exception') }, 'index', false)).toMatchObject({
      kind: 'retry',
      throttled: true,
    });
    expect(
      classifyItem({ status: 500, error: err('x', 'rejected execution of TransportShardBulkAction') }, 'index', false),
    ).toMatchObject({ kind: 'retry', throttled: true });
    for (const status of [502, 503, 504])
      expect(classifyItem({ status, error: err('unavailable_shards_exception') }, 'index', false)).toMatchObject({
        kind: 'retry',
        throttled: false,
      });
    expect(classifyItem({ status: 400, error: err('mapper_parsing_exception') }, 'index', false)).toMatchObject({
      kind: 'permanent',
    });
    expect(
      classifyItem({ status: 404, error: err('index_not_found_exception', 'no such index [x]') }, 'index', false),
    ).toMatchObject({
      kind: 'permanent',
      error: { status: 404, type: 'index_not_found_exception', reason: 'no such index [x]' },
    });
    expect(classifyItem({ status: 404, error: err('document_missing_exception') }, 'update', false)).toMatchObject({
      kind: 'permanent',
    });
  });

  it('keeps the cause in the reason', () => {
    const verdict = classifyItem(
      {
        status: 400,
        error: {
          type: 'mapper_parsing_exception',
          reason: 'failed to parse field [f]',
          caused_by: { type: 'number_format_exception', reason: 'For input string: "x"' },
        },
      },
      'index',
      false,
    );
    expect(verdict).toMatchObject({
      error: { reason: 'failed to parse field [f] (caused by number_format_exception: For input string: "x")' },
    });
  });
});

describe('request classification', () => {
  const response = (statusCode: number, body: unknown = {}) =>
    new errors.ResponseError({ statusCode, body, headers: {}, warnings: null, meta: {} } as never);
  it('classifies the client errors', () => {
    expect(classifyRequestError(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'))).toMatchObject({
      retryable: true,
      neverSent: true,
    });
    expect(classifyRequestError(new errors.ConnectionError('socket hang up'))).toMatchObject({
      retryable: true,
      neverSent: false,
      throttled: false,
    });
    expect(classifyRequestError(new errors.TimeoutError('Request timed out', {} as never))).toMatchObject({
      retryable: true,
      neverSent: false,
    });
    expect(classifyRequestError(response(429))).toMatchObject({ retryable: true, throttled: true });
    expect(classifyRequestError(response(503))).toMatchObject({ retryable: true, throttled: true });
    expect(classifyRequestError(response(500))).toMatchObject({ retryable: true, throttled: false });
    expect(classifyRequestError(response(413, 'Request size exceeded 10485760 bytes'))).toMatchObject({
      tooLarge: true,
      error: { status: 413, reason: 'Request size exceeded 10485760 bytes' },
    });
    expect(classifyRequestError(response(403))).toMatchObject({ retryable: true, throttled: false });
    expect(classifyRequestError(response(400, { error: { type: 'parse_exception', reason: 'bad' } }))).toMatchObject({
      retryable: false,
      error: { type: 'parse_exception' },
    });
  });
});
