/**
 * The queue operators through crashes: customers' jobs → keyBy.dedupe → keyBy.rateLimit → the
 * exactly-once file sink, killed with SIGKILL at random moments while jobs wait in the limiter,
 * restarted from the latest checkpoint at parallelism 1 or 2 (rescaled on some restarts). The
 * committed output must hold each unique id of a customer once (dedupe's ids and the limiter's
 * waiting lists restored, nothing lost, nothing doubled), each customer's jobs in generated order,
 * and no more than the limit's worth of a customer's jobs close together.
 *
 * Kill points and parallelisms come from a seed the test prints; replay with WEIR_CRASH_SEED.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChildJob, type ChildJob } from '../support/child-job.ts';
import { readCommitted } from '../support/file-sink-output.ts';
import { crashSeed, crashTimeout, killCount, seededRandom } from '../support/seeded-random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { expectedOutput, HOT, jobKey, PER, PER_KEY, type Out } from './jobs/queue-operators-model.ts';

const JOB = fileURLToPath(new URL('./jobs/queue-operators-job.ts', import.meta.url));

const dirs = tempDirs('weir-crash-queue-');
afterAll(() => dirs.cleanup());

/**
 * 12,000 jobs at 4,000/s: each hot customer gets about 667 a second (533 unique), more than the
 * 400 a second its limit lets go, so hot jobs wait in the limiter from the start until about 1.4 s
 * after the last job was generated (the other customers get 148 a second and barely wait). The
 * tail of 16,000 filler records (4 s) keeps the input open until the limiter is empty, with 2.5 s
 * to spare; see queue-operators-model.ts for why it must.
 */
const COUNT = 12_000;
const TAIL = 16_000;

async function environment() {
  const root = await dirs.make();
  return {
    CK_DIR: join(root, 'ck'),
    OUT_DIR: join(root, 'out'),
    COUNT: String(COUNT),
    TAIL: String(TAIL),
    RATE: '4000',
    PARALLELISM: '2',
    INTERVAL: '100',
  };
}

/** The committed jobs of each customer, in the order they left the limiter. */
function byCustomer(output: readonly Out[]): Map<string, Out[]> {
  const customers = new Map<string, Out[]>();
  for (const o of output) {
    let list = customers.get(o.c);
    if (list === undefined) customers.set(o.c, (list = []));
    list.push(o);
  }
  // Runs follow each other; within a run a customer's jobs leave one subtask, on one thread, whose
  // counter `n` orders them (`at` alone has ties: twenty jobs can leave in one millisecond).
  for (const list of customers.values()) list.sort((a, b) => a.run - b.run || a.n - b.n);
  return customers;
}

/**
 * Checks the committed output record by record; `context` goes into every failure message.
 * Returns the jobs by customer, and how close check (3) came to failing (ms).
 */
