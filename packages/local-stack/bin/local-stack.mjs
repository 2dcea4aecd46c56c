#!/usr/bin/env node
// The `local-stack` command. A committed file, so package managers can link the bin before the package is built;
// the command itself is the built dist/cli.js.
import('../dist/cli.js').catch((err) => {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    process.stderr.write(
      'local-stack: dist/cli.js is missing; build the package first (pnpm --filter @pipeline/local-stack build)\n',
    );
    process.exit(1);
  }
  throw err;
});
