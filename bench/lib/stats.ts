/** Small statistics helpers shared by the benchmarks. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Progress on stderr for long runs: "label i/n". */
export function progress(label: string, i: number, n: number): void {
  if (i === n || i % Math.max(1, Math.floor(n / 10)) === 0) process.stderr.write(`  ${label} ${i}/${n}\n`);
}
