#!/usr/bin/env node
// Installs the packages as a user would and checks they work: packs every publishable package (`pnpm pack`), checks
// each tarball ships a LICENSE and no `workspace:` ranges, installs the tarballs with npm into a fresh app in a temp
// dir outside the workspace (with the peers they need), type-checks one file importing every entry point and subpath
// under moduleResolution node10, node16 (ESM and CJS) and bundler, and imports each one from ESM and from CJS.
//
// Usage: node scripts/check-install.mjs [--skip=@pipeline/a,@pipeline/b] [--keep]
// Needs the packages built (`pnpm exec turbo run build`). Network: the npm registry, for the third-party deps.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const RESOLUTIONS = ['node10', 'node16', 'bundler'];
/** Entry points left out of the CommonJS type check, and why (each is still checked from ESM and at runtime). */
const CJS_TYPES_EXEMPT = new Map([
  [
    '@pipeline/local-stack/vitest',
    "its types import 'vitest/node', which is ESM-only: a CJS file cannot import that either",
  ],
]);

const { values: args } = parseArgs({
  options: { skip: { type: 'string', default: '' }, keep: { type: 'boolean' } },
});
const skipped = new Set(args.skip.split(',').filter(Boolean));
const started = Date.now();
const steps = [];

/** Runs a command; resolves with its output, rejects with the output when it fails. */
function exec(command, argv, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { ...options, env: { ...process.env, FORCE_COLOR: '0', ...options.env } });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${command} ${argv.join(' ')} (in ${options.cwd ?? root}) exited ${code}:\n${output}`));
    });
  });
}

async function step(label, fn) {
  const t0 = Date.now();
  try {
    const result = await fn();
    steps.push(`${label.padEnd(44)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  ok`);
    return result;
  } catch (error) {
    steps.push(`${label.padEnd(44)} ${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s  FAILED`);
    throw error;
  }
}

/** The publishable packages under packages/, with the module specifiers of their entry points. */
function publishablePackages() {
  const base = join(root, 'packages');
  const out = [];
  for (const name of readdirSync(base).sort()) {
    const file = join(base, name, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    if (pkg.private || skipped.has(pkg.name)) continue;
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter(
      (key) => key !== './package.json' && !key.includes('*'),
    );
    const specifiers = subpaths.map((key) => (key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`));
    out.push({ dir: join(base, name), pkg, specifiers });
  }
  return out;
}

