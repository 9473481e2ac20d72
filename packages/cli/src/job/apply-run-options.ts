import type { CheckpointingOptions, StreamEnvironment } from '@weir/core';
import { UsageError } from '../errors.ts';

/** What `weir run` may set on a job, each overriding what the job file set. */
export interface RunOverrides {
  readonly parallelism?: number;
  readonly checkpointDir?: string;
  readonly checkpointInterval?: number;
  readonly fromSavepoint?: string;
  readonly allowNonRestoredState?: boolean;
  readonly fresh?: boolean;
}

/** Checkpoint interval when the command line turns checkpointing on and nobody chose one. */
export const DEFAULT_CHECKPOINT_INTERVAL = 1000;

/** How the job will checkpoint once the overrides are applied; `undefined` when it will not. */
export interface EffectiveCheckpointing {
  readonly interval: number;
  readonly options: CheckpointingOptions;
}

/**
 * Applies the command line to an environment the job file has already defined: the command line
 * wins. `--checkpoint-dir` or `--checkpoint-interval` turn checkpointing on when the job did not
 * (interval 1000 ms unless given); the restore options need checkpointing, and `--fresh` cannot
 * be combined with `--from-savepoint`.
 *
 * @throws UsageError for options that conflict or need checkpointing the job does not have
 */
export function applyRunOverrides(env: StreamEnvironment, o: RunOverrides): EffectiveCheckpointing | undefined {
  if (o.fresh === true && o.fromSavepoint !== undefined) {
    throw new UsageError('--fresh and --from-savepoint conflict: --fresh starts from nothing, --from-savepoint from a savepoint');
  }
  if (o.parallelism !== undefined) env.setParallelism(o.parallelism);
  const job = env.getCheckpointing();
  const turnsOn = o.checkpointDir !== undefined || o.checkpointInterval !== undefined;
  if (job === undefined && !turnsOn) {
    const needy = [
      o.fromSavepoint !== undefined && '--from-savepoint',
      o.fresh === true && '--fresh',
      o.allowNonRestoredState === true && '--allow-non-restored-state',
    ].filter((x): x is string => x !== false);
    if (needy.length > 0) {
      throw new UsageError(`${needy.join(' and ')} need${needy.length === 1 ? 's' : ''} checkpointing, which the job does not enable: add --checkpoint-dir DIR`);
    }
    return undefined;
  }
  const base = job?.options ?? {};
  const options: CheckpointingOptions = {
    ...base,
    storage: o.checkpointDir ?? base.storage,
    fromCheckpoint: o.fromSavepoint ?? base.fromCheckpoint,
    allowNonRestoredState: o.allowNonRestoredState === true ? true : base.allowNonRestoredState,
    fresh: o.fresh === true ? true : base.fresh,
  };
  if (options.fresh === true && options.fromCheckpoint !== undefined) {
    throw new UsageError(`--fresh conflicts with the job's own fromCheckpoint (${options.fromCheckpoint})`);
  }
  const interval = o.checkpointInterval ?? job?.interval ?? DEFAULT_CHECKPOINT_INTERVAL;
  env.enableCheckpointing(interval, options);
  return { interval, options };
}

/** The directory checkpoints of the job go below, when they go to the file system. */
export function checkpointRoot(cp: EffectiveCheckpointing | undefined): string | undefined {
  if (cp === undefined) return undefined;
  const storage = cp.options.storage;
  if (storage === undefined) return './checkpoints';
  return typeof storage === 'string' ? storage : undefined;
}
