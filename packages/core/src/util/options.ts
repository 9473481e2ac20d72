import { ConfigError } from './config-error.ts';

/**
 * Rejects option keys that nothing reads: a misspelled option (`retaned`) would otherwise be
 * ignored silently and the default used. The error names the key and the nearest valid one.
 *
 * @param what how the message names the options' owner, e.g. `checkpoint options` or `redisStreamSink`
 * @throws ConfigError whose `option` is the unknown key
 */
export function rejectUnknownOptions(what: string, options: object | undefined, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestName(key, known);
    const hint = nearest === undefined ? '' : `; did you mean '${nearest}'?`;
    throw new ConfigError(key, `${what} has no option '${key}'${hint} (its options: ${known.join(', ')})`);
  }
}

/** The name in `names` closest to `name` by edit distance, if it is close enough to be a typo. */
export function nearestName(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of names) {
    const d = editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    [prev, row] = [row, prev];
  }
  return prev[b.length];
}
