/** Small statistics helpers of the benchmarks. */

/** `x` rounded to `d` decimals. */
export const round = (x: number, d = 2): number => +x.toFixed(d);

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
