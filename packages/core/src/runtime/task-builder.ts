import type { Logger } from 'pino';
import { describeError, type DeadLetterQueue, type ErrorPolicy } from '../connector/dead-letter.ts';
import { DeadLetterStage } from './operators/dead-letter-stage.ts';
import type { SourceReader } from '../connector/source.ts';
import type { ExecutionVertex } from '../graph/execution-graph.ts';
import type { JobEdge } from '../graph/job-graph.ts';
import type { StreamEdge, StreamNode } from '../graph/stream-graph.ts';
import type { StateBackend, KeyedStateBackend, KeyGroupSnapshot } from '../state/state-backend.ts';
import type { OperatorLists } from '../state/snapshot/snapshot-codec.ts';
import { AlignedBarrierHandler } from './barrier/aligned-barrier-handler.ts';
import { BarrierTracker } from './barrier/barrier-tracker.ts';
import type { CheckpointParticipant } from './checkpointing/checkpointed.ts';
import { TaskCheckpointing, type CheckpointServices } from './checkpointing/task-checkpointing.ts';
import type { Backpressure, ChannelWriter, Transport } from './channel/channel.ts';
import type { OperatorIdentity } from './errors.ts';
import { OperatorChain } from './operator-chain.ts';
import { createOperator } from './operators/create-operator.ts';
import { NO_OUTPUT, SinkOperator } from './operators/sink-operator.ts';
import type { SinkWriter } from '../connector/sink.ts';
import type { Fencing, OperatorContext, StreamOperator, TwoInputStreamOperator } from './operators/stream-operator.ts';
import { isTwoInput } from '../graph/operator-spec.ts';
import { OutputWithSideOutputs } from './output/side-outputs.ts';
import { Mailbox } from './tasks/mailbox.ts';
import { MailboxProcessingTimeService } from './time/processing-time-service.ts';
import { RecordTime } from './time/record-time.ts';
import { SourceWatermarks } from './time/source-watermarks.ts';
import { PassthroughReaderOutput } from './time/passthrough-reader-output.ts';
import type { ControlEvent } from './events.ts';
import {
  BroadcastOutput,
  FanOutOutput,
  ForwardOutput,
  KeyGroupOutput,
  RebalanceOutput,
} from './output/channel-outputs.ts';
import type { CountingOutput, Output } from './output/output.ts';
import { OneInputTask } from './tasks/one-input-task.ts';
import { SourceTask } from './tasks/source-task.ts';
import type { StreamTask } from './tasks/stream-task.ts';

export interface TaskBuildContext {
  readonly jobName: string;
  readonly transport: Transport;
  readonly batchSize: number;
  readonly stateBackend: StateBackend;
  readonly logger: Logger;
  /** Set when the job checkpoints. */
  readonly checkpointing: { readonly services: CheckpointServices; readonly mode: 'exactly-once' | 'at-least-once' } | null;
  /** This attempt's fencing epoch and lease check. */
  readonly fencing: Fencing;
  /** The job's `retained` (1 without checkpointing): sources release input only past all of them. */
  readonly retainedCheckpoints: number;
  /** State of the checkpoint the job restores from, already assigned to the new subtasks. */
  readonly restored: RestoredState | null;
}

/** Restored state, looked up per operator uid and (new) subtask index. */
export interface RestoredState {
  /** The key groups of the subtask's range that have state, decoded. */
  keyGroups(uid: string, subtaskIndex: number): ReadonlyMap<number, KeyGroupSnapshot> | undefined;
  /** The subtask's share of the operator's list state. */
  lists(uid: string, subtaskIndex: number): OperatorLists | undefined;
}

/** What deploying one subtask produced: the task, and its operators by uid (for snapshots). */
export interface DeployedTask {
  readonly task: StreamTask;
  readonly subtask: ExecutionVertex;
  readonly operators: ReadonlyMap<string, StreamOperator<unknown>>;
  readonly sourceReader: SourceReader<unknown> | null;
  readonly keyedBackend: KeyedStateBackend | null;
  /** Counted by the operators' error policies (read for status and metrics). */
  readonly counts: { deadLetters: number };
}

