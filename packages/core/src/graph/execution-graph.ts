import type { ChannelSpec } from '../runtime/channel/channel.ts';
import { KeyGroupRange } from '../state/key-group-range.ts';
import { keyGroupRangeForOperatorIndex } from '../state/key-groups.ts';
import type { JobEdge, JobGraph, JobVertex } from './job-graph.ts';

/** One parallel instance of a task (Flink's ExecutionVertex). */
export interface ExecutionVertex {
  readonly vertex: JobVertex;
  readonly subtaskIndex: number;
  /** `<vertex id>#<subtask index>`: how the coordinator and the logs name this subtask. */
  readonly taskKey: string;
  /** Key groups owned by the head operator when it is keyed; an empty range otherwise. */
  readonly keyGroupRange: KeyGroupRange;
  /** The input gate's channels, in channel-index order. */
  readonly inputChannels: readonly ChannelSpec[];
  /** Per output JobEdge (in `vertex.outputs` order): one channel per downstream subtask it reaches. */
  readonly outputChannels: readonly (readonly ChannelSpec[])[];
}

export interface ExecutionGraph {
  readonly jobName: string;
  readonly jobGraph: JobGraph;
  readonly subtasks: readonly ExecutionVertex[];
}

/**
 * Expands every task into its subtasks and wires channels: forward edges connect subtask i to
 * subtask i; every other partitioner connects each upstream subtask to every downstream one.
 */
export function buildExecutionGraph(jobGraph: JobGraph, channelCapacity: number): ExecutionGraph {
  const subtasks: ExecutionVertex[] = [];
  for (const vertex of jobGraph.vertices) {
    const head = vertex.nodes[0];
    for (let i = 0; i < vertex.parallelism; i++) {
      subtasks.push({
        vertex,
        subtaskIndex: i,
        taskKey: `${vertex.id}#${i}`,
        keyGroupRange: head.keyed
          ? keyGroupRangeForOperatorIndex(head.maxParallelism, vertex.parallelism, i)
          : new KeyGroupRange(0, -1),
        inputChannels: vertex.inputs.flatMap((e) => channelsInto(e, i, channelCapacity)),
        outputChannels: vertex.outputs.map((e) => channelsOutOf(e, i, channelCapacity)),
      });
    }
  }
  return { jobName: jobGraph.jobName, jobGraph, subtasks };
}

function spec(e: JobEdge, from: number, to: number, capacity: number): ChannelSpec {
  return { from: e.source.id, fromSubtask: from, to: e.target.id, toSubtask: to, input: e.target.inputs.indexOf(e), capacity };
}

function channelsInto(e: JobEdge, toSubtask: number, capacity: number): ChannelSpec[] {
  if (e.partitioner.kind === 'forward') return [spec(e, toSubtask, toSubtask, capacity)];
  return Array.from({ length: e.source.parallelism }, (_, from) => spec(e, from, toSubtask, capacity));
}

function channelsOutOf(e: JobEdge, fromSubtask: number, capacity: number): ChannelSpec[] {
  if (e.partitioner.kind === 'forward') return [spec(e, fromSubtask, fromSubtask, capacity)];
  return Array.from({ length: e.target.parallelism }, (_, to) => spec(e, fromSubtask, to, capacity));
}
