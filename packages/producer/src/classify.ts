/** How the producer treats an error from Kinesis or the network. */
export interface ErrorClassification {
  readonly code: string;
  readonly message: string;
  /** Try again after a backoff (until `recordTtl`). */
  readonly retryable: boolean;
  /** The shard or account is over its limits: slow the shard's limiter down. */
  readonly throttling: boolean;
  /** The request may have been applied although no answer arrived: a retry can duplicate. */
  readonly ambiguous: boolean;
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

const RETRYABLE = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  // The SDK's credential provider fetches fresh credentials for the next request.
  'ExpiredTokenException',
  'ExpiredToken',
  'RequestExpired',
  'RequestTimeout',
  'RequestTimeoutException',
  'Timeout',
  'NetworkError',
]);

const FATAL = new Set([
  'ResourceNotFoundException',
  'ResourceInUseException',
  'InvalidArgumentException',
  'ValidationException',
  'AccessDeniedException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'InvalidClientTokenId',
  'NotAuthorized',
  'OptInRequired',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_HTTP2_STREAM_ERROR',
  'UND_ERR_SOCKET',
]);

/** Codes that say the request surely never reached a server (safe to retry without duplicates). */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
  cause?: unknown;
}

/** Classifies a whole-request failure (an SDK exception, a network error or our own timeout). */
export function classifyError(error: unknown): ErrorClassification {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const sysCode = typeof e.code === 'string' ? e.code : undefined;
  const status = e.$metadata?.httpStatusCode;

  if (name === 'TimeoutError' || name === 'AbortError' || sysCode === 'ETIMEDOUT') {
    return { code: 'Timeout', message, retryable: true, throttling: false, ambiguous: true };
  }
  if (sysCode !== undefined && NETWORK_CODES.has(sysCode)) {
    return {
      code: 'NetworkError',
      message: `${sysCode}: ${message}`,
      retryable: true,
      throttling: false,
      ambiguous: !NEVER_SENT.has(sysCode),
    };
  }
  if (THROTTLING.has(name)) return { code: name, message, retryable: true, throttling: true, ambiguous: false };
  if (FATAL.has(name)) return { code: name, message, retryable: false, throttling: false, ambiguous: false };
  if (RETRYABLE.has(name)) return { code: name, message, retryable: true, throttling: false, ambiguous: false };
  if (status === 429) return { code: name, message, retryable: true, throttling: true, ambiguous: false };
  if (status !== undefined && status >= 500)
    return { code: name, message, retryable: true, throttling: false, ambiguous: false };
  if (status !== undefined && status >= 400)
    return { code: name, message, retryable: false, throttling: false, ambiguous: false };
  if (status === undefined && e.$fault === undefined) {
    // No HTTP answer at all: the connection failed somewhere we cannot see; the request may have been applied.
    return { code: 'NetworkError', message, retryable: true, throttling: false, ambiguous: true };
  }
  return { code: name, message, retryable: false, throttling: false, ambiguous: false };
}

/** Classifies a failed `PutRecords` entry (`ErrorCode` of a result entry). */
export function classifyEntryError(errorCode: string, errorMessage: string): ErrorClassification {
  const throttling = THROTTLING.has(errorCode);
  const retryable = throttling || !FATAL.has(errorCode);
  return { code: errorCode, message: errorMessage, retryable, throttling, ambiguous: false };
}
