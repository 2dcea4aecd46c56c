import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStateDir } from '../../src/internal/state-dir.js';

describe('state folder', () => {
  it('is created with a .gitignore of its own that ignores everything, and keeps an edited one', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'state-dir-'));
    try {
      const dir = ensureStateDir(path.join(root, '.local-stack'));
      expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
      fs.writeFileSync(path.join(dir, '.gitignore'), 'custom\n');
      expect(ensureStateDir(dir)).toBe(dir);
      expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe('custom\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
