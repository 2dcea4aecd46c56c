import http from 'node:http';

/** An AWS JSON 1.1 error answered by a Kinesis endpoint (`{"__type": ..., "message": ...}`). */
export class KinesisApiError extends Error {
  override readonly name = 'KinesisApiError';
  /** The error code, e.g. `ResourceNotFoundException` (namespace prefix removed). */
  readonly type: string;
  readonly statusCode: number;
  constructor(type: string, statusCode: number, message: string) {
    super(`${type} (HTTP ${statusCode}): ${message}`);
    this.type = type;
    this.statusCode = statusCode;
  }
}

export interface KinesisCallOptions {
  /** Region used in the fake SigV4 credential scope. */
  region?: string;
  /** Access key id used in the fake SigV4 credential scope. */
  accessKeyId?: string;
  /** Extra or overriding headers (e.g. a client's own Authorization header). */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** `20260101T000000Z` */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Headers for an unsigned-but-plausible AWS JSON 1.1 Kinesis call. Both emulators only check that the Authorization
 * header has Credential, SignedHeaders and Signature, and that X-Amz-Date (or Date) is present; no signature check.
 */
export function kinesisHeaders(operation: string, options: KinesisCallOptions = {}): Record<string, string> {
  const now = new Date();
  const date = amzDate(now);
  const region = options.region ?? 'us-east-1';
  const key = options.accessKeyId ?? 'local-stack';
  return {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `Kinesis_20131202.${operation}`,
    'x-amz-date': date,
    authorization: `AWS4-HMAC-SHA256 Credential=${key}/${date.slice(0, 8)}/${region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
    ...options.headers,
  };
}

/** Strips a `namespace#` prefix and a `:http://...` suffix, as the AWS SDK does. */
export function sanitizeErrorType(raw: string): string {
  let type = raw;
  const colon = type.indexOf(':');
  if (colon >= 0) type = type.slice(0, colon);
  const hash = type.indexOf('#');
  if (hash >= 0) type = type.slice(hash + 1);
  return type;
}

/**
 * One Kinesis API call over plain HTTP/1.1 (no AWS SDK, no keep-alive). Resolves with the parsed JSON body of a 2xx
 * answer (`{}` for an empty body); rejects with {@link KinesisApiError} for an error answer.
 */
export function kinesisCall<T = Record<string, unknown>>(
  endpoint: string,
  operation: string,
  body: unknown,
  options: KinesisCallOptions = {},
): Promise<T> {
  const payload = Buffer.from(JSON.stringify(body ?? {}), 'utf8');
  const url = new URL(endpoint);
  return new Promise<T>((resolve, reject) => {
    const req = http.request(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: '/',
        method: 'POST',
        agent: false,
        headers: { ...kinesisHeaders(operation, options), 'content-length': String(payload.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let parsed: unknown;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : {};
          } catch {
            parsed = undefined;
          }
          if (status >= 200 && status < 300) {
            if (parsed === undefined) {
              reject(
                new KinesisApiError('SerializationException', status, `unparseable answer: ${text.slice(0, 200)}`),
              );
            } else {
              resolve(parsed as T);
            }
            return;
          }
          const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
          const rawType =
            (typeof res.headers['x-amzn-errortype'] === 'string' ? res.headers['x-amzn-errortype'] : undefined) ??
            (typeof record.__type === 'string' ? record.__type : undefined) ??
            `HTTP${status}`;
          const message =
            (typeof record.message === 'string' ? record.message : undefined) ??
            (typeof record.Message === 'string' ? record.Message : undefined) ??
            text.slice(0, 500);
          reject(new KinesisApiError(sanitizeErrorType(rawType), status, message));
        });
      },
    );
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () =>
        req.destroy(new Error(`${operation} timed out after ${options.timeoutMs} ms`)),
      );
    }
    req.end(payload);
  });
}
