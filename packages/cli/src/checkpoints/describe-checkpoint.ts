import type { CheckpointLocation, CheckpointMetadata, KeyGroupsStateHandle, StreamStateHandle } from '@weir/core';
import { formatBytes, formatDuration } from '../progress/format.ts';

/** One subtask's part of an operator's state, as `weir checkpoints inspect` shows it. */
export interface SubtaskSummary {
  readonly subtask: number;
  readonly keyed?: {
    readonly keyGroups: { readonly start: number; readonly end: number };
    /** Key groups whose encoded part holds at least one state (an empty group encodes to one byte). */
    readonly keyGroupsWithState: number;
    readonly sizeBytes: number;
    readonly file: string | null;
  };
  readonly operator?: {
    /** List name → elements. */
    readonly lists: Readonly<Record<string, number>>;
    readonly sizeBytes: number;
    readonly file: string | null;
  };
}

export interface OperatorSummary {
  readonly uid: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly sizeBytes: number;
  readonly subtasks: readonly SubtaskSummary[];
}

export interface CheckpointDescription {
  readonly path: string;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly checkpointId: number;
  readonly jobName: string;
  readonly triggeredAt: number;
  readonly completedAt: number;
  readonly sizeBytes: number;
  readonly operators: readonly OperatorSummary[];
}

const fileOf = (h: StreamStateHandle): string | null => (h.inline !== undefined ? null : h.path);

function nonEmptyGroups(k: KeyGroupsStateHandle): number {
  let n = 0;
  for (let i = 0; i < k.offsets.length; i++) {
    const end = i + 1 < k.offsets.length ? k.offsets[i + 1] : k.handle.size;
    if (end - k.offsets[i] > 1) n++;
  }
  return n;
}

/** Operators, subtasks, key groups and sizes of a checkpoint, from its metadata alone. */
export function describeCheckpoint(location: CheckpointLocation, metadata: CheckpointMetadata): CheckpointDescription {
  const operators = metadata.operators.map((op): OperatorSummary => {
    const subtasks: SubtaskSummary[] = [];
    let sizeBytes = 0;
    op.subtasks.forEach((s, subtask) => {
      if (s === null || (s.keyed === undefined && s.operator === undefined)) return;
      const summary: { -readonly [K in keyof SubtaskSummary]: SubtaskSummary[K] } = { subtask };
      if (s.keyed !== undefined) {
        summary.keyed = { keyGroups: s.keyed.range, keyGroupsWithState: nonEmptyGroups(s.keyed), sizeBytes: s.keyed.handle.size, file: fileOf(s.keyed.handle) };
        sizeBytes += s.keyed.handle.size;
      }
      if (s.operator !== undefined) {
        summary.operator = { lists: s.operator.lists, sizeBytes: s.operator.handle.size, file: fileOf(s.operator.handle) };
        sizeBytes += s.operator.handle.size;
      }
      subtasks.push(summary);
    });
    return { uid: op.uid, name: op.name, parallelism: op.parallelism, maxParallelism: op.maxParallelism, sizeBytes, subtasks };
  });
  return {
    path: location.pointer,
    kind: metadata.kind,
    checkpointId: metadata.checkpointId,
    jobName: metadata.jobName,
    triggeredAt: metadata.triggeredAt,
    completedAt: metadata.completedAt,
    sizeBytes: operators.reduce((n, o) => n + o.sizeBytes, 0),
    operators,
  };
}

/** The description as text for a terminal. */
export function formatDescription(d: CheckpointDescription): string {
  const lines = [
    `${d.kind} ${d.checkpointId} of job '${d.jobName}': ${d.path}`,
    `  completed ${new Date(d.completedAt).toISOString()} in ${formatDuration(d.completedAt - d.triggeredAt)}, state ${formatBytes(d.sizeBytes)}`,
  ];
  for (const op of d.operators) {
    lines.push('', `operator '${op.name}' (uid '${op.uid}'), parallelism ${op.parallelism}, max parallelism ${op.maxParallelism}, ${formatBytes(op.sizeBytes)}`);
    if (op.subtasks.length === 0) lines.push('  no state');
    for (const s of op.subtasks) {
      const parts: string[] = [];
      if (s.keyed !== undefined) {
        const { start, end } = s.keyed.keyGroups;
        parts.push(`keyed: key groups ${start}-${end} (${s.keyed.keyGroupsWithState} with state), ${formatBytes(s.keyed.sizeBytes)} ${s.keyed.file ?? 'inline'}`);
      }
      if (s.operator !== undefined) {
        const lists = Object.entries(s.operator.lists).map(([name, n]) => `${name}[${n}]`).join(' ');
        parts.push(`lists: ${lists || 'none'}, ${formatBytes(s.operator.sizeBytes)} ${s.operator.file ?? 'inline'}`);
      }
      lines.push(`  subtask ${s.subtask}: ${parts.join('; ')}`);
    }
  }
  return lines.join('\n');
}
