import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root (examples/taxi/test/helpers → four levels up). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The real 342-row workshop sample, kept outside the repository; tests over it skip when it is absent. */
export const samplePath = path.resolve(repoRoot, '../shared/data/taxi-trips-workshop.csv');
export const sampleExists = existsSync(samplePath);

export const fixturePath = fileURLToPath(new URL('../fixtures/trips.csv', import.meta.url));

/** Collects an async iterable. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
