import { fullJitterDelay as backoffDelay } from '@pipeline/commons';
import { describe, expect, it } from 'vitest';
import { classifyEntryError, classifyError } from '../../src/classify.js';

const service = (name: string, status: number) =>
  Object.assign(new Error(name), {
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });

describe('classifyError', () => {
  it.each([
    [service('ProvisionedThroughputExceededException', 400), { retryable: true, throttling: true, ambiguous: false }],
    [service('LimitExceededException', 400), { retryable: true, throttling: true }],
    [service('KMSThrottlingException', 400), { retryable: true, throttling: true }],
    [service('InternalFailure', 500), { retryable: true, throttling: false, ambiguous: false }],
    [service('ServiceUnavailable', 503), { retryable: true }],
    [service('SomethingNew', 502), { retryable: true }],
    [service('ExpiredTokenException', 400), { retryable: true }],
    [service('ResourceNotFoundException', 400), { retryable: false }],
    [service('AccessDeniedException', 400), { retryable: false }],
    [service('ValidationException', 400), { retryable: false }],
    [service('KMSDisabledException', 400), { retryable: false }],
    [service('KMSNotFoundException', 400), { retryable: false }],
    [service('SomethingElse', 400), { retryable: false }],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      { code: 'NetworkError', retryable: true, ambiguous: true },
    ],
    [
      Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }),
      { code: 'NetworkError', retryable: true, ambiguous: false },
    ],
    [
      Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      { code: 'Timeout', retryable: true, ambiguous: true },
    ],
    [
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      { code: 'Timeout', retryable: true, ambiguous: true },
    ],
  ])('%s', (error, expected) => {
    expect(classifyError(error)).toMatchObject(expected);
  });

  it('classifies entry error codes', () => {
    expect(classifyEntryError('ProvisionedThroughputExceededException', '')).toMatchObject({
      retryable: true,
      throttling: true,
    });
    expect(classifyEntryError('InternalFailure', '')).toMatchObject({ retryable: true, throttling: false });
    expect(classifyEntryError('KMSAccessDeniedException', '')).toMatchObject({ retryable: false });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap with full jitter', () => {
    expect(backoffDelay(1, 100, 5000, () => 0.999)).toBe(99);
    expect(backoffDelay(3, 100, 5000, () => 0.999)).toBe(399);
    expect(backoffDelay(20, 100, 5000, () => 0.999)).toBe(4995);
    expect(backoffDelay(5, 100, 5000, () => 0)).toBe(0);
  });
});
