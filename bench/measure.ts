import type { Progress } from './lib/progress.ts';
import { NO_PROGRESS } from './lib/progress.ts';
import { median } from './lib/stats.ts';

export interface Measurement {
  readonly name: string;
  readonly count: number;
  /** Median records/s over the rounds. */
  readonly recordsPerSecond: number;
  readonly all: number[];
  /** Median records per second of process CPU time (all threads); NaN when not measured. */
  readonly perCore: number;
  readonly emitted: number;
}

/** Runs `fn` `rounds` times after one warm-up; the median is what counts (the machine is shared and noisy). */
export async function measure(
  name: string,
  count: number,
  rounds: number,
  fn: () => Promise<number>,
  progress: Progress = NO_PROGRESS,
): Promise<Measurement> {
  progress.start(`${name} · warm-up`);
  let emitted = await fn();
  progress.finish();
  const rates: number[] = [];
  const cpuRates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    progress.start(`${name} · round ${r + 1}/${rounds}`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    emitted = await fn();
    const cpu = process.cpuUsage(cpu0);
    rates.push(count / ((performance.now() - t0) / 1000));
    cpuRates.push(count / ((cpu.user + cpu.system) / 1e6));
    progress.finish(`${(rates[r] / 1e6).toFixed(2)} M records/s`);
  }
  return { name, count, recordsPerSecond: median(rates), all: rates, perCore: median(cpuRates), emitted };
}

/** Prints records/s and the ratio to the baseline measured in the same run. */
export function report(title: string, rows: readonly Measurement[], baseline: Measurement): void {
  console.log(`\n${title}`);
  for (const m of rows) {
    const ratio = m.recordsPerSecond / baseline.recordsPerSecond;
    const rate = (m.recordsPerSecond / 1e6).toFixed(2).padStart(7);
    const rounds = m.count > 0 ? `${m.all.length} rounds of ${m.count.toLocaleString('en')}` : `${m.all.length} rounds`;
    console.log(`  ${m.name.padEnd(34)} ${rate} M records/s   ratio ${ratio.toFixed(2)}   (${rounds})`);
  }
}
