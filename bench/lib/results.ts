/**
 * What a bench run produces: one {@link CaseResult} per case, the table printed at the end, and
 * the files under bench/results/ (`<date>.json` with every figure, `<date>.md` with the table).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineInfo } from './machine.ts';

/** Checkpoint figures of a checkpointed case (median round). */
export interface CheckpointFigures {
  /** Completed while the case's input was being read (the final checkpoint of a bounded job excluded). */
  readonly completed: number;
  readonly failed: number;
  /** Trigger to completion, ms. */
  readonly medianDurationMs: number | null;
  readonly maxDurationMs: number | null;
  readonly medianStateBytes: number | null;
  /** Records/s with checkpoints over records/s without, paired within each round (median). */
  readonly overheadRatio: number | null;
}

/** One row of the table. */
export interface CaseResult {
  readonly experiment: string;
  /** The row's label, e.g. `q1 weir p=1 ckpt 1 s`. */
  readonly case: string;
  /** The query (`'q1'`) or the experiment's pipeline (`'micro'`). */
  readonly query: string;
  /** `'loop'` for a hand-written baseline, `'weir'` for a job, or the experiment's own word. */
  readonly variant: string;
  /** Records (for Nexmark: events generated) per round; `null` for time-window measurements. */
  readonly events: number | null;
  readonly rounds: number;
  readonly parallelism: number | null;
  readonly checkpointIntervalMs: number | null;
  /** Median over the rounds. */
  readonly recordsPerSecond: number;
  readonly recordsPerSecondRounds: readonly number[];
  /** Records per second of process CPU time (all threads): per core, as the Flink suite reports it. */
  readonly perCore: number | null;
  /** Median of the ratios to the baseline case measured in the same round; 1 for the baseline itself. */
  readonly baselineRatio: number | null;
  /**
   * The same ratio on CPU time (per core over per core): the time other processes run instead of
   * this one on a shared machine does not move it (their contention for caches and cores does).
   */
  readonly perCoreBaselineRatio: number | null;
  readonly baseline: string | null;
  readonly checkpoints: CheckpointFigures | null;
  /** Records the sink received (checked equal across the cases of a query). */
  readonly outputRecords: number | null;
  /** Peak resident set of the process that ran the case (its warm-up included), MB. */
  readonly peakRssMb: number | null;
  /** Flink 2.x records/s per core for this query, when published (issue 15). */
  readonly flinkPerCore: number | null;
  /** Anything else the experiment measured. */
  readonly extra?: Readonly<Record<string, unknown>>;
  /** One line on what the columns do not show (a recovery time, say): listed under the Markdown table. */
  readonly note?: string;
}

export interface BenchResults {
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The arguments `npm run bench` got. */
  readonly args: readonly string[];
  readonly machine: MachineInfo;
  readonly cases: readonly CaseResult[];
}

const COLUMNS = ['case', 'events', 'records/s', 'per core', 'ratio', 'cpu ratio', 'ckpts', 'ckpt p50', 'peak RSS'] as const;

