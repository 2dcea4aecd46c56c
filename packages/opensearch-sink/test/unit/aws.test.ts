import { createHash, createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, createAwsClient, OpenSearchSink } from '../../src/index.js';
import { type RecordedRequest, RecordingServer } from '../support/recording-server.js';

// An independent SigV4 (AWS docs: "Create a signed AWS API request"), to check the client's AwsSigv4Signer.
const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const [k, v = ''] = pair.split('=');
      return [rfc3986(decodeURIComponent(k!)), rfc3986(decodeURIComponent(v))] as const;
    })
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function signature(input: {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  region: string;
  service: string;
  secretAccessKey: string;
}): string {
  const canonicalHeaders = input.signedHeaders
    .map((h) => `${h}:${input.headers[h]!.trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [
    input.method,
    input.path,
    canonicalQuery(input.query),
    canonicalHeaders,
    input.signedHeaders.join(';'),
    input.payloadHash,
  ].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${input.secretAccessKey}`, date);
  const kSigning = hmac(hmac(hmac(kDate, input.region), input.service), 'aws4_request');
  return createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
}

function check(request: RecordedRequest, region: string, service: string, secretAccessKey: string): string {
  const auth = String(request.headers.authorization);
  const match = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  expect(match, auth).not.toBeNull();
  const [, credential, signedHeaders, sig] = match!;
  const [path, query = ''] = request.url.split('?') as [string, string?];
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k] = String(v);
  const expected = signature({
    method: request.method,
    path: path!,
    query,
    headers,
    signedHeaders: signedHeaders!.split(';'),
    payloadHash: sha256(request.body),
    amzDate: headers['x-amz-date']!,
    region,
    service,
    secretAccessKey,
  });
  expect(sig).toBe(expected);
  return credential!;
}

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};

let server: RecordingServer;
beforeAll(async () => {
  server = await new RecordingServer().start();
  server.respond = (r) => {
    if (!r.url.startsWith('/_bulk')) return { status: 200, body: {} };
    const items = r.body
      .split('\n')
      .filter((_, i) => i % 2 === 0)
      .filter(Boolean)
      .map(() => ({ index: { status: 201, result: 'created' } }));
    return { status: 200, body: { took: 1, errors: false, items } };
  };
});
afterAll(async () => {
  await server.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SigV4 through the client AwsSigv4Signer (fixed clock)', () => {
  it('the reference implementation reproduces the AWS documentation example', () => {
    const sig = signature({
      method: 'GET',
      path: '/',
      query: 'Action=ListUsers&Version=2010-05-08',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        host: 'iam.amazonaws.com',
        'x-amz-date': '20150830T123600Z',
      },
      signedHeaders: ['content-type', 'host', 'x-amz-date'],
      payloadHash: sha256(''),
      amzDate: '20150830T123600Z',
      region: 'us-east-1',
      service: 'iam',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    });
    expect(sig).toBe('5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7');
  });

  for (const service of ['es', 'aoss'] as const) {
    it(`signs the sink's bulk requests for ${service}`, async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2024-01-02T03:04:05.000Z') });
      server.requests.length = 0;
      const client = createAwsClient({
        node: server.url,
        region: 'eu-west-1',
        service,
        getCredentials: async () => CREDENTIALS,
      });
      const sink = new OpenSearchSink<{ id: string; text: string }>({
        client,
        index: 'trips',
        id: service === 'es' ? (d: { id: string }) => d.id : undefined,
        serverless: service === 'aoss' ? { collectionType: 'timeseries' } : undefined,
        flushInterval: 0,
      } as never);
      await sink.write({ id: 'a', text: 'héllo, wörld *' });
      await sink.close();
      await client.close();
      const request = server.requests.find((r) => r.url.startsWith('/_bulk'))!;
      expect(request.headers['x-amz-date']).toBe('20240102T030405Z');
      expect(request.headers['x-amz-security-token']).toBe('session-token-example');
      expect(request.headers['x-amz-content-sha256']).toBe(sha256(request.body));
      const credential = check(request, 'eu-west-1', service, CREDENTIALS.secretAccessKey);
      expect(credential).toBe(`AKIDEXAMPLE/20240102/eu-west-1/${service}/aws4_request`);
      expect(String(request.headers.authorization)).toMatch(
        /SignedHeaders=[^,]*host;[^,]*x-amz-content-sha256;x-amz-date;x-amz-security-token/,
      );
      if (service === 'es') expect(request.url).toContain('filter_path=');
      else expect(request.url).toBe('/_bulk');
    });
  }

  it('refuses a missing region or a wrong service', () => {
    expect(() => createAwsClient({ node: server.url, region: '' })).toThrow(ConfigurationError);
    expect(() => createAwsClient({ node: server.url, region: 'eu-west-1', service: 's3' as never })).toThrow(/service/);
    expect(() => createAwsClient({ node: 'search-x.es.amazonaws.com', region: 'eu-west-1' })).toThrow(/node/);
  });
});
