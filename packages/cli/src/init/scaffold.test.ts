import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ScaffoldConflictError, scaffold } from './scaffold.ts';
import { TEMPLATE_FILES } from './templates.ts';

const ctx = { weirVersion: '0.1.0', nodeMajor: 20 };
const made: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'weir-init-'));
  made.push(dir);
  return dir;
};
afterEach(async () => {
  for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('scaffold', () => {
  it('writes package.json and every template into a new directory', async () => {
    const dir = join(await tempDir(), 'my-pipeline');
    const result = await scaffold(dir, ctx);
    expect(result.written).toEqual(['package.json', ...TEMPLATE_FILES.map(([p]) => p)]);
    for (const [path, text] of TEMPLATE_FILES) expect(await readFile(join(dir, path), 'utf8')).toBe(text);
    expect(JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))).toMatchObject({ name: 'my-pipeline', type: 'module' });
  });

  it('writes nothing when a file it would write exists, and names every one', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'tsconfig.json'), '{}');
    await writeFile(join(dir, '.gitignore'), 'x');
    await writeFile(join(dir, 'package.json'), '{ "scripts": { "start": "node server.js" } }');
    const refused = await scaffold(dir, ctx).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ScaffoldConflictError);
    expect((refused as ScaffoldConflictError).conflicts).toEqual([
      'tsconfig.json exists',
      '.gitignore exists',
      expect.stringMatching(/^package.json has a script 'start'/),
    ]);
    expect((await readdir(dir)).sort()).toEqual(['.gitignore', 'package.json', 'tsconfig.json']);
    expect(await readFile(join(dir, 'package.json'), 'utf8')).toBe('{ "scripts": { "start": "node server.js" } }');
  });
});
