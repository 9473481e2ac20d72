/**
 * @weir/core: the DataStream API, the graph, the runtime, checkpointing and state. No Redis here:
 * connectors to external systems live in their own packages and implement `Source` and `Sink`.
 */
export * from './api/index.ts';
export * from './connector/index.ts';
export * from './state/index.ts';
export { JobManager, type JobClient, type JobSpec } from './jobmanager/job-manager.ts';
export { JobExecutionError, type JobExecutionResult } from './jobmanager/job-result.ts';
export { OperatorError } from './runtime/errors.ts';
export { GraphError } from './graph/graph-error.ts';
export { ConfigError } from './util/config-error.ts';
export { createLogger, type Logger } from './util/logger.ts';
export * from './jobmanager/restart/index.ts';
export type { CheckpointingOptions } from './api/stream-environment.ts';
export type { CheckpointConfig } from './checkpoint/checkpoint-config.ts';
export type { CheckpointStorage, CheckpointLocation, CheckpointListing } from './checkpoint/storage/checkpoint-storage.ts';
export { CorruptStateError } from './checkpoint/storage/checkpoint-storage.ts';
export { FsCheckpointStorage } from './checkpoint/storage/fs-checkpoint-storage.ts';
export type { CheckpointStatsSnapshot } from './checkpoint/stats.ts';
export { RestoreError } from './checkpoint/restore/restored-job-state.ts';
