/**
 * Where each row's parents are: for a link row (a placement, a membership),
 * the position of its person, class, group or activity in that table. The
 * rules name rows by position. The extract stage already keeps a map of id
 * to position for every table while it resolves duplicate rows; building
 * those maps again in decide was a third of its time on a large
 * municipality. For rows at hand, positionsOfRows builds them.
 */
import { QUERY_NAMES, type QueryName, type SourceRows } from './contract';

/** The tables rows point at, and the column that names each of their rows. */
const PARENTS = { persons: 'person_id', classes: 'class_id', groups: 'group_id', activities: 'activity_id' } as const;
export type ParentTable = keyof typeof PARENTS;

/** For each link table, its columns that name a parent, and the parent's table. */
const LINKS = {
  classPlacements: { person_id: 'persons', class_id: 'classes' },
  classStaff: { class_id: 'classes', person_id: 'persons' },
  groupMemberships: { group_id: 'groups', person_id: 'persons' },
  employments: { person_id: 'persons' },
  activityClasses: { activity_id: 'activities', class_id: 'classes' },
  activityGroups: { activity_id: 'activities', group_id: 'groups' },
  activityStaff: { activity_id: 'activities', person_id: 'persons' },
} as const satisfies Partial<Record<QueryName, Record<string, ParentTable>>>;
type LinkTable = keyof typeof LINKS;

export interface RowPositions {
  /** The tables these positions are of: decide uses them only for these very arrays. */
  readonly tables: SourceRows;
  /** Each link row's parent, by column: its position in the parent's table, or −1 when that table has no such row. */
  readonly links: { readonly [L in LinkTable]: { readonly [C in keyof (typeof LINKS)[L]]: Int32Array } };
  /** Each id's row position in its table (the last row's, should an id be on two rows). */
  readonly parents: Readonly<Record<ParentTable, ReadonlyMap<string, number>>>;
  /** Whether no id of the table is on two rows. */
  distinct(table: ParentTable): boolean;
}

/** A link column's parents: rows often come in runs of one key (the placements of a class), and a run is looked up once. */
function parentsOf(rows: readonly Readonly<Record<string, unknown>>[], column: string, positions: ReadonlyMap<string, number>): Int32Array {
  const result = new Int32Array(rows.length);
  let last: unknown;
  let position = -1;
  for (let i = 0; i < rows.length; i++) {
    const key = rows[i]![column];
    if (key !== last) {
      last = key;
      position = positions.get(key as string) ?? -1;
    }
    result[i] = position;
  }
  return result;
}

/**
 * The positions, from each parent table's map of id to position (the last
 * row's, should an id be on two rows) and whether any id is on two rows.
 */
export function rowPositions(tables: SourceRows, parents: Readonly<Record<ParentTable, ReadonlyMap<string, number>>>, repeated: Readonly<Record<ParentTable, boolean>>): RowPositions {
  const links = Object.fromEntries(
    (Object.keys(LINKS) as LinkTable[]).map((table) => [
      table,
      Object.fromEntries((Object.entries(LINKS[table]) as [string, ParentTable][]).map(([column, parent]) => [column, parentsOf(tables[table], column, parents[parent])])),
    ]),
  ) as unknown as RowPositions['links'];
  return {
    tables,
    links,
    parents,
    distinct: (table) => !repeated[table],
  };
}

/** The positions of rows at hand (a test's rows, or rows a hook changed). */
export function positionsOfRows(rows: SourceRows): RowPositions {
  const parents = {} as Record<ParentTable, Map<string, number>>;
  const repeated = {} as Record<ParentTable, boolean>;
  for (const table of Object.keys(PARENTS) as ParentTable[]) {
    const list = rows[table] as readonly Readonly<Record<string, unknown>>[];
    const map = new Map<string, number>();
    for (let i = 0; i < list.length; i++) map.set(list[i]![PARENTS[table]] as string, i);
    parents[table] = map;
    repeated[table] = map.size !== list.length;
  }
  return rowPositions(rows, parents, repeated);
}

/** The positions handed on with these rows, or worked out now when there are none or they are of other arrays. */
export function positionsFor(rows: SourceRows, given: RowPositions | undefined): RowPositions {
  if (given && QUERY_NAMES.every((q) => given.tables[q] === rows[q])) return given;
  return positionsOfRows(rows);
}
