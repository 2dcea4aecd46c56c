import { mulberry32 } from '@pipeline/commons';
import { KinesisFaultProxy, kinesisClientConfig, LOCAL_CREDENTIALS, startKinesis } from '@pipeline/local-stack';
import { describe, expect, it } from 'vitest';
import { kinesisHeaders, sanitizeErrorType } from '../../src/internal/http-json.js';
import { resolvePackageFile } from '../../src/internal/resolve.js';

describe('kinesisClientConfig', () => {
  it('returns a plain endpoint/region/credentials object', () => {
    expect(kinesisClientConfig({ endpoint: 'http://127.0.0.1:1234' })).toEqual({
      endpoint: 'http://127.0.0.1:1234',
      region: 'us-east-1',
      credentials: { ...LOCAL_CREDENTIALS },
    });
    expect(kinesisClientConfig({ endpoint: 'http://127.0.0.1:1', region: 'eu-west-1' }).region).toBe('eu-west-1');
  });
});

describe('startKinesis option validation', () => {
  it('rejects bad options before spawning anything', async () => {
    await expect(startKinesis({ engine: 'nope' as 'kinesalite' })).rejects.toThrow(/unknown Kinesis engine/);
    await expect(startKinesis({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(startKinesis({ accountId: '12' })).rejects.toThrow(/12 digits/);
  });
});

describe('internals', () => {
  it('resolves the engines inside node_modules', () => {
    expect(resolvePackageFile('kinesis-local/main.js')).toMatch(/kinesis-local[/\\]main\.js$/);
    expect(resolvePackageFile('kinesis-local/server.json')).toMatch(/server\.json$/);
    expect(resolvePackageFile('kinesalite/cli.js')).toMatch(/kinesalite[/\\]cli\.js$/);
  });

  it('builds fake SigV4 headers both emulators accept', () => {
    const headers = kinesisHeaders('ListStreams', { region: 'eu-west-1' });
    expect(headers['x-amz-target']).toBe('Kinesis_20131202.ListStreams');
    expect(headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local-stack\/\d{8}\/eu-west-1\/kinesis\/aws4_request, /,
    );
  });

  it('sanitizes error types like the SDK', () => {
    expect(sanitizeErrorType('com.amazonaws.kinesis#ResourceNotFoundException')).toBe('ResourceNotFoundException');
    expect(sanitizeErrorType('ResourceNotFoundException:http://internal')).toBe('ResourceNotFoundException');
  });

  it('has a deterministic PRNG', () => {
    const a = mulberry32(5);
    const b = mulberry32(5);
    const xs = Array.from({ length: 100 }, () => a());
    expect(xs).toEqual(Array.from({ length: 100 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(new Set(xs).size).toBe(100);
  });
});

describe('KinesisFaultProxy validation', () => {
  it('rejects out-of-range fault rates and limits, and non-http targets', async () => {
    await expect(KinesisFaultProxy.start({ target: 'https://127.0.0.1:1' })).rejects.toThrow(/http:\/\//);
    await expect(KinesisFaultProxy.start({ target: 'http://127.0.0.1:1', faults: { http500: 2 } })).rejects.toThrow(
      RangeError,
    );
    const proxy = await KinesisFaultProxy.start({ target: 'http://127.0.0.1:1' });
    try {
      expect(proxy.endpoint).toBe(`http://127.0.0.1:${proxy.port}`);
      expect(() => proxy.setFaults({ recordThroughputExceeded: -0.1 })).toThrow(RangeError);
      expect(() => proxy.setFaults({ latencyMs: -1 })).toThrow(RangeError);
      expect(() => proxy.setShardRateLimit({ bytesPerSecond: 0, recordsPerSecond: 1 })).toThrow(RangeError);
      const held = proxy.holdNext();
      await proxy.stop();
      await expect(held).rejects.toThrow(/stopped/);
      await proxy.stop(); // idempotent
    } finally {
      await proxy.stop();
    }
  });
});
