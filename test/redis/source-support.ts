import type { SourceReader, SourceReaderContext } from '@weir/core';
import { pino } from 'pino';

/**
 * Drives a source reader by hand, as a source task would: poll, wait for `isAvailable` when
 * nothing is there, snapshot between two polls.
 */

export function readerContext<S>(options: { subtaskIndex?: number; parallelism?: number; restoredState?: readonly S[]; jobName?: string; retainedCheckpoints?: number } = {}): SourceReaderContext<S> {
  return {
    jobName: options.jobName ?? 'test-job',
    operatorUid: 'src',
    subtaskIndex: options.subtaskIndex ?? 0,
    parallelism: options.parallelism ?? 1,
    logger: pino({ level: 'silent' }),
    restoredState: options.restoredState,
    retainedCheckpoints: options.retainedCheckpoints ?? 2,
  };
}

/** Polls until at least `n` records came out (exactly `n` when the reader emits one per poll). */
export async function pollRecords<T>(reader: SourceReader<T, unknown>, n: number, timeoutMs = 5_000): Promise<T[]> {
  const out: T[] = [];
  const output = { collect: (v: T) => void out.push(v) };
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const status = reader.pollNext(output);
    if (status === 'end') break;
    if (status === 'nothing-available') {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`got ${out.length} of ${n} records within ${timeoutMs} ms`);
      await Promise.race([reader.isAvailable(), new Promise((r) => setTimeout(r, Math.min(left, 100)))]);
    }
  }
  return out;
}

/** Polls for `ms` and returns whatever came out (expected: nothing). */
export async function pollFor<T>(reader: SourceReader<T, unknown>, ms: number): Promise<T[]> {
  const out: T[] = [];
  const output = { collect: (v: T) => void out.push(v) };
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (reader.pollNext(output) === 'nothing-available') {
      await Promise.race([reader.isAvailable(), new Promise((r) => setTimeout(r, 20))]);
    }
  }
  return out;
}