/** The table printed at the end of a run: one row per case. */
export function formatTable(cases: readonly CaseResult[]): string {
  const rows = cases.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The same table in Markdown, with the machine and a note on how to read it. */
export function toMarkdown(results: BenchResults): string {
  const m = results.machine;
  const rows = results.cases.map(cells);
  const flink = results.cases.filter((c) => c.flinkPerCore !== null && c.variant === 'weir' && c.perCore !== null);
  const notes = results.cases.filter((c) => c.note !== undefined);
  return [
    `# Weir bench, ${results.startedAt}`,
    '',
    `\`npm run bench${results.args.length > 0 ? ` -- ${results.args.join(' ')}` : ''}\` on ${m.cores} × ${m.cpuModel}, Node ${m.node}, ${m.platform}/${m.arch}, load average ${m.loadAverageAtStart.join(' / ')} at the start.`,
    '',
    `| ${COLUMNS.join(' | ')} |`,
    `|${COLUMNS.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
    '',
    'records/s: median over the rounds. Per core: records per second of process CPU time (every thread), as the Flink',
    'Nexmark suite divides throughput by the cores it used. Ratio: to the baseline measured in the same round (for',
    'Nexmark, the hand-written loop over the same events), median of the rounds; cpu ratio: the same on per-core figures,',
    'which do not count the time other processes run instead of this one (their contention for caches and cores still',
    'shows). Nexmark records are events generated.',
    ...(flink.length === 0
      ? []
      : ['', 'Against Flink 2.x per core (issue 15):', '', ...flink.map((c) => `- ${c.case}: ${rate(c.perCore!)} per core, ${(c.perCore! / c.flinkPerCore!).toFixed(2)} × Flink's ${rate(c.flinkPerCore!)}`)]),
    ...(notes.length === 0 ? [] : ['', 'Notes:', '', ...notes.map((c) => `- ${c.case}: ${c.note}`)]),
    '',
  ].join('\n');
}

/** Writes `<dir>/<date>.json` and `.md` (`<date>-2`, … when a run of the same day is there); returns the paths. */
export async function writeResults(dir: string, results: BenchResults): Promise<{ json: string; md: string }> {
  await mkdir(dir, { recursive: true });
  const date = results.startedAt.slice(0, 10);
  let base = date;
  for (let n = 2; existsSync(join(dir, `${base}.json`)); n++) base = `${date}-${n}`;
  const json = join(dir, `${base}.json`);
  const md = join(dir, `${base}.md`);
  await writeFile(json, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(md, toMarkdown(results));
  return { json, md };
}

function cells(c: CaseResult): string[] {
  const ck = c.checkpoints;
  return [
    c.case,
    c.events === null ? '–' : c.events.toLocaleString('en'),
    rate(c.recordsPerSecond),
    c.perCore === null ? '–' : rate(c.perCore),
    c.baselineRatio === null ? '–' : c.baselineRatio.toFixed(2),
    c.perCoreBaselineRatio === null ? '–' : c.perCoreBaselineRatio.toFixed(2),
    ck === null ? '–' : String(ck.completed),
    ck === null || ck.medianDurationMs === null ? '–' : `${Math.round(ck.medianDurationMs)} ms`,
    c.peakRssMb === null ? '–' : `${Math.round(c.peakRssMb)} MB`,
  ];
}

/** `1.23 M/s`, `456 k/s`. */
export function rate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(2)} M/s` : `${Math.round(perSecond / 1e3)} k/s`;
}

/** A row for a {@link Measurement}-style figure of one of the older experiments. */
export function measuredCase(fields: {
  experiment: string;
  case: string;
  query: string;
  variant: string;
  events: number | null;
  rounds: readonly number[];
  perCore?: number | null;
  baselineRatio: number | null;
  perCoreBaselineRatio?: number | null;
  baseline: string | null;
  parallelism?: number | null;
  checkpointIntervalMs?: number | null;
  checkpoints?: CheckpointFigures | null;
  peakRssMb?: number | null;
  outputRecords?: number | null;
  extra?: Record<string, unknown>;
  note?: string;
}): CaseResult {
  const sorted = [...fields.rounds].sort((a, b) => a - b);
  return {
    experiment: fields.experiment,
    case: fields.case,
    query: fields.query,
    variant: fields.variant,
    events: fields.events,
    rounds: fields.rounds.length,
    parallelism: fields.parallelism ?? null,
    checkpointIntervalMs: fields.checkpointIntervalMs ?? null,
    recordsPerSecond: sorted[Math.floor(sorted.length / 2)],
    recordsPerSecondRounds: [...fields.rounds],
    perCore: fields.perCore === undefined || fields.perCore === null || Number.isNaN(fields.perCore) ? null : fields.perCore,
    baselineRatio: fields.baselineRatio,
    perCoreBaselineRatio: fields.perCoreBaselineRatio ?? null,
    baseline: fields.baseline,
    checkpoints: fields.checkpoints ?? null,
    outputRecords: fields.outputRecords ?? null,
    peakRssMb: fields.peakRssMb ?? null,
    flinkPerCore: null,
    ...(fields.extra === undefined ? {} : { extra: fields.extra }),
    ...(fields.note === undefined ? {} : { note: fields.note }),
  };
}
