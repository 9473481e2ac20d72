/**
 * Child-process entry for the micro, checkpoint and redis experiments: each runs in a process of
 * its own (no shared heap or JIT state with the others), prints its report on stdout, draws its
 * progress on stderr, and hands its rows to the parent.
 */
import { runCheckpointOverhead } from './checkpoint-overhead.ts';
import { runEventTime } from './event-time.ts';
import { runAsChild } from './lib/child.ts';
import { StderrProgress } from './lib/progress.ts';
import type { CaseResult } from './lib/results.ts';
import { runMicro } from './micro.ts';
import { runRedisPipeline } from './redis-pipeline.ts';

export interface ExperimentInput {
  readonly experiment: 'micro' | 'checkpoint' | 'redis' | 'event-time';
  readonly rounds: number;
  /** micro: records per round. */
  readonly records: number;
  /** checkpoint: the measured window per run. */
  readonly windowMs: number;
  readonly redisRecords: number;
  readonly bullmqJobs: number;
}

async function run(input: ExperimentInput): Promise<CaseResult[]> {
  const progress = new StderrProgress();
  const rows =
    input.experiment === 'micro'
      ? await runMicro(input.records, input.rounds, progress)
      : input.experiment === 'event-time'
        ? await runEventTime(Math.min(input.records, 3_000_000), input.rounds, progress)
        : input.experiment === 'checkpoint'
        ? await runCheckpointOverhead(input.rounds, input.windowMs, progress)
        : await runRedisPipeline(input.redisRecords, input.bullmqJobs, progress);
  // Peak RSS of the experiment's process: every row of it shares the figure.
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  return rows.map((r) => ({ ...r, peakRssMb }));
}

runAsChild<ExperimentInput, CaseResult[]>((input) => run(input));
