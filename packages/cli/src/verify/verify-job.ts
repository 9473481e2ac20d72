import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { CliError } from '../errors.ts';
import { compareOutput, type OutputComparison, type OutputRecord } from './compare-output.ts';
import { readPartFiles } from './file-output.ts';
import { describeKill, planKill, type KillPoint, type ReferenceTiming } from './kill-plan.ts';
import { seededRandom } from './seeded-random.ts';
import { StreamOutput, type StreamOutputSpec } from './stream-output.ts';
import { WeirRunProcess, type ChildExit } from './weir-run-process.ts';

/** Where the job's committed output is read from. */
export type OutputSpec = { readonly kind: 'files'; readonly dir?: string } | { readonly kind: 'stream'; readonly spec: StreamOutputSpec };

/** What `weir verify` was asked to do. */
export interface VerifySettings {
  /** The job file, absolute. */
  readonly file: string;
  readonly jobName: string;
  readonly kills: number;
  readonly seed: number;
  readonly output: OutputSpec;
  readonly parallelism?: number;
  readonly checkpointInterval?: number;
  /** Holds `reference/` and `killed/`, the runs' directories. */
  readonly workDir: string;
  /** Longest a run may take. */
  readonly timeoutMs: number;
  /** Keep the stream entries the runs added (the work directory is the caller's business). */
  readonly keep: boolean;
  /** Progress lines, as the runs go. */
  readonly say: (line: string) => void;
}

/** One kill of the killed run. */
export interface KillRecord {
  readonly point: KillPoint;
  readonly description: string;
  /** Whether the attempt it killed had restored a checkpoint when it started. */
  readonly restored: boolean;
  /** Checkpoints the killed attempt had completed. */
  readonly checkpointsCompleted: number;
}

/** What `weir verify` found. */
export interface VerifyReport {
  readonly seed: number;
  readonly killsRequested: number;
  readonly kills: readonly KillRecord[];
  /** The job finished before the last kill could land. */
  readonly finishedEarly: boolean;
  /** Starts of the killed run (after the first) that restored a checkpoint. */
  readonly restoredStarts: number;
  readonly reference: ReferenceTiming & { readonly durationMs: number; readonly checkpointsCompleted: number };
  /** What was compared, in words. */
  readonly output: string;
  readonly comparison: OutputComparison;
  readonly workDir: string;
}

/**
 * Runs the job uninterrupted (the reference), then again with `kills` SIGKILLs at seeded random
 * moments, each followed by the same `weir run` command, and a last run to the end; compares what
 * the two committed.
 */
export async function verifyJob(s: VerifySettings): Promise<VerifyReport> {
  const tag = randomBytes(3).toString('hex');
  const names = { reference: `${s.jobName}-verify-${tag}-reference`, killed: `${s.jobName}-verify-${tag}-killed` };
  const dirs = { reference: join(s.workDir, 'reference'), killed: join(s.workDir, 'killed') };
  await mkdir(dirs.reference, { recursive: true });
  await mkdir(dirs.killed, { recursive: true });
  const stream = s.output.kind === 'stream' ? await StreamOutput.open(s.output.spec) : undefined;
  const streamIds: string[] = [];
  try {
    const before = stream === undefined ? undefined : await stream.mark();
    s.say(`uninterrupted run in ${dirs.reference}`);
    const ref = await referenceRun(s, names.reference, dirs.reference);
    let expected: OutputRecord[];
    let afterReference: string | undefined;
    if (stream !== undefined) {
      afterReference = await stream.mark();
      const got = await stream.readAfter(before!, afterReference);
      streamIds.push(...got.ids);
      expected = got.records;
    } else {
      expected = await readFiles(s.output.kind === 'files' ? s.output.dir : undefined, dirs.reference);
    }
    if (expected.length === 0) throw new CliError(`the uninterrupted run committed no output to compare: ${noOutputHint(s.output)}`, 1);

    s.say(`killed run in ${dirs.killed}: ${s.kills} kill${s.kills === 1 ? '' : 's'}, seed ${s.seed}`);
    const killed = await killedRun(s, names.killed, dirs.killed, ref);
    let actual: OutputRecord[];
    if (stream !== undefined) {
      const got = await stream.readAfter(afterReference!);
      streamIds.push(...got.ids);
      actual = got.records;
    } else {
      actual = await readFiles(s.output.kind === 'files' ? s.output.dir : undefined, dirs.killed);
    }
    return {
      seed: s.seed,
      killsRequested: s.kills,
      kills: killed.kills,
      finishedEarly: killed.finishedEarly,
      restoredStarts: killed.restoredStarts,
      reference: ref,
      output: describeOutput(s.output),
      comparison: compareOutput(expected, actual),
      workDir: s.workDir,
    };
  } finally {
    if (stream !== undefined) {
      if (!s.keep) await stream.cleanUp(streamIds, [names.reference, names.killed]).catch(() => undefined);
      await stream.close();
    }
  }
}

