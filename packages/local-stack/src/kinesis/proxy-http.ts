// HTTP plumbing of the fault proxy: body reading, hop-by-hop header filtering, Kinesis JSON answers and errors.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'host',
]);
/** Content type of the Kinesis JSON protocol. */
export const AMZ_JSON = 'application/x-amz-json-1.1';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readBody(stream: http.IncomingMessage): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('request aborted')));
  });
}

export function parseMaybe(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function filterHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(key)) out[key] = value;
  }
  return out;
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    ...headers,
    'content-type': AMZ_JSON,
    'content-length': String(payload.length),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(payload);
}

export function sendError(res: http.ServerResponse, status: number, type: string, message: string) {
  sendJson(res, status, { __type: type, message }, { 'x-amzn-errortype': type });
}
