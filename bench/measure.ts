export interface Measurement {
  readonly name: string;
  readonly count: number;
  /** Median records/s over the rounds. */
  readonly recordsPerSecond: number;
  readonly all: number[];
  readonly emitted: number;
}

/** Runs `fn` `rounds` times after one warm-up; the median is what counts (the machine is shared and noisy). */
export async function measure(
  name: string,
  count: number,
  rounds: number,
  fn: () => Promise<number>,
): Promise<Measurement> {
  let emitted = await fn();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    emitted = await fn();
    rates.push(count / ((performance.now() - t0) / 1000));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return { name, count, recordsPerSecond: sorted[Math.floor(sorted.length / 2)], all: rates, emitted };
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
