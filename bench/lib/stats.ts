/** Small statistics for rounds of measurements. */

/** The middle value (the upper one of an even count); `NaN` for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** `median 0.99, range 0.92–1.04 over 5 rounds`. */
export function spread(xs: readonly number[], digits = 2): string {
  const sorted = [...xs].sort((a, b) => a - b);
  return `median ${median(xs).toFixed(digits)}, range ${sorted[0].toFixed(digits)}–${sorted[sorted.length - 1].toFixed(digits)} over ${xs.length} rounds`;
}

/** Element-wise `a[i] / b[i]`, over the rounds both have. */
export function pairedRatios(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.min(a.length, b.length);
  return Array.from({ length: n }, (_, i) => a[i] / b[i]);
}
