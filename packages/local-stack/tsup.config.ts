import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/vitest.ts', 'src/internal.ts', 'src/cli.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // Keeps `import.meta.url` valid in the CJS build (src/internal/resolve.ts prefers `require` there anyway).
  shims: true,
});
