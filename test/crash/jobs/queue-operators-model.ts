/**
 * The queue-operators job the crash tests kill, as a model: its input (jobs of 20 customers, some
 * repeating an earlier id of their customer) and what an uninterrupted run must commit. Plain
 * module (no test runner): the child job imports it too.
 *
 * The input ends with a tail of filler records that the job drops right after the source: records
 * still waiting in `rateLimit` when bounded input ends are lost (pending processing-time timers do
 * not fire once the input has ended, and nothing else lets them go), so the job must not end
 * before the limiter has let every job go. The tail keeps the input open for that long.
 */

export const CUSTOMERS = 20;
/** Long enough that every repeat in a run is a duplicate. */
export const TTL = 3_600_000;
/** The rate limit: at most PER_KEY jobs of a customer leave within any PER ms. */
export const PER_KEY = 20;
export const PER = 50;
/** Customers c0 and c1 each get a sixth of all jobs; the other 18 share the rest. */
export const HOT = ['c0', 'c1'];

/** A job as generated: customer `c`, id `id` (unique per customer, except for repeats), `seq` its index. */
export interface Job {
  readonly c: string;
  readonly id: number;
  readonly seq: number;
}

/** A job as the source emits it: stamped with the run that generated it and when. */
export interface Generated extends Job {
  /** The run (RUN of the child job) in which the source generated it. */
  readonly gen: number;
  /** Date.now() when the source generated it. */
  readonly born: number;
}

/** A filler record of the tail: `seq` ≥ the count of jobs; dropped right after the source. */
export const isFiller = (j: Job): boolean => j.c === '';

/** A job as committed: stamped besides with the run and time it left the limiter, and an emission counter. */
export interface Out extends Generated {
  /** The run in which it left the rate limiter. gen < run: it was restored from the limiter's waiting list. */
  readonly run: number;
  /** Date.now() right after it left the rate limiter (the map chained after it). */
  readonly at: number;
  /** Emissions of the stamping map in its thread so far: orders one run's jobs of a customer where `at` ties. */
  readonly n: number;
}

/**
 * The customer of job `i`. The generator source's subtask s of p emits the indices ≡ s (mod p),
 * with splits fixed at the first run; so every customer takes indices of one parity only, and its
 * jobs come from one split, in index order, at any parallelism of the first run and after any
 * rescale. (A customer fed by two splits would see its jobs in an arbitrary interleaving, and
 * neither "the earlier job" nor "seq order" would be defined.) Within a parity, every third job is
 * the hot customer's (c0 for even, c1 for odd), the rest go round the other nine of that parity.
 */
export function customerOf(i: number): number {
  const parity = i % 2;
  const m = (i - parity) / 2;
  if (m % 3 === 0) return parity;
  const cold = 2 * Math.floor(m / 3) + (m % 3) - 1;
  return parity + 2 * (1 + (cold % 9));
}

/**
 * Jobs `0..count-1`. A customer's p-th job (p from 0) has id p, except every fifth (p ≡ 4 mod 5),
 * which repeats the id of the customer's job 3 positions earlier (p - 3, never itself a repeat).
 * Ids are small numbers per customer, so customers share ids: dedupe must keep them apart by key.
 */
export function jobs(count: number): Job[] {
  const position = new Array<number>(CUSTOMERS).fill(0);
  const out: Job[] = [];
  for (let seq = 0; seq < count; seq++) {
    const k = customerOf(seq);
    const p = position[k]++;
    out.push({ c: `c${k}`, id: p % 5 === 4 ? p - 3 : p, seq });
  }
  return out;
}

export const jobKey = (j: Job): string => `${j.c}:${j.id}:${j.seq}`;

/** What an uninterrupted run commits: the first job with each (customer, id), as `c:id:seq`, sorted. */
export function expectedOutput(count: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const j of jobs(count)) {
    const id = `${j.c}:${j.id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(jobKey(j));
  }
  return out.sort();
}