/**
 * Instantiates one subtask: its operators from the tail of the chain back to the head (each needs
 * its output), the channel outputs of edges that leave the task, and the loop that drives it.
 */
export function buildTask(subtask: ExecutionVertex, ctx: TaskBuildContext): DeployedTask {
  const { vertex, subtaskIndex } = subtask;
  const inChain = new Set(vertex.nodes);
  const writers: Backpressure[] = [];
  // Made before the operators, which need them; the task gets the same ones.
  const mailbox = new Mailbox();
  const processingTime = new MailboxProcessingTimeService(mailbox);
  const time = new RecordTime();
  const networkOutputs = new Map<JobEdge, CountingOutput<unknown>>();
  vertex.outputs.forEach((edge, i) => {
    const channelWriters = subtask.outputChannels[i].map((spec) => ctx.transport.writer(spec));
    writers.push(...channelWriters);
    networkOutputs.set(edge, channelOutput(edge, channelWriters, ctx.batchSize, subtaskIndex, edge.edge.source.hasTimestamps ? time : null));
  });

  const head = vertex.nodes[0];
  const keyedBackend = head.keyed
    ? ctx.stateBackend.createKeyedStateBackend({
        operatorUid: head.uid,
        keyGroupRange: subtask.keyGroupRange,
        maxParallelism: head.maxParallelism,
      })
    : null;
  const restoredGroups = keyedBackend === null ? undefined : ctx.restored?.keyGroups(head.uid, subtaskIndex);
  if (keyedBackend !== null && restoredGroups !== undefined) {
    for (const [kg, snapshot] of restoredGroups) keyedBackend.restoreKeyGroup(kg, snapshot);
  }

  const taskLogger = ctx.logger.child({ task: subtask.taskKey });
  const operators = new Map<string, StreamOperator<unknown>>();
  const built = new Map<StreamNode, Output<unknown>>();
  const edgeOutput = (e: StreamEdge): Output<unknown> => {
    if (inChain.has(e.target)) return built.get(e.target)!;
    const jobEdge = vertex.outputs.find((je) => je.edge === e)!;
    return networkOutputs.get(jobEdge)!;
  };
  const combine = (outs: Output<unknown>[]): Output<unknown> => (outs.length === 0 ? NO_OUTPUT : outs.length === 1 ? outs[0] : new FanOutOutput(outs));
  /** A node's output (main, plus side outputs for events), and its side outputs by tag. */
  const outputsOf = (node: StreamNode): { output: Output<unknown>; sides: Map<string, Output<unknown>> } => {
    const main = combine(node.outEdges.filter((e) => e.outputTag === undefined).map(edgeOutput));
    const byTag = new Map<string, Output<unknown>[]>();
    for (const e of node.outEdges) {
      if (e.outputTag === undefined) continue;
      let list = byTag.get(e.outputTag);
      if (list === undefined) byTag.set(e.outputTag, (list = []));
      list.push(edgeOutput(e));
    }
    const sides = new Map([...byTag].map(([tag, outs]) => [tag, combine(outs)] as const));
    return { output: sides.size === 0 ? main : new OutputWithSideOutputs(main, sides), sides };
  };
  const outputOf = (node: StreamNode): Output<unknown> => outputsOf(node).output;
  const participants: CheckpointParticipant[] = [];
  const stages: DeadLetterStage[] = [];
  const counts = { deadLetters: 0 };
  // A source head is driven by its reader, not built as an operator.
  const first = head.kind === 'source' ? 1 : 0;
  for (let i = vertex.nodes.length - 1; i >= first; i--) {
    const node = vertex.nodes[i];
    const policy = errorPolicy(node, subtaskIndex, ctx, taskLogger, stages, counts);
    const { output, sides } = outputsOf(node);
    const opCtx: OperatorContext = {
      ...identity(node, subtaskIndex),
      jobName: ctx.jobName,
      maxParallelism: node.maxParallelism,
      keyedBackend: i === 0 ? keyedBackend : null,
      logger: taskLogger.child({ operator: node.uid }),
      restoredLists: ctx.restored?.lists(node.uid, subtaskIndex),
      checkpointing: ctx.checkpointing !== null,
      fencing: ctx.fencing,
      time,
      processingTime,
      sideOutputs: sides,
      ...policy,
    };
    const op = createOperator(node.operator!, opCtx, output);
    if (op instanceof SinkOperator) {
      const sinkPressure = writerBackpressure(op.writer);
      if (sinkPressure !== undefined) writers.push(sinkPressure);
    }
    operators.set(node.uid, op);
    built.set(node, op);
  }
  const ordered = vertex.nodes.filter((n) => built.has(n)).map((n) => built.get(n) as StreamOperator<unknown>);
  const info = {
    jobName: ctx.jobName,
    taskKey: subtask.taskKey,
    taskName: vertex.name,
    subtaskIndex,
    parallelism: vertex.parallelism,
    logger: taskLogger,
  };

  let result: DeployedTask;
  if (head.kind === 'source') {
    const reader = head.source!.createReader({
      jobName: ctx.jobName,
      subtaskIndex,
      parallelism: vertex.parallelism,
      operatorUid: head.uid,
      logger: taskLogger.child({ operator: head.uid }),
      restoredState: ctx.restored?.lists(head.uid, subtaskIndex)?.splits,
      retainedCheckpoints: ctx.retainedCheckpoints,
    });
    participants.push(readerParticipant(head.uid, reader));
    const headOutput = outputOf(head);
    const chain = new OperatorChain(headOutput, ordered);
    const strategy = head.watermarkStrategy;
    const readerOutput =
      strategy === undefined
        ? new PassthroughReaderOutput<unknown>(headOutput)
        : new SourceWatermarks<unknown>(headOutput, time, strategy, processingTime, head.autoWatermarkInterval);
    const task = new SourceTask(info, chain, writers, reader, identity(head, subtaskIndex), readerOutput, mailbox, processingTime);
    task.awaitFinalCheckpoint = ctx.checkpointing !== null;
    result = { task, subtask, operators, sourceReader: reader, keyedBackend: null, counts };
  } else {
    const chain = new OperatorChain(built.get(head)!, ordered);
    const gate = ctx.transport.gate(subtask.inputChannels);
    const channelHeads = isTwoInput(head.operator!)
      ? twoInputHeads(built.get(head) as TwoInputStreamOperator, subtask, vertex.inputs)
      : undefined;
    const task = new OneInputTask(info, chain, writers, gate, keyedBackend, time, mailbox, processingTime, channelHeads);
    if (ctx.checkpointing !== null) {
      task.barrierHandler =
        ctx.checkpointing.mode === 'exactly-once' ? new AlignedBarrierHandler(task) : new BarrierTracker(task);
    }
    result = { task, subtask, operators, sourceReader: null, keyedBackend, counts };
  }
  result.task.channelOutputs = [...networkOutputs.values()];
  for (const stage of stages) result.task.startHooks.push(() => stage.writeRestored());
  if (ctx.checkpointing !== null) {
    for (const [uid, op] of operators) participants.push(operatorParticipant(uid, op, vertex.nodes.find((n) => n.uid === uid)!.onError));
    participants.push(...stages);
    result.task.checkpointing = new TaskCheckpointing(
      subtask.taskKey,
      subtaskIndex,
      ctx.checkpointing.services,
      keyedBackend === null ? null : { uid: head.uid, backend: keyedBackend },
      participants,
      taskLogger,
    );
  }
  return result;
}

