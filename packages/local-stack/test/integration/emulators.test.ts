import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  PutRecordCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { KinesisApiError, startKinesis } from '@pipeline/local-stack';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, client, ENGINES, pidAlive, uniqueStream } from './helpers.js';

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-test-'));
afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

describe.each(ENGINES)('%s lifecycle', (engine) => {
  it('starts with streams, serves the SDK over HTTP/1.1, creates and deletes streams, stops', async () => {
    const emulator = await startKinesis({ engine, streams: { first: 1, second: 3 }, stateDir });
    try {
      expect(emulator.engine).toBe(engine);
      expect(emulator.endpoint).toBe(`http://127.0.0.1:${emulator.port}`);
      expect(emulator.region).toBe('us-east-1');
      expect(emulator.accountId).toBe('000000000000');
      expect(emulator.streamArn('first')).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/first');
      expect(emulator.logFile.startsWith(path.join(stateDir, 'logs'))).toBe(true);
      expect(fs.existsSync(emulator.logFile)).toBe(true);
      expect(pidAlive(emulator.pid)).toBe(true);

      const kinesis = client(emulator.endpoint);
      const listed = await kinesis.send(new ListStreamsCommand({}));
      expect([...(listed.StreamNames ?? [])].sort()).toEqual(['first', 'second']);
      const second = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'second' }));
      expect(second.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
      expect(second.StreamDescriptionSummary?.OpenShardCount).toBe(3);
      expect(second.StreamDescriptionSummary?.StreamARN).toBe(emulator.streamArn('second'));

      const name = uniqueStream('made');
      await emulator.createStream(name, 2);
      const put = await kinesis.send(
        new PutRecordCommand({ StreamName: name, PartitionKey: 'pk', Data: Buffer.from('hello') }),
      );
      expect(put.SequenceNumber).toMatch(/^\d+$/);
      await emulator.deleteStream(name);
      await expect(kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await expect(emulator.deleteStream(name)).rejects.toBeInstanceOf(KinesisApiError);
      kinesis.destroy();
    } finally {
      await emulator.stop();
    }
    expect(pidAlive(emulator.pid)).toBe(false);
    await emulator.stop(); // idempotent
  });

  it('binds only to 127.0.0.1 on the requested port, and rejects a busy port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startKinesis({ engine, port: busy, stateDir })).rejects.toThrow(/not available/);
    } finally {
      blocker.close();
    }
    const emulator = await startKinesis({ engine, stateDir, region: 'eu-west-1', accountId: '123456789012' });
    try {
      const listening = fs.readFileSync('/proc/net/tcp', 'utf8');
      const portHex = emulator.port.toString(16).toUpperCase().padStart(4, '0');
      // local_address column: 0100007F = 127.0.0.1, state 0A = LISTEN
      expect(listening).toMatch(new RegExp(`: 0100007F:${portHex} 00000000:0000 0A `));
      expect(listening).not.toMatch(new RegExp(`: 00000000:${portHex} 00000000:0000 0A `));
      const kinesis = client(emulator.endpoint, emulator.region);
      await emulator.createStream('arn-check', 1);
      const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'arn-check' }));
      expect(summary.StreamDescriptionSummary?.StreamARN).toBe(
        'arn:aws:kinesis:eu-west-1:123456789012:stream/arn-check',
      );
      expect(emulator.streamArn('arn-check')).toBe(summary.StreamDescriptionSummary?.StreamARN);
      kinesis.destroy();
    } finally {
      await emulator.stop();
    }
  });

  it('starts and stops 3 times without leaving a process behind', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const emulator = await startKinesis({ engine, stateDir });
      pids.push(emulator.pid);
      expect(pidAlive(emulator.pid)).toBe(true);
      await emulator.stop();
      expect(pidAlive(emulator.pid)).toBe(false);
    }
    expect(new Set(pids).size).toBe(3);
    const children = childPids();
    if (children) expect(children.filter((pid) => pids.includes(pid))).toEqual([]);
  });

  it('rejects with the log tail and kills the process when not ready in time', async () => {
    const before = childPids() ?? [];
    const error = await startKinesis({ engine, stateDir, startTimeoutMs: 1 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/did not answer ListStreams within 1 ms|exited/);
    expect((error as Error).message).toContain(path.join(stateDir, 'logs'));
    const after = childPids();
    if (after) expect(after.filter((pid) => !before.includes(pid))).toEqual([]);
  });
});
