/**
 * The job the metrics, history and dashboard tests watch through `weir run`: a generator of COUNT
 * records (at RATE per second) that then stays idle instead of finishing, so that a test can read
 * the job's figures once every record has gone through; → a `check` map that fails once at record
 * FAIL_AT (once across restarts and runs: it leaves FAIL_MARKER behind) → keyBy → a keyed count →
 * a sink that keeps nothing. With FAIL_WHEN (a file path) instead of FAIL_AT, `check` fails once
 * FAIL_WHEN exists (looked for every 100 records), so that a test says when.
 *
 * Environment: COUNT (default 10 000), RATE (records/s; unlimited when unset), KEYS (default 20),
 * FAIL_MARKER (a file path) with FAIL_AT or FAIL_WHEN.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { generatorSource, type Sink, type Source, type SourceReader, type StreamEnvironment } from '@weir/core';
import { CountPerKey, type Keyed } from '../support/keyed-count.ts';

export default function job(env: StreamEnvironment): void {
  const count = Number(process.env.COUNT ?? '10000');
  const keys = Number(process.env.KEYS ?? '20');
  const rate = process.env.RATE === undefined ? undefined : Number(process.env.RATE);
  const failAt = process.env.FAIL_AT === undefined ? -1 : Number(process.env.FAIL_AT);
  const marker = process.env.FAIL_MARKER;
  const when = process.env.FAIL_WHEN;
  env
    .fromSource(idleAtEnd(generatorSource({ count, generate: (i): Keyed => ({ k: `k${i % keys}`, i }), ratePerSecond: rate })))
    .uid('source')
    .map((r) => {
      const due = r.i === failAt || (when !== undefined && r.i % 100 === 0 && existsSync(when));
      if (due && marker !== undefined && !existsSync(marker)) {
        writeFileSync(marker, '');
        throw new Error(`record ${r.i} failed on purpose`);
      }
      return r;
    })
    .name('check')
    .uid('check')
    .keyBy((r) => r.k)
    .process(new CountPerKey())
    .name('count')
    .uid('count')
    .sinkTo(discard())
    .uid('sink');
}

/** `source`, but unbounded: once it has emitted everything it idles until cancelled. */
function idleAtEnd<T, S>(source: Source<T, S>): Source<T, S> {
  return {
    boundedness: 'unbounded',
    ...(source.maxParallelism === undefined ? {} : { maxParallelism: source.maxParallelism }),
    createReader(ctx) {
      const inner: SourceReader<T, S> = source.createReader(ctx);
      let ended = false;
      return {
        start: () => inner.start?.(),
        pollNext(output) {
          if (ended) return 'nothing-available';
          const status = inner.pollNext(output);
          if (status !== 'end') return status;
          ended = true;
          return 'nothing-available';
        },
        isAvailable: () => (ended ? new Promise<void>((resolve) => setTimeout(resolve, 50)) : inner.isAvailable()),
        snapshotState: (id) => inner.snapshotState?.(id) ?? [],
        notifyCheckpointComplete: (id) => inner.notifyCheckpointComplete?.(id),
        notifyCheckpointAborted: (id) => inner.notifyCheckpointAborted?.(id),
        close: () => inner.close?.(),
      };
    },
  };
}

/** A sink that drops what it gets. */
function discard<T>(): Sink<T> {
  return { createWriter: () => ({ write: () => {} }) };
}
