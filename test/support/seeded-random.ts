/**
 * The seeded random source of core's model tests (mulberry32): kill points come from a seed that
 * the test prints, so a failing run can be replayed with `WEIR_CRASH_SEED=<seed>`.
 */
export { seededRandom } from '../../packages/core/src/util/seeded-random.ts';

/** The seed to use: `WEIR_CRASH_SEED` when set (replay), else a fresh one. Printed either way. */
export function crashSeed(testName: string): number {
  const fromEnv = process.env.WEIR_CRASH_SEED;
  const seed = fromEnv !== undefined ? Number(fromEnv) : Math.floor(Math.random() * 2 ** 31);
  console.log(`[${testName}] crash seed ${seed} (replay with WEIR_CRASH_SEED=${seed})`);
  return seed;
}

/**
 * How many kills a crash test makes: `base` in `npm test`, multiplied by `WEIR_SOAK_FACTOR`
 * (default 10) under `npm run test:soak`, which sets `WEIR_SOAK=1`.
 */
export function killCount(base: number): number {
  if (process.env.WEIR_SOAK !== '1') return base;
  return base * Number(process.env.WEIR_SOAK_FACTOR ?? 10);
}

/** The timeout for a crash test that makes `kills` kills of about `msPerKill` each. */
export function crashTimeout(kills: number, msPerKill = 2500): number {
  return 60_000 + kills * msPerKill;
}
