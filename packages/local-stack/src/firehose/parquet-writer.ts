import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { MissingDuckDBError } from './missing-duckdb.js';
import type { CellValue, ConversionColumn } from './openx.js';

type DuckDBModule = typeof import('@duckdb/node-api');

let duckdb: Promise<DuckDBModule> | undefined;

/** Loads `@duckdb/node-api` once; a clear {@link MissingDuckDBError} when it is not installed. */
export function loadDuckDB(): Promise<DuckDBModule> {
  duckdb ??= import('@duckdb/node-api').catch((err: NodeJS.ErrnoException) => {
    duckdb = undefined;
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') throw new MissingDuckDBError(err);
    throw err;
  });
  return duckdb;
}

function duckType(type: ConversionColumn['type']): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Writes rows of converted cells as Parquet objects (Snappy, row groups of 122,880 rows, as Firehose) with an
 * in-memory DuckDB: a table per object, the appender, then `COPY ... TO` a temporary file renamed into place.
 */
export class ParquetWriter {
  private tableCounter = 0;

  private constructor(
    private readonly module: DuckDBModule,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly columns: readonly ConversionColumn[],
    private readonly bucketDir: string,
  ) {}

  static async open(columns: readonly ConversionColumn[], bucketDir: string): Promise<ParquetWriter> {
    const module = await loadDuckDB();
    const instance = await module.DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new ParquetWriter(module, instance, connection, columns, bucketDir);
  }

  /** Writes `rows` to `<bucketDir>/<key>`. */
  async write(key: string, rows: readonly CellValue[][]): Promise<void> {
    const table = `firehose_batch_${++this.tableCounter}`;
    const ddl = this.columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(', ');
    await this.connection.run(`CREATE TABLE ${table} (${ddl})`);
    try {
      const appender = await this.connection.createAppender(table);
      for (const row of rows) {
        for (let i = 0; i < this.columns.length; i++) {
          this.appendCell(appender, this.columns[i] as ConversionColumn, row[i] as CellValue);
        }
        appender.endRow();
      }
      appender.closeSync();
      const file = path.join(this.bucketDir, key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await this.connection.run(
        `COPY ${table} TO ${quoteString(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
      );
      fs.renameSync(tmp, file);
    } finally {
      await this.connection.run(`DROP TABLE ${table}`);
    }
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private appendCell(appender: DuckDBAppender, column: ConversionColumn, value: CellValue): void {
    if (value === null) {
      appender.appendNull();
      return;
    }
    switch (column.type) {
      case 'string':
        appender.appendVarchar(value as string);
        return;
      case 'int':
        appender.appendInteger(value as number);
        return;
      case 'long':
        appender.appendBigInt(value as bigint);
        return;
      case 'double':
        appender.appendDouble(value as number);
        return;
      case 'boolean':
        appender.appendBoolean(value as boolean);
        return;
      case 'timestamp':
        appender.appendTimestampTZ(new this.module.DuckDBTimestampTZValue(value as bigint));
        return;
    }
  }
}
