import fs from 'node:fs';
import path from 'node:path';

/** `<nearest ancestor with pnpm-workspace.yaml or .git>/.local-stack`, else `<cwd>/.local-stack`. */
export function defaultStateDir(): string {
  const cwd = process.cwd();
  let dir = cwd;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml')) || fs.existsSync(path.join(dir, '.git'))) {
      return path.join(dir, '.local-stack');
    }
    const parent = path.dirname(dir);
    if (parent === dir) return path.join(cwd, '.local-stack');
    dir = parent;
  }
}

/**
 * The state folder (`stateDir`, default {@link defaultStateDir}), created if missing, with a `.gitignore` of its own
 * (`*`) so engine data, logs and checkpoints never end up in a commit.
 */
export function ensureStateDir(stateDir?: string): string {
  const dir = path.resolve(stateDir ?? defaultStateDir());
  fs.mkdirSync(dir, { recursive: true });
  const ignore = path.join(dir, '.gitignore');
  if (!fs.existsSync(ignore)) {
    try {
      fs.writeFileSync(ignore, '# created by @pipeline/local-stack: everything here is local state\n*\n', {
        flag: 'wx',
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return dir;
}
