import type { Logger } from 'pino';
import type { CompletedCheckpoint } from '../checkpoint/completed-checkpoint.ts';
import { loadRestoredState } from '../checkpoint/restore/restored-job-state.ts';
import type { CheckpointStorage } from '../checkpoint/storage/checkpoint-storage.ts';
import type { ExecutionGraph } from '../graph/execution-graph.ts';
import type { RestoredState } from '../runtime/task-builder.ts';

/** Loads one checkpoint's state for `graph` and says so in the log: which checkpoint, and how old. */
export async function restoreFrom(
  checkpoint: CompletedCheckpoint,
  storage: CheckpointStorage,
  graph: ExecutionGraph,
  options: { allowNonRestoredState: boolean; logger: Logger; only?: ReadonlySet<string> },
): Promise<RestoredState> {
  const state = await loadRestoredState(checkpoint, storage, graph, options);
  const ageMs = Date.now() - checkpoint.metadata.completedAt;
  options.logger.info(
    { checkpointId: checkpoint.checkpointId, kind: checkpoint.metadata.kind, pointer: checkpoint.location.pointer, ageMs },
    `restoring from ${checkpoint.metadata.kind} ${checkpoint.checkpointId} (${formatAge(ageMs)} old)`,
  );
  return state;
}

function formatAge(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
