import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Every record committed by a fileSink into `dir` (part files only; staged files are not output). */
export async function readCommitted<T>(dir: string): Promise<T[]> {
  const out: T[] = [];
  for (const f of (await readdir(dir)).filter((f) => f.startsWith('part-'))) {
    const text = await readFile(join(dir, f), 'utf8');
    for (const line of text.split('\n')) if (line !== '') out.push(JSON.parse(line) as T);
  }
  return out;
}
