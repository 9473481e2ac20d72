/**
 * The figures a running job reports per subtask beside its record counts (`JobClient.status()`):
 * what the dashboard, `/metrics` and the status line show. Each is checked against a job built to
 * move it: a slow sink holds back a fast source (backpressure), a map dead-letters some records,
 * a committing sink commits once per checkpoint.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDirs } from '../support/temp-dirs.ts';
import { generatorSource, StreamEnvironment, type DeadLetter, type JobClient, type Sink, type SubtaskStatus } from '@weir/core';

const silent = pino({ level: 'silent' });
const dirs = tempDirs('weir-counters-');
afterAll(() => dirs.cleanup());

function subtask(client: JobClient, vertex: number): SubtaskStatus {
  return client.status().vertices[vertex].subtasks[0];
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('runtime counters per subtask', () => {
  it('shows a source held back by a slow sink as backpressured, and the sink as busy', async () => {
    const env = StreamEnvironment.create({ parallelism: 1, channelCapacity: 2, logger: silent });
    const slow: Sink<number> = {
      createWriter: () => ({
        write() {
          const until = performance.now() + 0.02;
          while (performance.now() < until);
        },
      }),
    };
    env.fromSource(generatorSource({ generate: (i) => i })).rebalance().sinkTo(slow);
    const client = env.executeAsync('slow-sink');
    try {
      await until('the source to be backpressured for 200 ms', () => (client.status().vertices[0]?.subtasks[0]?.backpressuredMs ?? 0) > 200);
      const source = subtask(client, 0);
      const sink = subtask(client, 1);
      expect(source.outputFill).toBeGreaterThan(0);
      expect(sink.busyMs).toBeGreaterThan(100);
      expect(sink.backpressuredMs).toBe(0);
      expect(sink.inputFill).toBeGreaterThan(0);
      // Busy time is the loop's own work: the sink was busy far longer than the source.
      expect(sink.busyMs).toBeGreaterThan(source.busyMs);
    } finally {
      client.cancel();
      await client.result;
    }
  });

  it('counts dead letters and sink commits', async () => {
    const env = StreamEnvironment.create({ parallelism: 1, logger: silent });
    env.enableCheckpointing(50, { storage: await dirs.make() });
    const letters: DeadLetter[] = [];
    const queue = { send: (l: DeadLetter) => void letters.push(l) };
    let committed = 0;
    const committing: Sink<number> = {
      createWriter: () => ({
        write() {},
        notifyCheckpointComplete() {
          committed++;
        },
      }),
    };
    env
      .fromSource(generatorSource({ generate: (i) => i, count: 1000, ratePerSecond: 5000 }))
      .map((i) => {
        if (i % 10 === 3) throw new Error(`bad ${i}`);
        return i;
      })
      .onError({ deadLetter: queue, attempts: 1 })
      .rebalance()
      .sinkTo(committing);
    const client = env.executeAsync('letters');
    // The counters of the last attempt stay readable after the job ends.
    expect((await client.result).status).toBe('finished');
    {
      // At least the final checkpoint, however fast the machine.
      expect(committed).toBeGreaterThanOrEqual(1);
      expect(subtask(client, 1).recordsIn).toBe(900);
      const source = subtask(client, 0);
      const sink = subtask(client, 1);
      expect(source.deadLetters).toBe(100);
      expect(letters).toHaveLength(100);
      expect(sink.deadLetters).toBe(0);
      expect(sink.sink?.commits).toBe(committed);
      expect(sink.sink?.commitMs).toBeGreaterThanOrEqual(0);
      expect(sink.sink?.lastCommitMs).toBeGreaterThanOrEqual(0);
      expect(source.sink).toBeUndefined();
    }
  });
});
