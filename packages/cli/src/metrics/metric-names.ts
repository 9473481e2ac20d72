/**
 * Every metric `weir run` serves on `GET /metrics`, in one place (Flink's `MetricNames`): name,
 * type, help and labels. Names follow Prometheus' conventions: the `weir_` prefix, base units
 * (`_seconds`, `_bytes`, `_ratio`), `_total` on counters.
 *
 * Labels: `job_name` on every metric; `task` is a task's id (`v0`, `v1`, … a chain of operators,
 * what `weir status` lists), `task_name` its operators joined by ` -> `, `subtask` the 0-based
 * subtask index, `thread` 0 for the main thread and 1.. for worker threads.
 *
 * Counters of records and time start again with each attempt (a restart), as a process restart
 * would: Prometheus' `rate()` and `increase()` take such resets in their stride.
 *
 * The process metrics (`process_cpu_seconds_total`, `process_resident_memory_bytes`,
 * `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`, …) are prom-client's defaults,
 * under their usual names so that stock Node.js dashboards work.
 */
export const METRICS = {
  // The job.
  jobState: gauge('weir_job_state', '1 for the state the job is in, 0 for the others', ['state']),
  jobStartTime: gauge('weir_job_start_time_seconds', 'When the job was submitted in this process, Unix time'),
  jobRestarts: counter('weir_job_restarts_total', 'Restarts of the job from its latest checkpoint, in this process'),
  jobFailures: counter(
    'weir_job_failures_total',
    'Failed attempts of the job in this process, by the operator (uid) and phase that failed; empty when not an operator',
    ['operator', 'phase'],
  ),

  // Tasks and their subtasks.
  taskParallelism: gauge('weir_task_parallelism', 'Subtasks of the task', ['task', 'task_name']),
  taskRecordsIn: counter('weir_task_records_in_total', 'Records the subtask took from its input channels', subtaskLabels()),
  taskRecordsOut: counter('weir_task_records_out_total', 'Records the subtask sent into its output channels', subtaskLabels()),
  taskBusy: counter('weir_task_busy_seconds_total', 'Time the subtask spent processing (not waiting for input or output)', subtaskLabels()),
  taskBackpressured: counter(
    'weir_task_backpressured_seconds_total',
    'Time the subtask waited for room in a full output channel (its downstream is slower)',
    subtaskLabels(),
  ),
  taskInputFill: gauge('weir_task_input_queue_fill_ratio', "How full the subtask's input channels are (0..1)", subtaskLabels()),
  taskOutputFill: gauge('weir_task_output_queue_fill_ratio', "How full the subtask's output channels are (0..1)", subtaskLabels()),
  taskDeadLetters: counter('weir_task_dead_letters_total', "Records the subtask's operators sent to a dead-letter queue", subtaskLabels()),
  taskLateRecordsDropped: counter(
    'weir_task_late_records_dropped_total',
    "Records the subtask's window and interval-join operators dropped as later than the watermark allowed (not those sent to a late-data side output)",
    subtaskLabels(),
  ),
  sourceLag: gauge('weir_source_lag_records', 'Entries the source subtask has yet to read (behind a stream tail, waiting in a list)', subtaskLabels()),
  sourceProcessing: gauge(
    'weir_source_processing_records',
    'Entries the source subtask has taken but not yet released (a Redis list processing list)',
    subtaskLabels(),
  ),
  sinkCommits: counter('weir_sink_commits_total', 'Commits of the sink subtask (exactly-once sinks commit once per checkpoint)', subtaskLabels()),
  sinkCommitTime: counter('weir_sink_commit_seconds_total', 'Time spent in commits of the sink subtask', subtaskLabels()),
  sinkLastCommit: gauge('weir_sink_last_commit_duration_seconds', 'How long the latest commit of the sink subtask took', subtaskLabels()),

  // Threads.
  threadUtilization: gauge(
    'weir_thread_event_loop_utilization_ratio',
    "Share of time the thread's event loop was busy since the previous reading (0..1)",
    ['thread'],
  ),
  threadBusy: counter('weir_thread_busy_seconds_total', "Time the thread's event loop was busy", ['thread']),

  // Checkpoints.
  checkpoints: counter('weir_checkpoints_total', 'Checkpoints and savepoints that ended in this process, by status', ['status']),
  checkpointsInProgress: gauge('weir_checkpoints_in_progress', 'Checkpoints and savepoints in progress'),
  checkpointFailures: counter('weir_checkpoint_failures_total', 'Checkpoints and savepoints that failed in this process, by reason', ['reason']),
  checkpointDuration: histogram(
    'weir_checkpoint_duration_seconds',
    'Trigger to completion of completed checkpoints and savepoints',
    ['kind'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  ),
  checkpointSize: histogram(
    'weir_checkpoint_size_bytes',
    'State size of completed checkpoints and savepoints',
    ['kind'],
    [1024, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864, 268_435_456, 1_073_741_824, 4_294_967_296],
  ),
  checkpointAlignment: histogram(
    'weir_checkpoint_alignment_seconds',
    "First to last barrier at a subtask's inputs, per subtask and completed checkpoint",
    ['task', 'task_name'],
    subtaskBuckets(),
  ),
  checkpointSync: histogram(
    'weir_checkpoint_sync_seconds',
    'Synchronous part of the snapshot (on the record path), per subtask and completed checkpoint',
    ['task', 'task_name'],
    subtaskBuckets(),
  ),
  checkpointAsync: histogram(
    'weir_checkpoint_async_seconds',
    'Asynchronous part of the snapshot (encoding, writing), per subtask and completed checkpoint',
    ['task', 'task_name'],
    subtaskBuckets(),
  ),
  checkpointAckDelay: histogram(
    'weir_checkpoint_ack_delay_seconds',
    "Trigger to a subtask's acknowledgement, per subtask and completed checkpoint",
    ['task', 'task_name'],
    subtaskBuckets(),
  ),
  lastCheckpointId: gauge('weir_checkpoint_last_completed_id', 'Id of the latest completed checkpoint (of any run of the job)'),
  lastCheckpointTime: gauge('weir_checkpoint_last_completed_time_seconds', 'When the latest completed checkpoint completed, Unix time'),
  lastCheckpointDuration: gauge('weir_checkpoint_last_duration_seconds', 'Trigger to completion of the latest completed checkpoint'),
  lastCheckpointSize: gauge('weir_checkpoint_last_size_bytes', 'State size of the latest completed checkpoint'),
  lastCheckpointAckDelay: gauge(
    'weir_checkpoint_last_ack_delay_seconds',
    "Trigger to each subtask's acknowledgement in the latest completed checkpoint (the largest held it up)",
    subtaskLabels(),
  ),
  lastCheckpointAlignment: gauge('weir_checkpoint_last_alignment_seconds', "Each subtask's alignment in the latest completed checkpoint", subtaskLabels()),
} as const satisfies Record<string, MetricDefinition>;

/** One metric: its name, type, help text, labels (`job_name` first, always) and histogram buckets. */
export interface MetricDefinition {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

export type MetricKey = keyof typeof METRICS;

function subtaskLabels(): string[] {
  return ['task', 'task_name', 'subtask'];
}

function subtaskBuckets(): number[] {
  return [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
}

function counter(name: string, help: string, labels: readonly string[] = []): MetricDefinition {
  return { name, type: 'counter', help, labels: ['job_name', ...labels] };
}

function gauge(name: string, help: string, labels: readonly string[] = []): MetricDefinition {
  return { name, type: 'gauge', help, labels: ['job_name', ...labels] };
}

function histogram(name: string, help: string, labels: readonly string[], buckets: readonly number[]): MetricDefinition {
  return { name, type: 'histogram', help, labels: ['job_name', ...labels], buckets };
}
