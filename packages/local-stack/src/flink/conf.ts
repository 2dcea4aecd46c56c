/**
 * The files a local Flink job starts from: its Flink configuration (the launcher's bind settings, checkpoints on disk,
 * the state backend, the caller's settings) and its log4j configuration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export type FlinkConfValue = string | number | boolean;

/**
 * Where a job's keyed state lives. `hashmap`: Java objects on the JVM heap (Flink's default), fast while the state
 * fits the heap. `rocksdb`: an embedded RocksDB on local disk (under the job's scratch folder) with incremental
 * checkpoints — the backend Amazon Managed Service for Apache Flink runs — for state larger than the heap, such as a
 * deduplication that remembers every key of a day.
 */
export type FlinkStateBackend = 'hashmap' | 'rocksdb';

export const FLINK_STATE_BACKENDS: readonly FlinkStateBackend[] = Object.freeze(['hashmap', 'rocksdb']);

/** Managed memory (off-heap, besides `heap`) of a local job whose state is in RocksDB. */
export const ROCKSDB_MANAGED_MEMORY = '512m';

/** Set by the launcher (restPort, 127.0.0.1): refused in `flinkConf`. */
const RESERVED_CONF = [
  'rest.port',
  'rest.bind-port',
  'rest.address',
  'rest.bind-address',
  'jobmanager.bind-host',
  'taskmanager.bind-host',
];

export interface FlinkConfInput {
  /** The job folder (`<stateDir>/flink/<name>`). */
  dir: string;
  restPort: number;
  stateBackend?: FlinkStateBackend | undefined;
  flinkConf?: Record<string, FlinkConfValue> | undefined;
  restoreFrom?: string | undefined;
}

/** Throws a TypeError naming the setting when the caller's configuration cannot be taken. */
export function checkFlinkConf(input: Pick<FlinkConfInput, 'stateBackend' | 'flinkConf'>): void {
  for (const key of Object.keys(input.flinkConf ?? {})) {
    if (RESERVED_CONF.includes(key)) throw new TypeError(`flinkConf must not set ${key} (use restPort)`);
  }
  if (input.stateBackend !== undefined && !FLINK_STATE_BACKENDS.includes(input.stateBackend)) {
    throw new TypeError(
      `stateBackend must be one of ${FLINK_STATE_BACKENDS.join(', ')}, got '${String(input.stateBackend)}'`,
    );
  }
}

/** The job's Flink configuration: launcher settings, then the state backend, then `flinkConf` (which wins). */
export function flinkConfiguration(input: FlinkConfInput): Record<string, string> {
  const conf: Record<string, string> = {
    'rest.address': '127.0.0.1',
    'rest.bind-address': '127.0.0.1',
    'rest.port': String(input.restPort),
    'rest.bind-port': String(input.restPort),
    'jobmanager.bind-host': '127.0.0.1',
    'jobmanager.rpc.address': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'taskmanager.host': '127.0.0.1',
    // Checkpoints on disk: Flink's default JobManager storage refuses state over 5 MB, and a job whose state outgrows
    // it fails every checkpoint and restarts from the start, again and again.
    'state.checkpoints.dir': pathToFileURL(path.resolve(input.dir, 'checkpoints')).href,
  };
  if (input.stateBackend === 'rocksdb') {
    // RocksDB's working files go to io.tmp.dirs, the job's scratch folder (java.io.tmpdir), removed by stop().
    conf['state.backend.type'] = 'rocksdb';
    conf['state.backend.incremental'] = 'true';
    // RocksDB's memtables and block cache live in the slot's managed memory, which local execution sets to 128 MB
    // and shares with the window operators. There a RocksDB instance with a few states fills its write-buffer budget
    // with its first arena blocks and flushes a memtable of one entry on nearly every write ("flush_reason": "Write
    // Buffer Manager"): ten flushes a second and a compaction thread at a full core for a state of 5 MB.
    conf['taskmanager.memory.managed.size'] = ROCKSDB_MANAGED_MEMORY;
  } else if (input.stateBackend === 'hashmap') {
    conf['state.backend.type'] = 'hashmap';
  }
  for (const [key, value] of Object.entries(input.flinkConf ?? {})) conf[key] = String(value);
  if (input.restoreFrom !== undefined) conf['execution.savepoint.path'] = input.restoreFrom;
  return conf;
}

/** One `key=value` line of a Java properties file, escaped. */
export function propertiesLine(key: string, value: string): string {
  const escapeText = (text: string, isKey: boolean) =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(isKey ? /([ =:#!])/g : /^([ #!])/, '\\$1');
  return `${escapeText(key, true)}=${escapeText(value, false)}`;
}

/** Writes the configuration as `<dir>/flink-conf.properties` and returns its path. */
export function writeFlinkConfFile(dir: string, conf: Record<string, string>): string {
  const file = path.join(dir, 'flink-conf.properties');
  fs.writeFileSync(
    file,
    `${Object.entries(conf)
      .map(([k, v]) => propertiesLine(k, v))
      .join('\n')}\n`,
  );
  return file;
}

/** Writes `<dir>/log4j2.properties` (console, the given root level, Flink's noisiest loggers quieted). */
export function writeLog4jFile(dir: string, level: string): string {
  const file = path.join(dir, 'log4j2.properties');
  fs.writeFileSync(
    file,
    [
      `rootLogger.level = ${level}`,
      'rootLogger.appenderRef.console.ref = console',
      'appender.console.type = Console',
      'appender.console.name = console',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} - %m%n',
      'logger.pekko.name = org.apache.pekko',
      'logger.pekko.level = WARN',
      'logger.shaded.name = org.apache.flink.shaded',
      'logger.shaded.level = WARN',
      // a few hundred "cannot be used as a POJO type" lines per SQL job start
      'logger.typeextractor.name = org.apache.flink.api.java.typeutils.TypeExtractor',
      'logger.typeextractor.level = WARN',
      '',
    ].join('\n'),
  );
  return file;
}
