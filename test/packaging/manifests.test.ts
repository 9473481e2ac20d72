/**
 * The three packages are publishable as they are: versions in step, @weir/core a peer (one copy for
 * the user's job, @weir/redis and the CLI), every import declared, no workspace-only paths, the
 * export map's files present, licence and repository set. Checked on the manifests, without npm.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEV_TOOLS } from '../../packages/cli/src/init/package-json.ts';
import { REPO } from './installed-project.ts';

interface Manifest {
  name: string;
  version: string;
  license?: string;
  type?: string;
  main?: string;
  repository?: { type: string; url: string; directory: string };
  exports: Record<string, Record<string, string> | string>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const DIRS = ['core', 'redis', 'cli'];
const read = (path: string): Manifest => JSON.parse(readFileSync(join(REPO, path), 'utf8')) as Manifest;
const packages = DIRS.map((d) => ({ dir: `packages/${d}`, manifest: read(`packages/${d}/package.json`) }));

/**
 * Bare specifiers the package's shipped sources import: tests and test doubles aside, and the
 * files `weir init` writes (held as text in init/templates.ts, their imports are the new project's).
 */
function importedPackages(dir: string): Set<string> {
  const found = new Set<string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'testing' || !d.endsWith('checkpoint')) walk(path);
      } else if (name.endsWith('.ts') && !/\.(test|contract)\.ts$/.test(name) && !path.endsWith(join('init', 'templates.ts'))) {
        for (const m of readFileSync(path, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^'.][^']*)'/gm)) {
          const spec = m[1];
          if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
          found.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
    }
  };
  walk(join(REPO, dir, 'src'));
  return found;
}

describe('the published packages', () => {
  it('share one version, and depend on @weir/core at exactly that version, as a peer', () => {
    const version = packages[0].manifest.version;
    for (const { manifest } of packages) {
      expect(manifest.version, manifest.name).toBe(version);
      if (manifest.name !== '@weir/core') {
        expect(manifest.peerDependencies, manifest.name).toEqual({ '@weir/core': version });
        expect(manifest.dependencies?.['@weir/core'], manifest.name).toBeUndefined();
      }
      // Another @weir package (the CLI's @weir/redis) comes at the same version.
      for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
        if (name.startsWith('@weir/')) expect(range, `${manifest.name} → ${name}`).toBe(version);
      }
    }
  });

  it('declare every package their sources import, and nothing only a workspace can resolve', () => {
    for (const { dir, manifest } of packages) {
      const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
      expect([...importedPackages(dir)].filter((p) => !(p in declared)), `${manifest.name} imports undeclared packages`).toEqual([]);
      for (const [name, range] of Object.entries(declared)) expect(range, `${manifest.name} → ${name}`).toMatch(/^[\^~]?\d+\.\d+\.\d+$/);
      expect(manifest.devDependencies, manifest.name).toBeUndefined();
    }
  });

  it('export built JavaScript and declarations, and the sources under the development condition', () => {
    for (const { dir, manifest } of packages) {
      expect(manifest.type).toBe('module');
      // The libraries export one bundled module (scripts/bundle-dist.mjs: fewer modules to load in every
      // thread); the command's package keeps tsc's files.
      const built = manifest.name === '@weir/cli' ? './dist/index.js' : './dist/bundle.js';
      expect(manifest.exports['.'], manifest.name).toEqual({ development: './src/index.ts', types: './dist/index.d.ts', default: built });
      expect(manifest.main, manifest.name).toBe(built);
      expect(existsSync(join(REPO, dir, built)), `${dir}/${built} (npm run build)`).toBe(true);
      expect(existsSync(join(REPO, dir, 'src/index.ts'))).toBe(true);
      expect(manifest.files, manifest.name).toEqual(expect.arrayContaining(['dist', 'src', '!**/*.test.*']));
      expect(manifest.scripts?.prepack, manifest.name).toBeDefined();
    }
  });

  it('carry the MIT licence and their place in the repository', () => {
    const licence = readFileSync(join(REPO, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License/);
    for (const { dir, manifest } of packages) {
      expect(manifest.license).toBe('MIT');
      expect(readFileSync(join(REPO, dir, 'LICENSE'), 'utf8'), `${dir}/LICENSE`).toBe(licence);
      expect(manifest.repository?.directory).toBe(dir);
    }
  });

  it("scaffold the tools at the ranges Weir's own repository is tested with", () => {
    const root = read('package.json');
    for (const [name, range] of Object.entries(DEV_TOOLS)) expect(range, name).toBe(root.devDependencies?.[name]);
  });
});
