import { describe, expect, it } from 'vitest';
import { appendLines, BulkLines } from '../../src/bulk-lines.js';
import { resolveOptions } from '../../src/options.js';
import type { BulkAction } from '../../src/types.js';

interface Doc {
  id: string;
  t: string;
}

const client = { transport: { request: () => Promise.reject(new Error('unused')) } };

describe('bulk lines', () => {
  for (const action of ['index', 'create', 'update', 'upsert', 'delete'] as const satisfies readonly BulkAction[]) {
    it(`${action}: the byte count summed from flat parts equals the UTF-8 length of the joined lines`, () => {
      for (const extra of [{}, { routing: () => 'r€', version: () => 3 }]) {
        const options = resolveOptions<Doc>({ client, index: 'idx-ü', id: (d) => d.id, action, ...extra });
        const item = new BulkLines(options).encode(1, -1, { id: 'é"x', t: 'ünï' }, undefined, () => {});
        const text = appendLines('', item);
        expect(item.bytes).toBe(Buffer.byteLength(text));
        const lines = text.split('\n');
        expect(lines.at(-1)).toBe('');
        expect(lines).toHaveLength(action === 'delete' ? 2 : 3);
        const meta = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
        expect(meta[action === 'upsert' ? 'update' : action]).toMatchObject({ _index: 'idx-ü', _id: 'é"x' });
        if (action !== 'delete') expect(() => JSON.parse(lines[1]!)).not.toThrow();
      }
    });
  }
});
