/**
 * `npm run bench`: every experiment, each against a baseline measured in the same run.
 * `BENCH_RECORDS` sets the records per round of the micro bench (default 5M), `BENCH_ROUNDS` the
 * rounds (default 5); `BENCH_ONLY=micro|checkpoint|redis` runs one experiment; `BENCH_REDIS_RECORDS`
 * (default 300k) and `BENCH_BULLMQ_JOBS` (default 20k) size the Redis one.
 */
import { runCheckpointOverhead } from './checkpoint-overhead.ts';
import { runMicro } from './micro.ts';
import { runRedisPipeline } from './redis-pipeline.ts';

const count = Number(process.env.BENCH_RECORDS ?? 5_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const only = process.env.BENCH_ONLY;
console.log(`weir bench: node ${process.version}, ${rounds} rounds per row, median shown`);
if (only === undefined || only === 'micro') await runMicro(count, rounds);
if (only === undefined || only === 'checkpoint') await runCheckpointOverhead(rounds);
if (only === undefined || only === 'redis') await runRedisPipeline(Number(process.env.BENCH_REDIS_RECORDS ?? 300_000), Number(process.env.BENCH_BULLMQ_JOBS ?? 20_000));
