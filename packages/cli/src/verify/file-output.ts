import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { OutputRecord } from './compare-output.ts';

/** What a run committed to files: every line of every `part-*` file below a directory. */
export interface FileOutput {
  readonly files: number;
  readonly records: OutputRecord[];
}

/**
 * Reads the committed output of file sinks below `root`: every line of every file whose name
 * starts with `part-` (what `fileSink` commits), in any subdirectory except `.staging` (staged,
 * not committed) and the directories in `exclude` (the run's checkpoints). One line is one record.
 */
export async function readPartFiles(root: string, exclude: readonly string[] = []): Promise<FileOutput> {
  const skip = new Set(exclude.map((d) => resolve(d)));
  const records: OutputRecord[] = [];
  let files = 0;
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.staging' && !skip.has(resolve(path))) await walk(path);
      } else if (entry.isFile() && entry.name.startsWith('part-')) {
        files++;
        for (const line of (await readFile(path, 'utf8')).split('\n')) if (line !== '') records.push({ identity: line, display: line });
      }
    }
  };
  await walk(root);
  return { files, records };
}
