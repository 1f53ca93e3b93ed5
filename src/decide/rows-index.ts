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

/** Sorted by a text key, each key worked out once (not at every comparison). */
export function sortBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ key: key(item), item }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.item);
}