/** Packs the packages with one `pnpm pack -r` (pnpm rewrites `workspace:` ranges); returns each tarball's path. */
async function packAll(packages, dest) {
  const filters = packages.flatMap(({ pkg }) => ['--filter', pkg.name]);
  await exec('npx', [...PNPM, '-r', ...filters, 'pack', '--pack-destination', dest], { cwd: root });
  return packages.map(({ pkg }) => {
    const tarball = join(dest, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`);
    if (!existsSync(tarball)) throw new Error(`${pkg.name}: pnpm pack wrote no ${tarball}`);
    return tarball;
  });
}

/** Problems of one tarball: no LICENSE, a workspace: range left in its package.json, no dist. */
async function inspectTarball(name, tarball, built) {
  const files = (await exec('tar', ['-tzf', tarball])).split('\n');
  const problems = [];
  if (!files.includes('package/LICENSE')) problems.push(`${name}: the tarball has no LICENSE`);
  if (built && !files.some((f) => f.startsWith('package/dist/'))) problems.push(`${name}: the tarball has no dist/`);
  const manifest = await exec('tar', ['-xzOf', tarball, 'package/package.json']);
  if (manifest.includes('"workspace:')) problems.push(`${name}: package.json still has a workspace: range`);
  return problems;
}

/** Exact versions the workspace uses for third-party packages (so the app installs what the tests ran against). */
function workspacePins(packages) {
  const pins = new Map();
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  for (const pkg of [rootPkg, ...packages.map((p) => p.pkg)]) {
    for (const [name, range] of Object.entries(pkg.devDependencies ?? {})) {
      if (!range.startsWith('workspace:')) pins.set(name, range);
    }
  }
  return pins;
}

/** Optional peers whose types an entry point's declarations import (installed when that entry point is checked). */
const OPTIONAL_PEERS_TYPED_BY = new Map([
  ['@pipeline/local-stack/internal', ['@duckdb/node-api']],
  ['@pipeline/cdk-constructs/testing', ['cdk-nag']],
]);

/** Peers the app needs: every required peer, and the optional ones the checked subpaths' types import. */
function peersToInstall(packages, pins) {
  const peers = new Map();
  for (const { pkg, specifiers } of packages) {
    for (const [name, range] of Object.entries(pkg.peerDependencies ?? {})) {
      const optional = pkg.peerDependenciesMeta?.[name]?.optional === true;
      const usedBySubpath = specifiers.some(
        (s) => s.endsWith(`/${name}`) || OPTIONAL_PEERS_TYPED_BY.get(s)?.includes(name) === true,
      );
      if (!optional || usedBySubpath) peers.set(name, pins.get(name) ?? range);
    }
  }
  return peers;
}

function writeApp(app, packages) {
  const specifiers = packages.flatMap((p) => p.specifiers);
  const ident = (s) => s.replace(/^@pipeline\//, '').replace(/[^A-Za-z0-9]+(.)?/g, (_, c) => (c ?? '').toUpperCase());
  const imports = specifiers.map((s) => `import * as ${ident(s)} from '${s}';`).join('\n');
  const body = `${imports}\n\nexport const entryPoints = { ${specifiers.map(ident).join(', ')} };\n`;
  writeFileSync(join(app, 'check.ts'), body);
  // ESM-only packages (no `require` condition, e.g. @pipeline/java-toolchain) are checked from ESM only.
  const esmOnly = new Set(
    packages.filter((p) => !JSON.stringify(p.pkg.exports ?? {}).includes('"require"')).flatMap((p) => p.specifiers),
  );
  const cjs = specifiers.filter((s) => !CJS_TYPES_EXEMPT.has(s) && !esmOnly.has(s));
  writeFileSync(
    join(app, 'check-cjs.cts'),
    `${cjs.map((s) => `import * as ${ident(s)} from '${s}';`).join('\n')}\n\nexport const entryPoints = { ${cjs.map(ident).join(', ')} };\n`,
  );
  for (const s of specifiers) {
    if (CJS_TYPES_EXEMPT.has(s)) console.log(`  ${s}: not type-checked from CommonJS: ${CJS_TYPES_EXEMPT.get(s)}`);
  }
  const compilerOptions = {
    strict: true,
    noEmit: true,
    target: 'es2022',
    lib: ['es2022'],
    types: ['node'],
  };
  // node16 checks every declaration file too (both flavours: check.ts reads the .d.ts, check-cjs.cts the .d.cts);
  // node10 and bundler check that every entry point resolves to types, with the libraries' insides skipped (they
  // were checked under node16, and a full check costs three times the CPU).
  const configs = {
    node10: { module: 'commonjs', moduleResolution: 'node10', skipLibCheck: true },
    node16: { module: 'node16', moduleResolution: 'node16', skipLibCheck: false },
    bundler: { module: 'esnext', moduleResolution: 'bundler', skipLibCheck: true },
  };
  for (const [name, options] of Object.entries(configs)) {
    const files = name === 'node16' ? ['check.ts', 'check-cjs.cts'] : ['check.ts'];
    writeFileSync(
      join(app, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files }, null, 2),
    );
  }
  const list = JSON.stringify(specifiers);
  writeFileSync(
    join(app, 'import-esm.mjs'),
    `for (const s of ${list}) {\n  const m = await import(s);\n  if (Object.keys(m).length === 0) throw new Error(\`\${s}: no exports from ESM\`);\n}\nconsole.log('ESM: ${specifiers.length} entry points');\n`,
  );
  const requirable = specifiers.filter((s) => !esmOnly.has(s));
  writeFileSync(
    join(app, 'import-cjs.cjs'),
    `for (const s of ${JSON.stringify(requirable)}) {\n  const m = require(s);\n  if (Object.keys(m).length === 0) throw new Error(\`\${s}: no exports from CJS\`);\n}\nconsole.log('CJS: ${requirable.length} entry points (ESM-only: ${[...esmOnly].join(', ') || 'none'})');\n`,
  );
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'pipeline-install-check', private: true, type: 'module' }, null, 2),
  );
}

/**
 * Type-checks the app under one resolution. Fails on errors in the app's files or in a `@pipeline` package; errors
 * inside other libraries' declarations (e.g. vitest's own types, which do not support node10) are that library's
 * business and only counted.
 */
async function typeCheck(tsc, app, resolution) {
  let output = '';
  try {
    await exec(process.execPath, [tsc, '-p', `tsconfig.${resolution}.json`, '--pretty', 'false'], { cwd: app });
    return '';
  } catch (error) {
    output = error.message;
  }
  const errors = output.split('\n').filter((line) => /^\S.*\(\d+,\d+\): error TS\d+/.test(line));
  if (errors.length === 0) throw new Error(output);
  const ours = errors.filter((line) => !line.startsWith('node_modules/') || line.startsWith('node_modules/@pipeline/'));
  if (ours.length > 0) throw new Error(`moduleResolution ${resolution}:\n${ours.join('\n')}`);
  const libraries = new Set(errors.map((line) => line.match(/^node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]));
  return `  moduleResolution ${resolution}: ${errors.length} error(s) inside third-party declarations only (${[...libraries].join(', ')}), none in @pipeline packages or the app`;
}

async function main() {
  const packages = publishablePackages();
  for (const { dir, pkg } of packages) {
    if (pkg.scripts?.build && !existsSync(join(dir, 'dist'))) {
      throw new Error(
        `${pkg.name} is not built (no ${relative(root, dir)}/dist): run \`pnpm exec turbo run build\` first`,
      );
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'pipeline-install-'));
  const app = join(work, 'app');
  mkdirSync(app);
  console.log(
    `check-install: ${packages.length} packages in ${work}${skipped.size ? ` (skipped: ${[...skipped]})` : ''}`,
  );
  try {
    const tarballs = await step(`pack ${packages.length} packages`, () => packAll(packages, join(work, 'tarballs')));
    const problems = await step('inspect tarballs (LICENSE, dist, ranges)', async () =>
      (
        await Promise.all(
          packages.map((p, i) => inspectTarball(p.pkg.name, tarballs[i], Boolean(p.pkg.scripts?.build))),
        )
      ).flat(),
    );
    if (problems.length > 0) throw new Error(`tarball problems:\n  ${problems.join('\n  ')}`);

    writeApp(app, packages);
    const pins = workspacePins(packages);
    const peers = peersToInstall(packages, pins);
    const extras = [...peers].map(([name, range]) => `${name}@${range}`);
    extras.push(`@types/node@${pins.get('@types/node') ?? '^20.19.0'}`);
    await step('npm install tarballs and peers', () =>
      exec(
        'npm',
        ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', ...tarballs, ...extras],
        { cwd: app },
      ),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    // The three resolutions at once (each tsc is one thread); the step times overlap.
    const notes = await Promise.all(
      RESOLUTIONS.map((resolution) =>
        step(`tsc moduleResolution ${resolution} (parallel)`, () => typeCheck(tsc, app, resolution)),
      ),
    );
    for (const note of notes.filter(Boolean)) console.log(note);
    console.log((await step('import from ESM', () => exec(process.execPath, ['import-esm.mjs'], { cwd: app }))).trim());
    console.log(
      (await step('require from CJS', () => exec(process.execPath, ['import-cjs.cjs'], { cwd: app }))).trim(),
    );
  } catch (error) {
    console.error(`\ncheck-install FAILED: ${error instanceof Error ? error.message : error}`);
    console.error(`(the app is kept in ${app})`);
    report();
    process.exit(1);
  }
  if (!args.keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
  report();
}

function report() {
  console.log('');
  for (const line of steps) console.log(`  ${line}`);
  console.log(`check-install: ${((Date.now() - started) / 1000).toFixed(1)} s in all`);
}

await main();