function checkOutput(output: readonly Out[], context: string): { customers: Map<string, Out[]>; slack: number } {
  // (1) Exactly the unique ids, each once: the first job of each (customer, id), computed from the
  // generator, not from a run.
  const expected = expectedOutput(COUNT);
  const times = new Map<string, number>();
  for (const o of output) times.set(jobKey(o), (times.get(jobKey(o)) ?? 0) + 1);
  const lost = expected.filter((k) => !times.has(k));
  const wanted = new Set(expected);
  const doubled = [...times].filter(([k, n]) => n > 1 || !wanted.has(k)).map(([k, n]) => `${k} ×${n}`);
  const some = (list: string[]) => `${list.length}${list.length === 0 ? '' : ` (${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''})`}`;
  // (Unexpected ones count as doubled: an id passed twice, under the seq of a repeat.)
  expect({ lost: some(lost), doubled: some(doubled) }, `${context}; ${output.length} committed, ${expected.length} expected`).toEqual({ lost: '0', doubled: '0' });
  expect(output.map(jobKey).sort(), context).toEqual(expected);

  const customers = byCustomer(output);
  let slack = Infinity;
  for (const [c, jobs] of customers) {
    for (let i = 1; i < jobs.length; i++) {
      // (2) A customer's jobs leave in the order they were generated, across restores and rescales.
      if (jobs[i].seq <= jobs[i - 1].seq) {
        expect.fail(`${c}: seq ${jobs[i].seq} (run ${jobs[i].run}) left after seq ${jobs[i - 1].seq} (run ${jobs[i - 1].run}); ${context}`);
      }
    }
    // (3) The limit, seen in the committed output. The limiter keeps PER ms between a job and the
    // PER_KEY-th after it, by the clock it reads when a job leaves (d); `at` is read a moment later
    // by the map chained after it (in the same call, but a GC pause, or the sink writing the jobs
    // that left just before in the same timer, can come in between), so at = d + jitter. Allowing
    // for up to PER / 2 ms of jitter: no more than PER_KEY jobs within any PER / 2 ms by `at`
    // (m = 1 below: of any PER_KEY + 1 consecutive jobs, the last left at least PER / 2 ms after
    // the first), and, as the jitter only moves the two ends, m · PER_KEY jobs take at least
    // m · PER − PER / 2 ms: a limiter running at twice its rate passes the first bound but not this.
    // A limiter that let a second batch go early (forgot its departures, or restored waiting jobs
    // jumped the queue) puts 2 · PER_KEY jobs within a few ms.
    for (let i = 0; i < jobs.length; i++) {
      for (let m = 1; i + m * PER_KEY < jobs.length; m++) {
        const j = i + m * PER_KEY;
        const gap = jobs[j].at - jobs[i].at;
        slack = Math.min(slack, gap - (m * PER - PER / 2));
        if (gap < m * PER - PER / 2) {
          expect.fail(`${c}: ${m * PER_KEY + 1} jobs within ${gap} ms (seq ${jobs[i].seq} run ${jobs[i].run} .. seq ${jobs[j].seq} run ${jobs[j].run}); ${context}`);
        }
      }
    }
  }
  return { customers, slack };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Resolves after the `n`-th stderr chunk (a log line, mostly) matching `pattern`. */
async function nth(job: ChildJob, pattern: RegExp, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await job.waitFor(pattern);
}

describe('dedupe and rateLimit', () => {
  it('uninterrupted: commit each unique id once, in order per customer, hot customers waiting in the limiter', async () => {
    const env = { ...(await environment()), RUN: '1' };
    const job = startChildJob(JOB, env);
    const code = await job.exited;
    expect(code, `run failed:\n${job.stderr()}`).toBe(0);
    const { customers, slack } = checkOutput(await readCommitted<Out>(env.OUT_DIR), 'uninterrupted run');
    // The limiter did delay: hot customers' jobs waited hundreds of ms between the source and the
    // map after the limiter (about half a second at the median), the others' hardly at all (so
    // the pipeline itself is not what held the hot ones back).
    const wait = (c: string) => median(customers.get(c)!.map((o) => o.at - o.born));
    const others = Math.max(...[...customers.keys()].filter((c) => !HOT.includes(c)).map(wait));
    console.log(`[queue-operators] uninterrupted: median waits ${HOT.map((c) => `${c} ${wait(c)} ms`).join(', ')}, others ≤ ${others} ms; limit check slack ${slack} ms`);
    for (const c of HOT) expect(wait(c), `${c} waited ${wait(c)} ms at the median, the others up to ${others} ms`).toBeGreaterThan(others + 250);
    expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
  }, 60_000);

  it(
    'killed with SIGKILL while jobs wait, restored and rescaled: each unique id once, in order, within the limit',
    async () => {
      const kills = killCount(4);
      const seed = crashSeed('queue-operators');
      const random = seededRandom(seed);
      const env = await environment();
      let killed = 0;
      let run = 0;
      let parallelism = '';
      // Each run at 1 or 2 at random, except that the first restart always rescales (it restores
      // jobs waiting in the limiter, see below).
      const parallelismOfRun = () => (parallelism = run === 2 ? String(3 - Number(parallelism)) : String(1 + Math.floor(random() * 2)));
      const log: string[] = [];
      while (killed < kills) {
        run++;
        const spec = { ...env, RUN: String(run), PARALLELISM: parallelismOfRun() };
        const child = startChildJob(JOB, spec);
        // Half the kills land just after a checkpoint was triggered (the 1st to 15th of the run;
        // the first kill after the 5th at least, so that the checkpoint it restores holds jobs
        // waiting in the limiter), half at a random moment of the run's first two seconds.
        const duringCheckpoint = killed === 0 || random() < 0.5;
        const checkpoints = (killed === 0 ? 5 : 1) + Math.floor(random() * 10);
        const delay = duringCheckpoint ? Math.floor(random() * 15) : 100 + Math.floor(random() * 1900);
        const killPoint = duringCheckpoint
          ? nth(child, /checkpoint triggered/, checkpoints).then(() => new Promise((r) => setTimeout(r, delay)))
          : child.waitFor(/tasks running/).then(() => new Promise((r) => setTimeout(r, delay)));
        const outcome = await Promise.race([killPoint.then(() => 'kill' as const), child.exited.then(() => 'exited' as const)]);
        if (outcome === 'exited') {
          const code = await child.exited;
          if (code !== 0) throw new Error(`child exited with ${code} before the kill:\n${child.stderr()}`);
          break; // finished before we could kill it: the output must already be complete
        }
        child.kill();
        await child.exited;
        killed++;
        log.push(`run ${run} p=${spec.PARALLELISM} ${duringCheckpoint ? `after checkpoint trigger #${checkpoints} +` : 'after tasks running +'}${delay} ms`);
      }
      run++;
      const last = { ...env, RUN: String(run), PARALLELISM: parallelismOfRun() };
      const final = startChildJob(JOB, last);
      const code = await final.exited;
      expect(code, `final run failed:\n${final.stderr()}`).toBe(0);
      log.push(`final run ${run} p=${last.PARALLELISM}`);

      const output = await readCommitted<Out>(env.OUT_DIR);
      // Jobs generated in one run that left the limiter in a later one: restored from its waiting
      // list (the source does not replay them, and aligned checkpoints hold no jobs in flight).
      const restored = output.filter((o) => o.gen < o.run).length;
      console.log(`[queue-operators] seed ${seed}: ${log.join(', ')}; ${restored} jobs left from a restored waiting list`);
      const { slack } = checkOutput(output, `seed ${seed}; ${log.join(', ')}`);
      console.log(`[queue-operators] seed ${seed}: limit check slack ${slack} ms`);
      expect(killed).toBeGreaterThan(0);
      // Some kills did land while jobs waited in the limiter.
      expect(restored, `seed ${seed}; ${log.join(', ')}`).toBeGreaterThan(0);
      expect(await readdir(join(env.OUT_DIR, '.staging'))).toEqual([]);
    },
    crashTimeout(killCount(4), 6_000),
  );
});
