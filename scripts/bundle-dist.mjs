#!/usr/bin/env node
/**
 * Bundles a package's built dist/ (tsc's one file per module) into dist/bundle.js, the file its
 * `exports` point Node at. Why: a job file is TypeScript, so every thread that loads it (the main
 * thread and each worker thread) runs tsx's module hooks, and with hooks registered Node resolves
 * and loads every module through a round trip to a hooks thread. @weir/core is 215 modules; as one
 * module it loads in about two thirds of the time (spawn to first record of an empty job, paired
 * runs: 1.21 s → 0.83 s on 2 worker threads, 0.50 s → 0.37 s in-process).
 *
 * Dependencies stay imports (`packages: 'external'`), so a program that imports a dependency
 * itself shares it with Weir. The per-module files stay beside the bundle for the declarations and
 * source maps; the bundle's map leads through them back to src/ (`node --enable-source-maps`).
 *
 * Usage: node scripts/bundle-dist.mjs <package directory>...
 */
import { build } from 'esbuild';
import { resolve } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node scripts/bundle-dist.mjs <package directory>...');
  process.exit(2);
}
for (const dir of dirs) {
  await build({
    entryPoints: [resolve(dir, 'dist/index.js')],
    outfile: resolve(dir, 'dist/bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    // No keepNames: it would wrap functions made on the hot path in a naming call. Nothing in the
    // packages reads a class's or function's name at run time (errors set `name` themselves).
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
