import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createStream, localClient, uniqueStreamName } from '../support/stream.js';

/**
 * "npm install @pipeline/producer in other apps": pack the producer and the workspace packages it depends on, install
 * the tarballs into a throwaway app outside the workspace, and use it from ESM and from CJS against kinesalite — with
 * the lowest and the newest `@aws-sdk/client-kinesis` of its peer range.
 */
const packagesDir = resolve(__dirname, '../../..');
const PACKED = ['commons', 'kpl-aggregation', 'producer'];
const SDK_VERSIONS = ['3.600.0', '3.1143.0'];

const script = (moduleSystem: 'esm' | 'cjs') => {
  const load =
    moduleSystem === 'esm'
      ? `import { KinesisProducer, PutRecordError } from '@pipeline/producer';\nimport { NodeHttpHandler } from '@smithy/node-http-handler';\nimport { decodeAggregate } from '@pipeline/kpl-aggregation';\n`
      : `const { KinesisProducer, PutRecordError } = require('@pipeline/producer');\nconst { NodeHttpHandler } = require('@smithy/node-http-handler');\nconst { decodeAggregate } = require('@pipeline/kpl-aggregation');\n`;
  return `${load}
(async () => {
  const producer = new KinesisProducer({
    streamName: process.env.STREAM,
    clientConfig: { endpoint: process.env.ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, requestHandler: new NodeHttpHandler() },
  });
  const results = await Promise.all([1, 2, 3].map((i) => producer.put({ partitionKey: 'k' + i, data: '${moduleSystem}-' + i })));
  await producer.close();
  if (typeof decodeAggregate !== 'function' || typeof PutRecordError !== 'function') throw new Error('exports missing');
  console.log(JSON.stringify({ ok: results.length, shard: results[0].shardId }));
})().catch((e) => { console.error(e); process.exit(1); });
`;
};

describe('the packed producer installs and runs in an app outside the workspace', () => {
  const work = mkdtempSync(join(tmpdir(), 'pipeline-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const tarballs: string[] = [];

  it('packs', () => {
    for (const name of PACKED) {
      const dir = join(packagesDir, name);
      expect(existsSync(join(dir, 'dist', 'index.js')), `${name} is built (run the build first)`).toBe(true);
      execFileSync('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', work], { cwd: dir, stdio: 'pipe' });
    }
    tarballs.push(
      ...readdirSync(work)
        .filter((f) => f.endsWith('.tgz'))
        .map((f) => join(work, f)),
    );
    expect(tarballs).toHaveLength(PACKED.length);
  });

  it.each(SDK_VERSIONS)(
    'runs from ESM and CJS with @aws-sdk/client-kinesis %s',
    async (sdkVersion) => {
      const endpoint = inject('kinesaliteEndpoint');
      const client = localClient(endpoint);
      const stream = uniqueStreamName('pack');
      await createStream(client, stream, 1);
      client.destroy();
      const app = join(work, `app-${sdkVersion}`);
      mkdirSync(app);
      const dependencies: Record<string, string> = { '@aws-sdk/client-kinesis': sdkVersion };
      for (const tarball of tarballs) {
        const packed = PACKED.find((name) => tarball.includes(`pipeline-${name}-`))!;
        dependencies[`@pipeline/${packed}`] = `file:${tarball}`;
      }
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'throwaway', private: true, dependencies }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: app,
        stdio: 'pipe',
        timeout: 240_000,
      });
      writeFileSync(join(app, 'esm.mjs'), script('esm'));
      writeFileSync(join(app, 'cjs.cjs'), script('cjs'));
      for (const file of ['esm.mjs', 'cjs.cjs']) {
        const out = execFileSync('node', [file], {
          cwd: app,
          env: { ...process.env, STREAM: stream, ENDPOINT: endpoint, NODE_OPTIONS: '' },
          encoding: 'utf8',
        });
        const line = out.trim().split('\n').at(-1)!;
        expect(JSON.parse(line)).toEqual({ ok: 3, shard: 'shardId-000000000000' });
      }
    },
    300_000,
  );
});
