/**
 * What the Redis crash tests share: a producer gated by the kill loop, the kill loop itself, and
 * reading what the job wrote. Each test keeps its own source (list or stream) and its own final run.
 */
import type { Redis } from 'ioredis';
import { unpack } from 'msgpackr';
import { restoredFromCheckpoint, startChildJob, type ChildJob } from './child-job.ts';
import type { Counted } from './keyed-count.ts';

/** How far the producer may go: the kill loop raises it kill by kill. */
export interface Gate {
  upTo: number;
}

/**
 * Produces records 0..count-1 in order, `chunk` at a time with `everyMs` between chunks, never
 * past `gate.upTo`; `push(from, to)` writes records from..to-1.
 */
export async function produceGated(count: number, gate: Gate, push: (from: number, to: number) => Promise<void>, chunk: number, everyMs: number): Promise<void> {
  for (let from = 0; from < count; from += chunk) {
    while (from >= gate.upTo) await sleep(everyMs);
    await push(from, Math.min(count, from + chunk));
    await sleep(everyMs);
  }
}

/**
 * Starts the job `kills` times and kills each run with SIGKILL. A third of the kills land at a
 * random moment once the job has started, a third just after a checkpoint was triggered (snapshots
 * in flight, the sink staging), a third just after one completed (the sink committing, the source
 * releasing input). The checkpoint is the nth of the run (n in 1..6), so that kills find the job
 * anywhere from just restored with a backlog to caught up with the producer. Before each run the
 * producer may go its share further. The first kill is always just after a completed checkpoint,
 * so that the next run restores. Returns where each kill landed, for the test's message, and how
 * many of the killed runs had restored from a checkpoint (`restored`).
 */
export async function killAtRandomMoments(o: {
  readonly job: string;
  readonly env: Record<string, string>;
  readonly kills: number;
  readonly random: () => number;
  readonly gate: Gate;
  readonly count: number;
  /** A stderr line that says the source is reading (checkpoints after it are this run's own). */
  readonly reading: RegExp;
}): Promise<string[] & { restored: number }> {
  const log = Object.assign([] as string[], { restored: 0 });
  for (let killed = 0; killed < o.kills; ) {
    o.gate.upTo = Math.ceil(((killed + 1) / o.kills) * o.count);
    const job = startChildJob(o.job, o.env);
    // The first kill after a completed checkpoint, so that the runs after it restore (`restored`
    // counts those that did, for the test to check).
    const kind = killed === 0 ? 2 : Math.floor(o.random() * 3);
    const after = kind === 0 ? undefined : kind === 1 ? /checkpoint triggered/ : /"msg":"checkpoint completed"/;
    const nth = 1 + Math.floor(o.random() * 6);
    const delay = after === undefined ? 500 + Math.floor(o.random() * 1500) : Math.floor(o.random() * 15);
    const killPoint = (after === undefined ? Promise.resolve() : waitForNth(job, o.reading, after, nth)).then(() => sleep(delay));
    const outcome = await Promise.race([killPoint.then(() => 'kill' as const), job.exited.then(() => 'exited' as const)]);
    if (outcome === 'exited') throw new Error(`the job exited on its own:\n${job.stderr().slice(-3000)}`);
    job.kill();
    await job.exited;
    killed++;
    if (restoredFromCheckpoint(job)) log.restored++;
    log.push(`${after === undefined ? 'start' : `checkpoint ${nth} ${kind === 1 ? 'triggered' : 'completed'}`} +${delay} ms`);
  }
  return log;
}

/** Resolves after the nth stderr chunk matching `pattern` once the source is reading. */
async function waitForNth(job: ChildJob, reading: RegExp, pattern: RegExp, nth: number): Promise<void> {
  await job.waitFor(reading);
  for (let seen = 0; seen < nth; seen++) await job.waitFor(pattern);
}

/** Every record of an output stream written by the exactly-once stream sink, in stream order. */
export async function readOutputStream(c: Redis, stream: string): Promise<Counted[]> {
  const out: Counted[] = [];
  let from = '-';
  for (;;) {
    const page = await c.xrangeBuffer(stream, from, '+', 'COUNT', 5000);
    for (const [, fields] of page) out.push(unpack(fields[1]) as Counted);
    if (page.length < 5000) return out;
    from = `(${page[page.length - 1][0].toString()}`;
  }
}

/** Every key matching `pattern` (SCAN, not KEYS). */
export async function scanKeys(c: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
