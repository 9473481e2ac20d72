/**
 * `npm run bench`: every experiment, each against a baseline measured in the same run, each in
 * processes of its own. Prints each experiment's report as it goes, a progress bar on stderr while
 * a case runs, then one table of every case on stdout; writes bench/results/<date>.{json,md}.
 * See lib/args.ts for the command line.
 */
import { fileURLToPath } from 'node:url';
import type { ExperimentInput } from './experiment-main.ts';
import { parseBenchArgs, USAGE, type BenchArgs, type ExperimentName } from './lib/args.ts';
import { runInChild } from './lib/child.ts';
import { machineInfo } from './lib/machine.ts';
import { StderrProgress } from './lib/progress.ts';
import { formatTable, writeResults, type CaseResult } from './lib/results.ts';
import { runNexmark, SUITE_EVENTS_PER_SECOND } from './nexmark/experiment.ts';
import { QUERIES } from './nexmark/queries/index.ts';
import { recoveryKeys, runRecovery } from './recovery/experiment.ts';
import { runThreads } from './threads/experiment.ts';

const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));
const EXPERIMENT_MAIN = fileURLToPath(new URL('./experiment-main.ts', import.meta.url));

async function runExperiment(name: ExperimentName, args: BenchArgs, startedAt: string): Promise<CaseResult[]> {
  if (name === 'nexmark') {
    const events = args.events ?? (args.quick ? 2_000_000 : 5_000_000);
    return runNexmark(
      {
        queries: args.queries ?? QUERIES.map((q) => q.name),
        events,
        parallelism: args.parallelism,
        checkpointIntervalMs: args.checkpointIntervalMs,
        rounds: args.rounds ?? (args.quick ? 1 : 3),
        warmupEvents: args.warmupEvents ?? Math.min(events, 300_000),
        generator: { eventsPerSecond: args.eventsPerSecond ?? SUITE_EVENTS_PER_SECOND },
        ...(args.cpuProf ? { cpuProfileDir: `${RESULTS_DIR}profiles/${startedAt.replaceAll(':', '-')}` } : {}),
      },
      new StderrProgress(),
    );
  }
  const env = process.env;
  if (name === 'threads') {
    // Each case is a job process of its own already (its worker threads load the job file again).
    return runThreads(Number(env.BENCH_RECORDS ?? (args.quick ? 1_000_000 : 3_000_000)), args.rounds ?? (args.quick ? 1 : 3), new StderrProgress());
  }
  if (name === 'recovery') {
    // Each start of the job is a process of its own: build, SIGKILL, restore; BENCH_RECOVERY_KEYS=10k,1M sets the sizes.
    const keys = recoveryKeys(env.BENCH_RECOVERY_KEYS, args.quick);
    return runRecovery({ keys, rounds: args.rounds ?? (args.quick ? 1 : 3), coreFromSource: env.BENCH_RECOVERY_CORE === 'src' }, new StderrProgress());
  }
  const input: ExperimentInput = {
    experiment: name,
    rounds: args.rounds ?? (args.quick ? 1 : 5),
    records: Number(env.BENCH_RECORDS ?? (args.quick ? 1_000_000 : 5_000_000)),
    windowMs: args.quick ? 3000 : 6000,
    redisRecords: Number(env.BENCH_REDIS_RECORDS ?? (args.quick ? 50_000 : 300_000)),
    bullmqJobs: Number(env.BENCH_BULLMQ_JOBS ?? (args.quick ? 5_000 : 20_000)),
  };
  return runInChild<CaseResult[]>(EXPERIMENT_MAIN, input);
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const startedAt = new Date().toISOString();
  const machine = machineInfo();
  console.log(
    `weir bench: ${args.experiments.join(', ')} on ${machine.cores} × ${machine.cpuModel}, node ${machine.node}, load average ${machine.loadAverageAtStart.join(' / ')}`,
  );
  const cases: CaseResult[] = [];
  for (const name of args.experiments) cases.push(...(await runExperiment(name, args, startedAt)));
  console.log(`\n${formatTable(cases)}`);
  if (args.save) {
    const files = await writeResults(RESULTS_DIR, { startedAt, finishedAt: new Date().toISOString(), args: process.argv.slice(2), machine, cases });
    console.log(`\nresults: ${files.json}\n         ${files.md}`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
