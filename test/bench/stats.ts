/** Small helpers shared by the benchmark scripts. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** "met" or "NOT met": a benchmark reports a target, it never fails on one. */
export const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
