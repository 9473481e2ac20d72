/**
 * The jobs of the threads experiment, each a module a worker thread can load (a job on worker
 * threads is defined again in each thread). Configured by environment, run by threads.ts in a child
 * process of its own: JOB (cpu-heavy | micro | keyed-state), WORKERS, PARALLELISM, RECORDS, KEYS,
 * CHECKPOINT_MS (0: off), CK_DIR. Every sink subtask reports, when it closes, how many records it
 * took and when it took the first and the last (`BENCH {...}` on stderr): the experiment adds them
 * up, so that the time worker threads take to start is not counted as processing time.
 */
import { StreamEnvironment, ValueStateDescriptor, generatorSource, type Collector, type KeyedContext, type KeyedProcessFunction, type KeyedRuntimeContext, type Sink, type ValueState } from '@weir/core';
import type { EventLoopUtilization } from 'node:perf_hooks';
import { pino } from 'pino';

const env = (name: string, fallback: string): string => process.env[name] ?? fallback;
const records = Number(env('RECORDS', '2000000'));
const keys = Number(env('KEYS', '10000'));
const checkpointMs = Number(env('CHECKPOINT_MS', '0'));

/**
 * Counts what reaches it; reports at close, with how busy its thread's event loop was from its
 * first record to its close (`busy`, 0..1) and the CPU time the whole process used meanwhile
 * (`cpuMs`, every thread, the garbage collector's included).
 */
const countingSink = <T>(): Sink<T> => ({
  createWriter: () => {
    let n = 0;
    let first = 0;
    let last = 0;
    let elu: EventLoopUtilization | undefined;
    let cpu: NodeJS.CpuUsage | undefined;
    return {
      write: () => {
        if (n++ === 0) {
          first = Date.now();
          elu = performance.eventLoopUtilization();
          cpu = process.cpuUsage();
        }
        if ((n & 1023) === 0) last = Date.now();
      },
      close: () => {
        last = Date.now();
        if (n === 0) return;
        const busy = performance.eventLoopUtilization(elu).utilization;
        const used = process.cpuUsage(cpu);
        process.stderr.write(`BENCH ${JSON.stringify({ records: n, first, last, busy, cpuMs: (used.user + used.system) / 1000 })}\n`);
      },
    };
  },
});

interface Purchase {
  user: string;
  amount: number;
  items: number[];
  note: string;
}

/** A purchase as a JSON line, built without JSON.stringify (the source's work stays small). */
function purchaseLine(i: number): string {
  return `{"user":"u${i % keys}","amount":${(i * 7919) % 10_000},"items":[${i % 97},${i % 89},${i % 83},${i % 79},${i % 73}],"note":"order ${i} paid by card, shipped by post"}`;
}

/** Per user, from the JSON line: purchases, total amount and a checksum of the notes (work per record, as a real aggregation does). */
class SpendPerUser implements KeyedProcessFunction<string, string, number> {
  total!: ValueState<{ n: number; amount: number; check: number }>;
  open(ctx: KeyedRuntimeContext): void {
    this.total = ctx.getState(new ValueStateDescriptor('total', { n: 0, amount: 0, check: 0 }));
  }
  processElement(line: string, _ctx: KeyedContext<string>, out: Collector<number>): void {
    const p = JSON.parse(line) as Purchase;
    const t = this.total.value()!;
    let check = t.check;
    for (let i = 0; i < p.note.length; i++) check = (Math.imul(check, 31) + p.note.charCodeAt(i)) | 0;
    let items = 0;
    for (const x of p.items) items += x;
    this.total.update({ n: t.n + 1, amount: t.amount + p.amount + items, check });
    out.collect(t.n + 1);
  }
}

const e = StreamEnvironment.create({ parallelism: Number(env('PARALLELISM', '2')), logger: pino({ level: 'warn' }, pino.destination(2)) });
e.setWorkers(Number(env('WORKERS', '1')));
if (checkpointMs > 0) e.enableCheckpointing(checkpointMs, { storage: env('CK_DIR', './checkpoints'), fresh: true });
const job = env('JOB', 'cpu-heavy');
if (job === 'cpu-heavy') {
  // Lines are keyed by the user they name (read from the text, not parsed) and parsed where they
  // are aggregated: what crosses a thread is the line, which costs little to move.
  e.fromSource(generatorSource({ count: records, generate: purchaseLine }))
    .keyBy((line) => line.slice(9, line.indexOf('"', 9)))
    .process(new SpendPerUser())
    .sinkTo(countingSink());
} else if (job === 'micro') {
  // The stateless micro pipeline, with a rebalance: across a thread boundary when on two threads.
  e.fromSource(generatorSource({ count: records, generate: (i) => i }))
    .map((x) => x * 2)
    .rebalance()
    .filter((x) => x % 3 !== 0)
    .sinkTo(countingSink());
} else {
  // Keyed state of KEYS keys, counted per key.
  e.fromSource(generatorSource({ count: records, generate: (i) => i % keys }))
    .keyBy((k) => k)
    .reduce((a, b) => a + b)
    .sinkTo(countingSink());
}
await e.execute(`bench-${job}`);
