import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Temporary directories for a test file: `make()` one per test, `cleanup()` them all in afterAll. */
export function tempDirs(prefix = 'weir-cp-'): { make(): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make() {
      const dir = await mkdtemp(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    async cleanup() {
      for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}