/** Per input channel of a two-input task, where its records go: the operator's first or second input. */
function twoInputHeads(op: TwoInputStreamOperator, subtask: ExecutionVertex, inputs: readonly JobEdge[]): Output<unknown>[] {
  const second: Output<unknown> = {
    collect: (value) => op.collect2(value),
    emitEvent: (event: ControlEvent) => op.emitEvent(event),
    flush: () => op.flush(),
  };
  return subtask.inputChannels.map((spec) => (inputs[spec.input].edge.input === 1 ? second : op));
}

function readerParticipant(uid: string, reader: SourceReader<unknown>): CheckpointParticipant {
  return {
    uid,
    snapshotState: reader.snapshotState === undefined ? undefined : (id) => ({ splits: reader.snapshotState!(id) }),
    notifyCheckpointComplete: (id) => reader.notifyCheckpointComplete?.(id),
    notifyCheckpointAborted: (id) => reader.notifyCheckpointAborted?.(id),
  };
}

/**
 * An operator's part in checkpoints. With a dead-letter queue, the asynchronous part also waits
 * for the letters sent before the barrier: the checkpoint that covers a record completes only
 * once its letter is written.
 */
function operatorParticipant(uid: string, op: StreamOperator<unknown>, onError: ErrorPolicy): CheckpointParticipant {
  const queue = onError === 'fail' ? undefined : onError.deadLetter;
  const completeSnapshot =
    queue?.flush === undefined
      ? op.completeSnapshot?.bind(op)
      : (id: number) => Promise.all([op.completeSnapshot?.(id), queue.flush!()]).then(() => undefined);
  return {
    uid,
    snapshotState: op.snapshotState?.bind(op),
    completeSnapshot,
    notifyCheckpointComplete: op.notifyCheckpointComplete?.bind(op),
    notifyCheckpointAborted: op.notifyCheckpointAborted?.bind(op),
  };
}

