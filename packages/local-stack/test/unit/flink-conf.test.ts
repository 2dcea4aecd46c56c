import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFlinkJob } from '@pipeline/local-stack';
import { describe, expect, it } from 'vitest';
import { checkFlinkConf, flinkConfiguration, propertiesLine, writeFlinkConfFile } from '../../src/flink/conf.js';

describe('the Flink configuration of a local job', () => {
  const dir = path.join(os.tmpdir(), 'flink-conf-test');

  it('binds to 127.0.0.1 on the REST port and keeps checkpoints on disk under the job folder', () => {
    const conf = flinkConfiguration({ dir, restPort: 8123 });
    expect(conf['rest.port']).toBe('8123');
    expect(conf['rest.bind-address']).toBe('127.0.0.1');
    expect(conf['state.checkpoints.dir']).toBe(`file://${path.join(dir, 'checkpoints')}`);
    expect(conf['state.backend.type']).toBeUndefined();
  });

  it('selects RocksDB with incremental checkpoints, and lets flinkConf override it', () => {
    const rocks = flinkConfiguration({ dir, restPort: 1, stateBackend: 'rocksdb' });
    expect(rocks['state.backend.type']).toBe('rocksdb');
    expect(rocks['state.backend.incremental']).toBe('true');
    expect(rocks['taskmanager.memory.managed.size']).toBe('512m');
    const overridden = flinkConfiguration({
      dir,
      restPort: 1,
      stateBackend: 'rocksdb',
      flinkConf: { 'state.backend.incremental': false },
    });
    expect(overridden['state.backend.incremental']).toBe('false');
    expect(flinkConfiguration({ dir, restPort: 1, stateBackend: 'hashmap' })['state.backend.type']).toBe('hashmap');
  });

  it('restores from a savepoint when asked', () => {
    expect(flinkConfiguration({ dir, restPort: 1, restoreFrom: 'file:/sp' })['execution.savepoint.path']).toBe(
      'file:/sp',
    );
  });

  it('refuses the launcher settings and an unknown state backend, naming them', () => {
    expect(() => checkFlinkConf({ flinkConf: { 'rest.port': 1 } })).toThrow(/flinkConf must not set rest\.port/);
    expect(() => checkFlinkConf({ stateBackend: 'memory' as 'hashmap' })).toThrow(
      /stateBackend must be one of hashmap, rocksdb, got 'memory'/,
    );
    expect(() => checkFlinkConf({ stateBackend: 'rocksdb', flinkConf: { 'parallelism.default': 2 } })).not.toThrow();
  });

  it('rejects a bad state backend before starting anything', async () => {
    const jar = path.join(os.tmpdir(), `flink-conf-test-${process.pid}.jar`);
    fs.writeFileSync(jar, '');
    try {
      await expect(startFlinkJob({ jar, mainClass: 'x.Main', stateBackend: 'disk' as 'rocksdb' })).rejects.toThrow(
        /stateBackend must be one of/,
      );
    } finally {
      fs.rmSync(jar, { force: true });
    }
  });

  it('writes Java properties, escaping keys and leading blanks', () => {
    expect(propertiesLine('a key=x', ' v\n')).toBe('a\\ key\\=x=\\ v\\n');
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-conf-'));
    try {
      const file = writeFlinkConfFile(folder, { 'state.backend.type': 'rocksdb', 'rest.port': '1' });
      expect(fs.readFileSync(file, 'utf8')).toBe('state.backend.type=rocksdb\nrest.port=1\n');
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
