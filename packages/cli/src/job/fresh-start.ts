import { FsCheckpointStorage, type CheckpointingOptions } from '@weir/core';

/**
 * The line `weir run --fresh` prints before the job starts: which checkpoints the job's start
 * deletes (the deletion itself is core's: `fresh: true`).
 */
export async function describeFreshStart(jobName: string, options: CheckpointingOptions): Promise<string> {
  const storage =
    typeof options.storage === 'object'
      ? options.storage
      : new FsCheckpointStorage({ directory: options.storage ?? './checkpoints', jobName });
  const listing = await storage.list();
  const where = storage.description;
  if (listing.length === 0) return `--fresh: job '${jobName}' has no earlier checkpoints in ${where}`;
  const names = listing.map((l) => `${l.hasMetadata ? 'checkpoint' : 'incomplete checkpoint'} ${l.checkpointId}`);
  return `--fresh: deleting ${listing.length} earlier checkpoint${listing.length === 1 ? '' : 's'} of job '${jobName}' in ${where}: ${names.join(', ')}`;
}
