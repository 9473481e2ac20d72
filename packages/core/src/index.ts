/**
 * @weir/core: the DataStream API, the graph, the runtime, checkpointing and state. No Redis here:
 * connectors to external systems live in their own packages and implement `Source` and `Sink`.
 */
export * from './api/index.ts';
export * from './connector/index.ts';
export { describeError, type DeadLetter, type DeadLetterQueue, type ErrorPolicy } from './connector/dead-letter.ts';
export * from './state/index.ts';
export { JobManager, type JobClient, type JobSpec } from './jobmanager/job-manager.ts';
export type { JobState, JobStatus, VertexStatus } from './jobmanager/job-status.ts';
export { JobExecutionError, type JobExecutionResult } from './jobmanager/job-result.ts';
export { OperatorError } from './runtime/errors.ts';
export { GraphError } from './graph/graph-error.ts';
export { ConfigError } from './util/config-error.ts';
export { rejectUnknownOptions, nearestName } from './util/options.ts';
export { makeDirectory } from './util/make-directory.ts';
export { createLogger, type Logger } from './util/logger.ts';
export * from './jobmanager/restart/index.ts';
export type { CheckpointingOptions } from './api/stream-environment.ts';
export type { CheckpointConfig } from './checkpoint/checkpoint-config.ts';
export type { CheckpointStorage, CheckpointLocation, CheckpointListing } from './checkpoint/storage/checkpoint-storage.ts';
export { CorruptStateError } from './checkpoint/storage/checkpoint-storage.ts';
export { LeaseConflictError, LeaseLostError, localLease, type JobLease, type LeaseHolder } from './checkpoint/storage/job-lease.ts';
export { FsCheckpointStorage, checksumOf } from './checkpoint/storage/fs-checkpoint-storage.ts';
export { decodeMetadata } from './checkpoint/storage/metadata-serializer.ts';
export { METADATA_FILE_NAME, checkpointDirName, parseCheckpointDirName, parseSavepointDirName } from './checkpoint/storage/paths.ts';
export type {
  CheckpointMetadata,
  OperatorState,
  OperatorSubtaskState,
  KeyGroupsStateHandle,
  OperatorStateHandle,
  StreamStateHandle,
} from './checkpoint/types.ts';
export { decodeKeyGroup, decodeOperatorLists, type OperatorLists } from './state/snapshot/snapshot-codec.ts';
export type { CheckpointStatsSnapshot } from './checkpoint/stats.ts';
export { RestoreError } from './checkpoint/restore/restored-job-state.ts';
// For CheckpointStorage implementations outside core (@weir/redis): the same metadata format
// and state names as the file system storage.
export { encodeMetadata } from './checkpoint/storage/metadata-serializer.ts';
export { isSafeStateName, isCheckpointId } from './checkpoint/storage/paths.ts';
export { assertStateName, inlineHandle, fileHandle, assertMetadataFits, verifyHandleBytes } from './checkpoint/storage/handle-rules.ts';
// Testing helpers for users' own jobs.
export * from './testing/index.ts';
// Monitoring: the checkpoint history kept beside the checkpoints, and the job's plan.
export type { TaskPlan } from './jobmanager/job-manager.ts';
export type { SubtaskStatus, ThreadStatus } from './jobmanager/job-status.ts';
export type { CheckpointStats, SubtaskStats } from './checkpoint/stats.ts';
export {
  CHECKPOINT_HISTORY_RECORD,
  HISTORY_LIMITS,
  decodeCheckpointHistory,
  type CheckpointHistoryEntry,
  type CheckpointHistoryRecord,
  type CheckpointHistorySnapshot,
  type FailureEntry,
  type RunEntry,
  type TaskInfo,
} from './checkpoint/checkpoint-history.ts';
export { CHECKPOINT_FAILURE_REASONS, failureMessage, type CheckpointFailureReason } from './checkpoint/failure-reason.ts';
