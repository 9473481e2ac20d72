/**
 * The boundaries the layout promises, checked on every run (as BullMQ runs madge --circular):
 * no import cycles between modules, no Redis inside core, the API never reaching into the runtime.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Module {
  readonly file: string;
  /** Modules imported for their values (type-only imports are erased and cannot form a runtime cycle). */
  readonly valueImports: string[];
  /** Every import specifier, relative ones resolved to files. */
  readonly allImports: string[];
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts') && !name.endsWith('.contract.ts')) out.push(path);
  }
  return out;
}

function parse(file: string): Module {
  const text = readFileSync(file, 'utf8');
  const valueImports: string[] = [];
  const allImports: string[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const spec = m[3];
    const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
    allImports.push(target);
    // `import { type A, type B }` is type-only too.
    const clause = m[0];
    const typeOnly = m[2] !== undefined || /\{\s*(type\s+\w+\s*,?\s*)+\}/.test(clause);
    if (!typeOnly && spec.startsWith('.')) valueImports.push(target);
  }
  return { file, valueImports, allImports };
}

const modules = ['packages/core/src', 'packages/redis/src', 'packages/cli/src'].flatMap((d) => sources(join(ROOT, d)).map(parse));
const rel = (f: string): string => relative(ROOT, f);

describe('the architecture', () => {
  it('has no import cycles between modules', () => {
    const graph = new Map(modules.map((m) => [m.file, m.valueImports]));
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps Redis out of packages/core', () => {
    const offenders = modules.filter((m) => m.file.includes('/packages/core/') && m.allImports.some((i) => i === 'ioredis' || i.startsWith('@weir/redis')));
    expect(offenders.map((m) => rel(m.file))).toEqual([]);
  });

  it('keeps the API from reaching into the runtime', () => {
    const api = join(ROOT, 'packages/core/src/api');
    const runtime = join(ROOT, 'packages/core/src/runtime');
    const offenders = modules.filter((m) => m.file.startsWith(api) && m.allImports.some((i) => i.startsWith(runtime)));
    expect(offenders.map((m) => rel(m.file))).toEqual([]);
  });

  it('keeps core independent of the other packages', () => {
    const offenders = modules.filter((m) => m.file.includes('/packages/core/') && m.allImports.some((i) => i.startsWith('@weir/')));
    expect(offenders.map((m) => rel(m.file))).toEqual([]);
  });
});
