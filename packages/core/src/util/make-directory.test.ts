import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeDirectory } from './make-directory.ts';

describe('makeDirectory', () => {
  it('creates every missing level, and is fine when they exist', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'weir-mkdir-'));
    const deep = path.join(root, 'a', 'b', 'c');
    await makeDirectory(deep);
    await makeDirectory(deep);
    expect((await stat(deep)).isDirectory()).toBe(true);
    await rm(root, { recursive: true });
  });

  it('fails, rather than loops, below /proc', async () => {
    await expect(makeDirectory('/proc/weir-savepoints/x')).rejects.toThrow(/ENOENT/);
  });

  it('fails below a file', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'weir-mkdir-'));
    await writeFile(path.join(root, 'f'), '');
    await expect(makeDirectory(path.join(root, 'f', 'x'))).rejects.toThrow();
    await rm(root, { recursive: true });
  });
});
