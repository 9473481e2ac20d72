/**
 * Shared pieces of the in-process checkpointing tests (test/checkpointing/): temp directories, a
 * keyed count whose every output can be checked against a formula, a log that keeps its lines,
 * and a wait that polls (sleeps only to wait, never to decide an assertion).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { StreamEnvironment } from '@weir/core';

/** An environment that logs nothing (or to `logger`). */
export function quietEnv(parallelism = 1, logger: Logger = pino({ level: 'silent' })): StreamEnvironment {
  return StreamEnvironment.create({ parallelism, logger });
}

export { tempDirs } from './temp-dirs.ts';

/** Polls `condition` every few ms until it holds; throws naming `what` if it never does (a hang guard). */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export { CountPerKey, keyedRecord, type Counted, type Keyed } from './keyed-count.ts';
import type { Counted } from './keyed-count.ts';

/** The highest count emitted per key. */
export function lastCountPerKey(out: Iterable<Counted>): Map<string, number> {
  const last = new Map<string, number>();
  for (const { k, n } of out) if (n > (last.get(k) ?? 0)) last.set(k, n);
  return last;
}

/** One parsed pino line. */
export interface LogEntry {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A pino logger that keeps every line it writes, parsed. */
export function capturingLogger(level: 'info' | 'debug' = 'info'): { logger: Logger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const stream = { write: (line: string) => void entries.push(JSON.parse(line) as LogEntry) };
  return { logger: pino({ level }, stream), entries };
}

/** `chk-<n>` directory names below `<root>/<job>`, ascending by n. */
export async function checkpointDirs(root: string, job: string): Promise<string[]> {
  const names = (await readdir(join(root, job)).catch(() => [] as string[])).filter((n) => /^chk-\d+$/.test(n));
  return names.sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

/** Whether `file` exists. */
export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The error a promise rejects with; throws if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value: unknown) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (outcome.ok) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  return outcome.error as Error;
}
