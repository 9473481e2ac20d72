/**
 * The job of the recovery experiment, run by experiment.ts in a child process of its own, by
 * default in-process (every subtask on this one event loop) at parallelism 1 (WORKERS and
 * PARALLELISM change both; the source stays one subtask): a source of KEYS
 * distinct keys (0 … KEYS-1, as fast as it can) into a keyed ValueState counter, checkpointing to
 * the local file system under CK_DIR every CHECKPOINT_MS with at least MIN_PAUSE_MS between two
 * checkpoints. Once every key is in, the source slows to one record (a key counted already) every
 * TRICKLE_MS, so that the checkpoints of the full state are not taken under load and the state
 * stays KEYS entries. The job never ends: the experiment kills it.
 *
 * It reports on stderr, as `BENCH {...}` lines (`t`: `performance.now()`, ms since this process's
 * time origin):
 *   - `module`: this module runs (@weir/core and pino loaded), with `timeOrigin`;
 *   - `built`: every key has been emitted;
 *   - `full-checkpoint`: the first checkpoint whose source position is past every key (so the
 *     counter state holds all KEYS entries: barriers are aligned) is complete, with its id;
 *   - `first-record`: the counter processed its first record, with the value it found for the
 *     key (more than 0 after a restore), and the process's peak RSS so far.
 * Pino logs (info, JSON, written synchronously) go to stderr too: `restoring from checkpoint …`,
 * `tasks running`, `checkpoint completed` with its duration.
 */
import {
  StreamEnvironment,
  ValueStateDescriptor,
  type Collector,
  type InputStatus,
  type KeyedContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ReaderOutput,
  type Source,
  type SourceReader,
  type SourceReaderContext,
  type ValueState,
} from '@weir/core';
import { pino } from 'pino';
import { blackholeSink } from '../lib/blackhole-sink.ts';

const mark = (event: string, fields: Record<string, unknown> = {}): void => {
  process.stderr.write(`BENCH ${JSON.stringify({ event, t: performance.now(), ...fields })}\n`);
};
mark('module', { timeOrigin: performance.timeOrigin });

const env = (name: string, fallback: string): number => Number(process.env[name] ?? fallback);
const keys = env('KEYS', '1000000');
const trickleMs = env('TRICKLE_MS', '10');

/** Where the source is: the next index it emits (key `index % keys`). */
interface Position {
  readonly next: number;
}

/** Keys 0 … keys-1 as fast as possible, then one record every `trickleMs`, forever. */
const keySource: Source<number, Position> = {
  boundedness: 'unbounded',
  maxParallelism: 1,
  createReader: (ctx) => new KeyReader(ctx),
};

class KeyReader implements SourceReader<number, Position> {
  #next: number;
  #lastTrickle = -Infinity;
  /** The first checkpoint that has every key in (its source position is past them). */
  #fullCheckpoint: number | undefined;
  #announced = false;

  constructor(ctx: SourceReaderContext<Position>) {
    this.#next = ctx.restoredState?.[0]?.next ?? 0;
  }

  pollNext(output: ReaderOutput<number>): InputStatus {
    if (this.#next < keys) {
      const end = Math.min(keys, this.#next + 512);
      for (let i = this.#next; i < end; i++) output.collect(i);
      this.#next = end;
      if (end === keys) mark('built', { keys });
      return 'more';
    }
    const now = performance.now();
    if (now - this.#lastTrickle < trickleMs) return 'nothing-available';
    this.#lastTrickle = now;
    output.collect(this.#next++ % keys);
    return 'nothing-available';
  }

  isAvailable(): Promise<void> {
    const wait = Math.max(1, Math.ceil(this.#lastTrickle + trickleMs - performance.now()));
    return new Promise((resolve) => setTimeout(resolve, wait));
  }

  snapshotState(checkpointId: number): Position[] {
    if (this.#fullCheckpoint === undefined && this.#next >= keys) this.#fullCheckpoint = checkpointId;
    return [{ next: this.#next }];
  }

  notifyCheckpointComplete(checkpointId: number): void {
    if (this.#announced || this.#fullCheckpoint === undefined || checkpointId < this.#fullCheckpoint) return;
    this.#announced = true;
    mark('full-checkpoint', { id: checkpointId });
  }
}

/** Counts records per key in a ValueState; reports the first record it processes. */
class CountPerKey implements KeyedProcessFunction<number, number, number> {
  count!: ValueState<number>;
  /** A plain field: the runtime gives each subtask a copy of the function (private fields do not survive it). */
  first = true;

  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor('count', 0));
  }

  processElement(key: number, _ctx: KeyedContext<number>, out: Collector<number>): void {
    const n = this.count.value()!;
    if (this.first) {
      this.first = false;
      mark('first-record', { key, found: n, maxRssKb: process.resourceUsage().maxRSS });
    }
    this.count.update(n + 1);
    out.collect(n + 1);
  }
}

const e = StreamEnvironment.create({ parallelism: env('PARALLELISM', '1'), logger: pino({ level: 'info' }, pino.destination({ dest: 2, sync: true })) });
e.setWorkers(env('WORKERS', '1'));
e.enableCheckpointing(env('CHECKPOINT_MS', '1000'), { storage: process.env.CK_DIR ?? './checkpoints', minPause: env('MIN_PAUSE_MS', '3000') });
e.fromSource(keySource, 'keys')
  .uid('keys')
  .keyBy((k) => k)
  .process(new CountPerKey())
  .uid('count')
  .sinkTo(blackholeSink<number>());
await e.execute('bench-recovery');
