/**
 * Where a kill lands, decided before the crashed run starts (pure: the seed and the reference run's
 * timing decide it):
 *
 * - `start`: a delay after the process is spawned, within the reference run's start-up (loading the
 *   job file, restoring a checkpoint, deleting an incomplete one);
 * - `running`: a delay after the tasks started running (`tasks running`), while records flow;
 * - `checkpoint`: a few milliseconds after the n-th checkpoint of the attempt was triggered, while
 *   snapshots, staged output and metadata are being written.
 */
export type KillPoint =
  | { readonly kind: 'start'; readonly delayMs: number }
  | { readonly kind: 'running'; readonly delayMs: number }
  | { readonly kind: 'checkpoint'; readonly checkpoint: number; readonly delayMs: number };

/** How the uninterrupted reference run went, as far as kill planning needs it. */
export interface ReferenceTiming {
  /** From spawn to the first `tasks running` log line (worker threads started, state restored). */
  readonly startupMs: number;
  /** From `tasks running` to exit. */
  readonly activeMs: number;
  /** Checkpoints triggered during the run. */
  readonly checkpointsTriggered: number;
}

/** The share of kills of each kind: most while records flow, many at checkpoints, some at start-up. */
const WEIGHTS = { start: 0.2, running: 0.5 } as const;

/** The longest wait after a checkpoint was triggered: snapshots and commits of small jobs take about this long. */
const AFTER_TRIGGER_MS = 30;

/**
 * Plans one of `kills` kills. Running kills wait up to twice the reference's active time divided by
 * `kills + 1`, so that the attempts together make about the progress of one run and the job seldom
 * finishes before the last kill; checkpoint kills wait for one of the first checkpoints an attempt
 * takes, on the same scale.
 */
export function planKill(random: () => number, reference: ReferenceTiming, kills: number): KillPoint {
  const kind = random();
  const share = 2 / (kills + 1);
  if (kind < WEIGHTS.start) return { kind: 'start', delayMs: Math.floor(random() * reference.startupMs) };
  if (kind < WEIGHTS.start + WEIGHTS.running) return { kind: 'running', delayMs: Math.floor(random() * reference.activeMs * Math.min(1, share)) };
  const checkpoints = Math.max(1, Math.round(reference.checkpointsTriggered * Math.min(1, share)));
  return { kind: 'checkpoint', checkpoint: 1 + Math.floor(random() * checkpoints), delayMs: Math.floor(random() * AFTER_TRIGGER_MS) };
}

/** `running +840 ms`, `checkpoint 3 +12 ms`, `start +410 ms`. */
export function describeKill(point: KillPoint): string {
  return point.kind === 'checkpoint' ? `checkpoint ${point.checkpoint} +${point.delayMs} ms` : `${point.kind} +${point.delayMs} ms`;
}
