/**
 * `npm run bench`: every experiment, each against a baseline measured in the same run.
 * `BENCH_RECORDS` sets the records per round (default 5M), `BENCH_ROUNDS` the rounds (default 5).
 */
import { runMicro } from './micro.ts';

const count = Number(process.env.BENCH_RECORDS ?? 5_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
console.log(`weir bench: node ${process.version}, ${count.toLocaleString('en')} records per round, ${rounds} rounds, median shown`);
await runMicro(count, rounds);
