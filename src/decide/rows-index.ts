/** Lookups over the source rows, built once per decide(). */
export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Ids once each, in order: the roster's lists are sorted so that the same data gives the same snapshot. */
export const sortedIds = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();
