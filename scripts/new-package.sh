#!/usr/bin/env bash
# Scaffolds packages/<name> with the workspace's standard build, test and publish-check setup.
set -euo pipefail
name="$1"; desc="${2:-}"
dir="packages/$name"
mkdir -p "$dir/src" "$dir/test/unit" "$dir/test/integration" "$dir/bench"
cat > "$dir/package.json" <<JSON
{
  "name": "@pipeline/$name",
  "version": "0.0.0",
  "description": "$desc",
  "license": "Apache-2.0",
  "type": "module",
  "sideEffects": false,
  "engines": { "node": ">=20.19" },
  "files": ["dist", "src", "README.md", "CHANGELOG.md"],
  "main": "./dist/index.cjs",
  "module": "./dist/index.js",
  "types": "./dist/index.d.cts",
  "exports": {
    ".": {
      "@pipeline/source": "./src/index.ts",
      "import": { "types": "./dist/index.d.ts", "default": "./dist/index.js" },
      "require": { "types": "./dist/index.d.cts", "default": "./dist/index.cjs" }
    },
    "./package.json": "./package.json"
  },
  "publishConfig": { "access": "public" },
  "scripts": {
    "build": "tsup",
    "typecheck": "tsc --noEmit -p tsconfig.json",
    "lint": "biome check src test bench",
    "check": "publint --strict && attw --pack . --profile node16",
    "test": "vitest run --project unit --reporter=default --reporter=json --outputFile.json=test-results/unit.json",
    "test:integration": "vitest run --project integration --reporter=default --reporter=json --outputFile.json=test-results/integration.json"
  }
}
JSON
cat > "$dir/tsconfig.json" <<'JSON'
{
  "extends": "../../tsconfig.base.json",
  "include": ["src", "test", "bench"]
}
JSON
cat > "$dir/tsup.config.ts" <<'TS'
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
TS
cat > "$dir/vitest.config.ts" <<'TS'
import { definePackageConfig } from '../../vitest.shared.ts';

export default definePackageConfig();
TS
echo "export {};" > "$dir/src/index.ts"
echo "# @pipeline/$name" > "$dir/README.md"
