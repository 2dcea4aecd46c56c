import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeParamsFile } from '../../src/index.js';

describe('writeParamsFile', () => {
  it('writes typed values and refuses others', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sql-params-'));
    try {
      const file = path.join(dir, 'p.json');
      writeParamsFile(file, { a: 'x', b: 1.5, c: true, d: null });
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: 'x', b: 1.5, c: true, d: null });
      expect(() => writeParamsFile(file, { n: Number.NaN })).toThrow(/parameter n/);
      expect(() => writeParamsFile(file, { o: {} as unknown as string })).toThrow(/parameter o/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