function runArgs(s: VerifySettings, jobName: string, dir: string): string[] {
  const args = [s.file, '--checkpoint-dir', join(dir, 'checkpoints'), '--job-name', jobName];
  if (s.parallelism !== undefined) args.push('--parallelism', String(s.parallelism));
  if (s.checkpointInterval !== undefined) args.push('--checkpoint-interval', String(s.checkpointInterval));
  return args;
}

function runEnv(s: VerifySettings, run: 'reference' | 'killed', dir: string): Record<string, string> {
  const env: Record<string, string> = { WEIR_VERIFY: run, WEIR_VERIFY_DIR: dir };
  // The runs work in their own directory: let tsx find the job's tsconfig (paths, …) as it would from the project.
  const tsconfig = process.env.TSX_TSCONFIG_PATH ?? nearestTsconfig(dirname(s.file));
  if (tsconfig !== undefined) env.TSX_TSCONFIG_PATH = tsconfig;
  return env;
}

function nearestTsconfig(from: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Active child runs, killed if `weir verify` itself is interrupted. */
export const activeRuns = new Set<WeirRunProcess>();

function start(s: VerifySettings, run: 'reference' | 'killed', jobName: string, dir: string): WeirRunProcess {
  const p = new WeirRunProcess(runArgs(s, jobName, dir), { cwd: dir, env: runEnv(s, run, dir) });
  activeRuns.add(p);
  void p.exited.then(() => activeRuns.delete(p));
  return p;
}

async function referenceRun(s: VerifySettings, jobName: string, dir: string): Promise<VerifyReport['reference']> {
  const p = start(s, 'reference', jobName, dir);
  let startedAt: number | undefined;
  void p.when('started').then((t) => (startedAt = t));
  const exit = await finish(p, s.timeoutMs, 'the uninterrupted run');
  const endedAt = Date.now();
  if (exit.code !== 0) throw new CliError(`the uninterrupted run failed (${exitText(exit)}); it must pass before kills can tell anything:\n${p.tail()}`, 1);
  const started = startedAt ?? p.spawnedAt;
  return {
    startupMs: started - p.spawnedAt,
    activeMs: endedAt - started,
    durationMs: endedAt - p.spawnedAt,
    checkpointsTriggered: p.count('triggered'),
    checkpointsCompleted: p.count('completed'),
  };
}

async function killedRun(
  s: VerifySettings,
  jobName: string,
  dir: string,
  reference: ReferenceTiming,
): Promise<{ kills: KillRecord[]; finishedEarly: boolean; restoredStarts: number }> {
  const random = seededRandom(s.seed);
  const kills: KillRecord[] = [];
  let restoredStarts = 0;
  while (kills.length < s.kills) {
    const point = planKill(random, reference, s.kills);
    const p = start(s, 'killed', jobName, dir);
    const moment = killMoment(p, point);
    const outcome = await Promise.race([moment.then(() => 'kill' as const), p.exited.then(() => 'exited' as const), sleep(s.timeoutMs).then(() => 'timeout' as const)]);
    if (outcome === 'kill' || outcome === 'timeout') p.kill();
    const exit = await p.exited;
    if (kills.length > 0 && p.count('restored') > 0) restoredStarts++;
    if (outcome === 'timeout') throw new CliError(`killed run: attempt ${kills.length + 1} did not reach its kill point (${describeKill(point)}) within ${s.timeoutMs / 1000} s`, 1);
    if (exit.signal === 'SIGKILL') {
      const record = { point, description: describeKill(point), restored: p.count('restored') > 0, checkpointsCompleted: p.count('completed') };
      kills.push(record);
      s.say(`kill ${kills.length}/${s.kills}: ${record.description}, ${completedText(record.checkpointsCompleted)}`);
      continue;
    }
    if (exit.code === 0) {
      s.say(`the job finished before kill ${kills.length + 1} (${describeKill(point)}) could land`);
      return { kills, finishedEarly: true, restoredStarts };
    }
    throw new CliError(`killed run: attempt ${kills.length + 1} failed (${exitText(exit)}):\n${p.tail()}`, 1);
  }
  const last = start(s, 'killed', jobName, dir);
  const exit = await finish(last, s.timeoutMs, 'the killed run, after its last kill,');
  if (last.count('restored') > 0) restoredStarts++;
  if (exit.code !== 0) throw new CliError(`the killed run failed after its last kill (${exitText(exit)}):\n${last.tail()}`, 1);
  return { kills, finishedEarly: false, restoredStarts };
}

function killMoment(p: WeirRunProcess, point: KillPoint): Promise<void> {
  switch (point.kind) {
    case 'start':
      return sleep(point.delayMs);
    case 'running':
      return p.when('started').then(() => sleep(point.delayMs));
    case 'checkpoint':
      return p.when('triggered', point.checkpoint).then(() => sleep(point.delayMs));
  }
}

async function finish(p: WeirRunProcess, timeoutMs: number, what: string): Promise<ChildExit> {
  const outcome = await Promise.race([p.exited, sleep(timeoutMs).then(() => 'timeout' as const)]);
  if (outcome !== 'timeout') return outcome;
  p.kill();
  await p.exited;
  throw new CliError(
    `${what} did not finish within ${timeoutMs / 1000} s: weir verify needs a job that ends on its own (bounded sources such as ` +
      `generatorSource({ count }) or fromCollection; a job can check WEIR_VERIFY to read a bounded input), or a longer --timeout`,
    1,
  );
}

async function readFiles(outputDir: string | undefined, runDir: string): Promise<OutputRecord[]> {
  const root = outputDir === undefined ? runDir : resolve(runDir, outputDir);
  const { records } = await readPartFiles(root, [join(runDir, 'checkpoints'), join(runDir, '.weir')]);
  return records;
}

function describeOutput(output: OutputSpec): string {
  if (output.kind === 'stream') return `entries the runs added to the stream ${output.spec.stream}`;
  return output.dir === undefined ? "part files below each run's directory" : `part files below ${output.dir} in each run's directory`;
}

function noOutputHint(output: OutputSpec): string {
  if (output.kind === 'stream') return `it added no entry to the stream ${output.spec.stream} (is it the stream the job writes?)`;
  return (
    `no part-* file below ${output.dir ?? "the run's directory"}. Each run works in its own directory: write with fileSink to a relative ` +
    'directory (or one below WEIR_VERIFY_DIR), or compare a Redis stream with --output-stream'
  );
}

/** `no checkpoint completed`, `3 checkpoints completed`. */
export function completedText(n: number): string {
  return n === 0 ? 'no checkpoint completed' : `${n} checkpoint${n === 1 ? '' : 's'} completed`;
}

function exitText(exit: ChildExit): string {
  return exit.signal !== undefined ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}