/** Calls a user function gets per record before its record is dead-lettered, unless `onError` says. */
const DEFAULT_ATTEMPTS = 3;

/**
 * The operator context's part of the node's error policy. With checkpointing and a queue that
 * writes batches exactly once, letters go through a {@link DeadLetterStage} (added to `stages`);
 * otherwise straight to the queue's `send`, at least once.
 */
function errorPolicy(
  node: StreamNode,
  subtaskIndex: number,
  ctx: TaskBuildContext,
  logger: Logger,
  stages: DeadLetterStage[],
  counts: { deadLetters: number },
): Pick<OperatorContext, 'deadLetter' | 'attempts'> {
  const policy = node.onError;
  if (policy === 'fail') return { deadLetter: null, attempts: 1 };
  const queue = policy.deadLetter;
  const letter = (record: unknown, error: unknown, attempts: number) => ({
    payload: record,
    error: describeError(error),
    operator: node.uid,
    attempts,
    time: Date.now(),
  });
  const attempts = policy.attempts ?? DEFAULT_ATTEMPTS;
  if (ctx.checkpointing !== null && queue.writeBatch !== undefined) {
    const stage = new DeadLetterStage(
      node.uid,
      { jobName: ctx.jobName, subtaskIndex },
      queue as DeadLetterQueue & Required<Pick<DeadLetterQueue, 'writeBatch'>>,
      ctx.restored?.lists(node.uid, subtaskIndex),
      logger.child({ operator: node.uid }),
    );
    stages.push(stage);
    return {
      attempts,
      deadLetter: (record, error, n) => {
        counts.deadLetters++;
        stage.send(letter(record, error, n));
      },
    };
  }
  return {
    attempts,
    deadLetter: (record, error, n) => {
      counts.deadLetters++;
      queue.send(letter(record, error, n));
    },
  };
}

/** A sink writer's backpressure, when it has any: the task waits on it as on a full channel. */
function writerBackpressure(writer: SinkWriter<unknown>): Backpressure | undefined {
  if (writer.whenWritable === undefined) return undefined;
  return {
    get isFull() {
      return writer.isFull === true;
    },
    whenWritable: () => writer.whenWritable!(),
  };
}

function identity(node: StreamNode, subtaskIndex: number): OperatorIdentity {
  return { operatorName: node.name, operatorUid: node.uid, subtaskIndex, parallelism: node.parallelism };
}

/** The output of an edge that leaves the task; with `time`, batches carry each record's event time. */
function channelOutput(edge: JobEdge, writers: ChannelWriter[], batchSize: number, subtaskIndex: number, time: RecordTime | null): CountingOutput<unknown> {
  const p = edge.partitioner;
  switch (p.kind) {
    case 'forward':
      return new ForwardOutput(writers[0], batchSize, time);
    case 'rebalance':
      return new RebalanceOutput(writers, batchSize, subtaskIndex, time);
    case 'broadcast':
      return new BroadcastOutput(writers, batchSize, time);
    case 'hash':
      // The key selector runs here, in the producing subtask: a failure names the operator whose output is keyed.
      return new KeyGroupOutput(writers, batchSize, p.keySelector, edge.edge.target.maxParallelism, identity(edge.edge.source, subtaskIndex), time);
  }
}
