/**
 * The Nexmark queries the bench runs, by name: issue 15's q0–q8, q11 and q12, every one written.
 * q4–q8 and q11 run in event time (the source's watermarks trail the generator's out-of-order
 * bound, see event-time.ts); q12 in processing time, so its results vary from run to run.
 */
import { q0 } from './q0.ts';
import { q1 } from './q1.ts';
import { q2 } from './q2.ts';
import { q3 } from './q3.ts';
import { q4 } from './q4.ts';
import { q5 } from './q5.ts';
import { q6 } from './q6.ts';
import { q7 } from './q7.ts';
import { q8 } from './q8.ts';
import { q11 } from './q11.ts';
import { q12 } from './q12.ts';
import type { NexmarkQuery } from './query.ts';

export type { LoopRun, NexmarkQuery } from './query.ts';
export { q0, q1, q2, q3, q4, q5, q6, q7, q8, q11, q12 };

export const QUERIES: readonly NexmarkQuery<unknown>[] = [q0, q1, q2, q3, q4, q5, q6, q7, q8, q11, q12];

/** Queries of the suite not written yet, and what each waits for (none now). */
export const PLANNED: Readonly<Record<string, string>> = {};

export function findQuery(name: string): NexmarkQuery<unknown> | undefined {
  return QUERIES.find((q) => q.name === name);
}
