/**
 * The command line of `npm run bench`:
 *
 *   npm run bench                                   every experiment (micro, checkpoint, redis, nexmark, event-time, threads)
 *   npm run bench -- micro checkpoint               some of them
 *   npm run bench -- nexmark --query q1 --events 1000000 --parallelism 1 --checkpoint-interval 1000
 *   npm run bench -- nexmark --all --quick          every written query, small input, one round
 *
 * The older environment variables still work: BENCH_ONLY=micro|checkpoint|redis, BENCH_RECORDS,
 * BENCH_ROUNDS, BENCH_REDIS_RECORDS, BENCH_BULLMQ_JOBS (flags win over them).
 */
import { parseArgs } from 'node:util';

export const EXPERIMENTS = ['micro', 'checkpoint', 'redis', 'nexmark', 'event-time', 'threads', 'recovery'] as const;
export type ExperimentName = (typeof EXPERIMENTS)[number];

export interface BenchArgs {
  readonly experiments: readonly ExperimentName[];
  readonly quick: boolean;
  /** Rounds per case; undefined: each experiment's default (5 for micro and checkpoint, 3 for Nexmark, 1 if quick). */
  readonly rounds: number | undefined;
  /** Nexmark queries; undefined: all written ones. */
  readonly queries: readonly string[] | undefined;
  readonly events: number | undefined;
  readonly parallelism: number;
  readonly checkpointIntervalMs: number;
  readonly warmupEvents: number | undefined;
  readonly eventsPerSecond: number | undefined;
  readonly cpuProf: boolean;
  readonly save: boolean;
  readonly help: boolean;
}

export const USAGE = `usage: npm run bench [-- [experiment ...] [options]]

experiments: ${EXPERIMENTS.join(', ')} (default: all)

options:
  --quick                    small inputs and one round: the whole suite in a few minutes
  --rounds N                 rounds per case (default 5 for micro and checkpoint, 3 for nexmark)
nexmark:
  --query q1 | --query q0,q2 queries to run (repeatable); --all for every written query (the default)
  --events N                 events per case (default 5,000,000; 2,000,000 with --quick)
  --parallelism P            source and operator parallelism of the Weir job (default 1)
  --checkpoint-interval MS   checkpoint the second Weir case every MS ms (default 1000; 0: only off)
  --warmup N                 events of the warm-up run in each case's process (default min(events, 300,000))
  --events-per-second R      event-time rate of the generator (default 10,000,000, the Flink suite's)
  --cpu-prof                 write a CPU profile of each case to bench/results/profiles/<date>/
  --no-save                  do not write bench/results/<date>.{json,md}
`;

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchArgs {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      query: { type: 'string', multiple: true },
      all: { type: 'boolean', default: false },
      events: { type: 'string' },
      parallelism: { type: 'string' },
      'checkpoint-interval': { type: 'string' },
      warmup: { type: 'string' },
      'events-per-second': { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  for (const p of positionals) {
    if (!(EXPERIMENTS as readonly string[]).includes(p)) throw new Error(`unknown experiment '${p}'; experiments: ${EXPERIMENTS.join(', ')}`);
  }
  const only = env.BENCH_ONLY;
  if (only !== undefined && only !== '' && !(EXPERIMENTS as readonly string[]).includes(only)) throw new Error(`BENCH_ONLY=${only}: not an experiment`);
  const experiments = (positionals.length > 0 ? positionals : only ? [only] : EXPERIMENTS) as ExperimentName[];
  const queries = values.all ? undefined : values.query?.flatMap((q) => q.split(',')).map((q) => q.trim()).filter((q) => q !== '');
  return {
    experiments: [...new Set(experiments)],
    quick: values.quick,
    rounds: integer('rounds', values.rounds ?? env.BENCH_ROUNDS, 1),
    queries: queries === undefined || queries.length === 0 ? undefined : queries,
    events: integer('events', values.events, 1),
    parallelism: integer('parallelism', values.parallelism, 1) ?? 1,
    checkpointIntervalMs: integer('checkpoint-interval', values['checkpoint-interval'], 0) ?? 1000,
    warmupEvents: integer('warmup', values.warmup, 0),
    eventsPerSecond: integer('events-per-second', values['events-per-second'], 1),
    cpuProf: values['cpu-prof'],
    save: !values['no-save'],
    help: values.help,
  };
}

/** `1000000`, `1_000_000`, `1e6` and `1M` are all a million. */
function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined || text === '') return undefined;
  const m = /^([\d_.eE+]+)([kKmM]?)$/.exec(text.trim());
  const n = m === null ? NaN : Number(m[1].replaceAll('_', '')) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got '${text}'`);
  return n;
}
