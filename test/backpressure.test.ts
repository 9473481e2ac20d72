import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generatorSource, StreamEnvironment, type Sink } from '@weir/core';
// Internals of @weir/core are imported by path with `.js`: tsc -b rejects a relative `.ts` import
// into the referenced core project (TS2878, rewriteRelativeImportExtensions); vitest maps `.js` to `.ts`.
import { ExecutionAttempt } from '../packages/core/src/jobmanager/execution-attempt.js';
import type { LocalChannel } from '../packages/core/src/runtime/channel/local-channel.js';
import type { LocalTransport } from '../packages/core/src/runtime/channel/local-transport.js';
import { BATCH, type ChannelItem } from '../packages/core/src/runtime/events.js';

/** Records the sink takes before the test cancels the (unbounded) job. */
const TARGET = 100_000;

/** Records a generatorSource reader emits per poll: one step of its task. */
const GENERATOR_POLL = 512;

interface Observed {
  /** Most items (batches and events) ever queued in any one channel. */
  maxItemsPerChannel: number;
  /** Most items queued in all channels together, from `LocalTransport.queuedItems()`. */
  maxItems: number;
  /** Most records queued in all channels together. */
  maxRecords: number;
  channels: number;
}

/** A sink whose `write` does some busy work, far slower than the generator. */
function slowSink(onWrite: () => void): Sink<number> {
  let sink = 0;
  return {
    createWriter: () => ({
      write(value: number) {
        for (let k = 0; k < 200; k++) sink += Math.sqrt(value + k);
        onWrite();
      },
    }),
  };
}

const recordsOf = (item: ChannelItem | undefined) => (item?.kind === BATCH ? item.records.length : 0);

/** Samples every channel of `attempt` right after each offer, when it is fullest, and counts the records in it. */
function observe(attempt: ExecutionAttempt, observed: Observed): void {
  const channels = attempt.tasks.flatMap(({ task }) => task.writers as LocalChannel[]);
  observed.channels = channels.length;
  let queuedRecords = 0;
  for (const ch of channels) {
    const offer = ch.offer.bind(ch);
    const poll = ch.poll.bind(ch);
    ch.offer = (item) => {
      const hasRoom = offer(item);
      queuedRecords += recordsOf(item);
      observed.maxItemsPerChannel = Math.max(observed.maxItemsPerChannel, ch.size);
      observed.maxItems = Math.max(observed.maxItems, (attempt.transport as LocalTransport).queuedItems());
      observed.maxRecords = Math.max(observed.maxRecords, queuedRecords);
      return hasRoom;
    };
    ch.poll = () => {
      const item = poll();
      queuedRecords -= recordsOf(item);
      return item;
    };
  }
}

async function runSlowJob(parallelism: number, channelCapacity: number, batchSize: number) {
  const env = StreamEnvironment.create({ parallelism, channelCapacity, batchSize, logger: pino({ level: 'silent' }) });
  let written = 0;
  let reached!: () => void;
  const reachedTarget = new Promise<void>((resolve) => (reached = resolve));
  env
    .fromSource(generatorSource({ generate: (i) => i }))
    .keyBy((i) => i % 101)
    .sinkTo(
      slowSink(() => {
        if (++written === TARGET) reached();
      }),
    );

  const observed: Observed = { maxItemsPerChannel: 0, maxItems: 0, maxRecords: 0, channels: 0 };
  // The JobClient does not expose the running attempt: catch it when the job starts running it,
  // and observe its channels from the first record on.
  const original = ExecutionAttempt.prototype.run;
  vi.spyOn(ExecutionAttempt.prototype, 'run').mockImplementationOnce(function (this: ExecutionAttempt) {
    observe(this, observed);
    return original.call(this);
  });
  const client = env.executeAsync('backpressure');

  await reachedTarget;
  client.cancel();
  const result = await client.result;
  return { result, observed, written };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('backpressure', () => {
  it.each([
    { parallelism: 1, channelCapacity: 4, batchSize: 512 },
    { parallelism: 1, channelCapacity: 1, batchSize: 512 },
    { parallelism: 2, channelCapacity: 3, batchSize: 512 },
  ])(
    'keeps a fast unbounded generator within the channel capacity of a slow sink (parallelism $parallelism, capacity $channelCapacity)',
    async ({ parallelism, channelCapacity, batchSize }) => {
      const { result, observed, written } = await runSlowJob(parallelism, channelCapacity, batchSize);

      expect(result.status).toBe('cancelled');
      expect(written).toBeGreaterThanOrEqual(TARGET);
      expect(observed.channels).toBe(parallelism * parallelism);

      // The channels did fill up: the generator was held back, not merely slow.
      expect(observed.maxItemsPerChannel).toBeGreaterThanOrEqual(channelCapacity);
      // A producer checks for room after each step, and one poll of the generator (512 records)
      // is at most one batch of 512 per channel: so one item over capacity at most.
      expect(observed.maxItemsPerChannel).toBeLessThanOrEqual(channelCapacity + 1);
      expect(observed.maxItems).toBeLessThanOrEqual((channelCapacity + 1) * observed.channels);

      // Memory bounded in records, whatever the consumer's pace.
      expect(observed.maxRecords).toBeLessThanOrEqual((channelCapacity + 1) * batchSize * observed.channels);
    },
  );

  it('bounds a channel by its capacity plus one source step when batches are smaller than a step', async () => {
    // One generator poll emits 512 records, eight batches of 64, before the task checks for room:
    // the documented bound is "capacity plus one step's output", not capacity plus one batch.
    const channelCapacity = 4;
    const batchSize = 64;
    const { result, observed } = await runSlowJob(1, channelCapacity, batchSize);

    expect(result.status).toBe('cancelled');
    expect(observed.maxItemsPerChannel).toBeGreaterThanOrEqual(channelCapacity);
    expect(observed.maxItemsPerChannel).toBeLessThanOrEqual(channelCapacity + GENERATOR_POLL / batchSize);
    expect(observed.maxRecords).toBeLessThanOrEqual(channelCapacity * batchSize + GENERATOR_POLL);
  });
});
