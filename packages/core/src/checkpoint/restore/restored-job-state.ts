import type { Logger } from 'pino';
import type { ExecutionGraph } from '../../graph/execution-graph.ts';
import type { StreamNode } from '../../graph/stream-graph.ts';
import type { RestoredState } from '../../runtime/task-builder.ts';
import { KeyGroupRange } from '../../state/key-group-range.ts';
import { operatorIndexForKeyGroup } from '../../state/key-groups.ts';
import type { KeyGroupSnapshot } from '../../state/state-backend.ts';
import { decodeKeyGroup, decodeOperatorLists, type OperatorLists } from '../../state/snapshot/snapshot-codec.ts';
import type { CompletedCheckpoint } from '../completed-checkpoint.ts';
import type { CheckpointStorage } from '../storage/checkpoint-storage.ts';
import { redistributeLists } from './redistribute.ts';

/** The checkpoint does not fit the job (an operator is gone, the key group count changed). */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

/**
 * Reads a completed checkpoint and assigns its state to the subtasks of the job about to run:
 * state is matched to operators by uid; keyed state moves by key group to the subtask that now
 * owns it; operator lists are redistributed ({@link redistributeLists}). Every handle's checksum
 * is verified as it is read.
 */
export async function loadRestoredState(
  checkpoint: CompletedCheckpoint,
  storage: CheckpointStorage,
  graph: ExecutionGraph,
  options: {
    allowNonRestoredState: boolean;
    logger: Logger;
    /**
     * Task keys (`<vertex id>#<subtask index>`) whose keyed state to decode; default every
     * subtask's. A worker thread decodes its own; the main thread of a job on worker threads
     * decodes none (an empty set), and only reads every handle, so that its checksum is verified.
     */
    only?: ReadonlySet<string>;
    /** With `only`: do not even read a keyed handle that holds none of those subtasks' key groups (a worker thread's restore). */
    skipUnowned?: boolean;
  },
): Promise<RestoredState> {
  const nodes = new Map<string, StreamNode>();
  const vertexOf = new Map<string, string>();
  for (const v of graph.jobGraph.vertices) {
    for (const n of v.nodes) {
      nodes.set(n.uid, n);
      vertexOf.set(n.uid, v.id);
    }
  }
  const keyed = new Map<string, Map<number, KeyGroupSnapshot>>();
  const lists = new Map<string, (OperatorLists | undefined)[]>();
  const location = checkpoint.location;

  for (const op of checkpoint.metadata.operators) {
    const hasState = op.subtasks.some((s) => s !== null && (s.keyed !== undefined || s.operator !== undefined));
    const node = nodes.get(op.uid);
    if (node === undefined) {
      if (!hasState) continue;
      if (!options.allowNonRestoredState) {
        throw new RestoreError(
          `checkpoint ${checkpoint.checkpointId} has state for operator uid '${op.uid}' ('${op.name}'), which this job does not have: ` +
            `give the operator that should own it uid '${op.uid}', or set allowNonRestoredState to drop that state`,
        );
      }
      options.logger.warn({ uid: op.uid, name: op.name }, 'dropping state of an operator the job no longer has (allowNonRestoredState)');
      continue;
    }
    const oldLists: (OperatorLists | undefined)[] = [];
    for (const [oldIndex, sub] of op.subtasks.entries()) {
      if (sub === null) continue;
      if (sub.keyed !== undefined) {
        if (!node.keyed) {
          throw new RestoreError(`checkpoint has keyed state for uid '${op.uid}', but operator '${node.name}' is not keyed in this job`);
        }
        if (op.maxParallelism !== node.maxParallelism) {
          throw new RestoreError(
            `operator '${node.name}' (uid '${op.uid}') was checkpointed with maxParallelism ${op.maxParallelism} ` +
              `and now has ${node.maxParallelism}: the number of key groups cannot change; set maxParallelism back to ${op.maxParallelism}`,
          );
        }
        const range = new KeyGroupRange(sub.keyed.range.start, sub.keyed.range.end);
        // The key groups of this handle to decode, with the subtask that now owns each.
        const wanted: [keyGroup: number, owner: number][] = [];
        for (let kg = range.start; kg <= range.end; kg++) {
          const owner = operatorIndexForKeyGroup(node.maxParallelism, node.parallelism, kg);
          if (options.only === undefined || options.only.has(`${vertexOf.get(op.uid)}#${owner}`)) wanted.push([kg, owner]);
        }
        if (options.skipUnowned === true && wanted.length === 0) continue;
        const bytes = await storage.readState(location, sub.keyed.handle);
        for (const [kg, owner] of wanted) {
          const snapshot = decodeKeyGroup(bytes, sub.keyed.offsets, range, kg);
          if (snapshot.length === 0) continue;
          const key = `${op.uid}#${owner}`;
          let m = keyed.get(key);
          if (m === undefined) keyed.set(key, (m = new Map()));
          m.set(kg, snapshot);
        }
      }
      if (sub.operator !== undefined) {
        oldLists[oldIndex] = decodeOperatorLists(await storage.readState(location, sub.operator.handle));
      }
    }
    if (oldLists.length > 0) {
      const padded = Array.from({ length: op.parallelism }, (_, i) => oldLists[i]);
      lists.set(op.uid, redistributeLists(padded, node.parallelism));
    }
  }
  return {
    keyGroups: (uid, subtaskIndex) => keyed.get(`${uid}#${subtaskIndex}`),
    lists: (uid, subtaskIndex) => lists.get(uid)?.[subtaskIndex],
  };
}
