/** A figure measured over several runs: the median, with the smallest and largest run. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: number[]): Summary {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

/** "median (min-max)" with `digits` decimals. */
export function formatSummary(summary: Summary, digits: number): string {
  return summary.median.toFixed(digits) + ' (' + summary.min.toFixed(digits) + '-' + summary.max.toFixed(digits) + ')';
}
