import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` that always ends. Node's own `mkdir(dir, { recursive: true })` loops for ever, at full
 * CPU, on a path below a directory where creating entries fails with ENOENT although the parent
 * exists (below `/proc`, for one); a user-supplied savepoint directory must fail cleanly instead.
 * Creates one level at a time, each at most once, and throws the first error that is not EEXIST.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let at = target; ; at = path.dirname(at)) {
    if (await isDirectory(at)) break;
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await isDirectory(d))) continue;
      throw e;
    }
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}
