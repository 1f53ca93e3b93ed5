/**
 * One row per key, decided once, before any other stage sees the rows. A
 * query with a JOIN can repeat a row; if the rules, the privacy gate and the
 * report each picked "their" copy, one person could get two verdicts.
 *
 * - A person on more than one row is merged. Rows may differ only where one
 *   answer is the safe one: protected_identity (a protected or unknown level
 *   wins over 0), deregistered and deceased (true wins). Any other difference
 *   stops the run: which name, personnummer or address is right is unclear.
 * - A row that repeats another exactly is dropped (a JOIN fan-out).
 * - Two rows with one id of their own (unit_id, class_id, placement_id,
 *   group_id, employment_id, activity_id) that differ stop the run.
 * - A unit_code shared by several school units stops the run when the code is
 *   configured (which unit is meant is unclear); otherwise it is only counted.
 * Every message counts and names columns, never a value.
 */
import type { RuleConfig } from '../configure/config';
import { unitCodeKey } from '../configure/unit-code';
import { AppError } from '../errors';
import { count, joined, ours, safe, type SafeText } from '../safe-text';
import { CONTRACT, QUERY_NAMES, type PersonRow, type QueryName, type Row, type SourceRows } from './contract';
import { rowPositions, type RowPositions } from './positions';

/** The column that names a row on its own, for the queries that have one; link queries have none. */
const OWN_ID: Partial<Record<QueryName, string>> = {
  schoolUnits: 'unit_id',
  classes: 'class_id',
  classPlacements: 'placement_id',
  groups: 'group_id',
  employments: 'employment_id',
  activities: 'activity_id',
};

export interface Resolved {
  readonly rows: SourceRows;
  /** Where each link row's parents are in these rows, from the maps of id to position kept while resolving. */
  readonly positions: RowPositions;
  /** For the log and last-run.json: counts and table names only. */
  readonly warnings: readonly SafeText[];
}

type AnyRow = Readonly<Record<string, unknown>>;

const columnsOf = (query: QueryName): string[] => Object.keys(CONTRACT[query].columns);

/** The columns in which two rows differ. */
const differing = (columns: readonly string[], a: AnyRow, b: AnyRow): string[] => columns.filter((c) => a[c] !== b[c]);

/** How strongly a level protects: NULL (unknown) above an unrecognised level above 1–3 above 0. */
function protection(level: number | null): number {
  if (level === null) return 3;
  if (level === 0) return 0;
  return level === 1 || level === 2 || level === 3 ? 1 : 2;
}

/** The level that protects most; among equals the highest, so the row order never matters. */
function strongest(a: number | null, b: number | null): number | null {
  const [pa, pb] = [protection(a), protection(b)];
  if (pa !== pb) return pa > pb ? a : b;
  return a !== null && b !== null && b > a ? b : a;
}

/** Columns where the merged person takes the safe answer instead of requiring one value. */
const SAFE_MERGE = new Set(['protected_identity', 'deregistered', 'deceased']);
const PERSON_MUST_AGREE = columnsOf('persons').filter((c) => !SAFE_MERGE.has(c));

/**
 * One query's rows, one per key, taken a row at a time, as the SQL source
 * reads them (the work is done while the next rows are on their way), and
 * judged at the end of the read.
 */
interface QueryResolver {
  add(row: AnyRow): void;
  /** The rows kept so far, in the order they came (the SQL source's filter of link rows reads their parents here). */
  readonly kept: readonly AnyRow[];
  /** For a query with an id of its own: each id's position among the rows kept. */
  readonly positions?: ReadonlyMap<string, number>;
  /** Throws when rows conflict; otherwise counts what was merged or dropped into `warnings` and gives the rows. */
  finish(warnings: SafeText[]): readonly AnyRow[];
}

function personResolver(where: SafeText): QueryResolver {
  const kept: PersonRow[] = [];
  const at = new Map<string, number>();
  const repeated = new Set<string>();
  const conflicts = new Set<string>();
  const columns = new Set<string>();
  return {
    kept,
    positions: at,
    add(r) {
      const row = r as PersonRow;
      const i = at.get(row.person_id);
      if (i === undefined) {
        at.set(row.person_id, kept.push(row) - 1);
        return;
      }
      const seen = kept[i]!;
      repeated.add(row.person_id);
      const differ = differing(PERSON_MUST_AGREE, seen, row);
      if (differ.length > 0) {
        conflicts.add(row.person_id);
        differ.forEach((c) => columns.add(c));
      }
      kept[i] = {
        ...seen,
        protected_identity: strongest(seen.protected_identity, row.protected_identity),
        deregistered: seen.deregistered || row.deregistered,
        deceased: seen.deceased || row.deceased,
      };
    },
    finish(warnings) {
      if (conflicts.size > 0) {
        throw new AppError(
          'schemaMismatch',
          safe`${where}: ${count(conflicts.size, 'person id is', 'person ids are')} on more than one row, and the rows differ in ${joined([...columns].sort().map(ours), ', ')}, so which is right is unclear. Nothing was delivered. Check the query: a join can repeat a person (\`procapita-sync help procapita-schema\`).`,
        );
      }
      if (repeated.size > 0) {
        warnings.push(safe`${where}: ${count(repeated.size, 'person id')} appeared on more than one row; each was merged, and protected where any row was.`);
      }
      return kept;
    },
  };
}

const sameRow = (columns: readonly string[], a: AnyRow, b: AnyRow): boolean => columns.every((c) => a[c] === b[c]);

function rowResolver(query: QueryName, where: SafeText): QueryResolver {
  const columns = columnsOf(query);
  const id = OWN_ID[query];
  const kept: AnyRow[] = [];
  let repeats = 0;
  const conflicts = new Set<unknown>();
  const byId = new Map<string, number>();
  // Without an id of its own only exact repeats are duplicates. Rows are found by their first two
  // columns (two ids) and then compared whole: no key string per row, at 250,000 memberships.
  const [first, second] = columns as [string, string];
  const index = new Map<unknown, Map<unknown, AnyRow | AnyRow[]>>();
  const add = id
    ? (row: AnyRow) => {
        const key = row[id] as string;
        const seen = byId.get(key);
        if (seen === undefined) byId.set(key, kept.push(row) - 1);
        else if (sameRow(columns, kept[seen]!, row)) repeats++;
        else conflicts.add(key);
      }
    : (row: AnyRow) => {
        let inner = index.get(row[first]);
        if (!inner) index.set(row[first], (inner = new Map()));
        const seen = inner.get(row[second]);
        if (seen === undefined) inner.set(row[second], row);
        else if (Array.isArray(seen) ? seen.some((s) => sameRow(columns, s, row)) : sameRow(columns, seen, row)) {
          repeats++;
          return;
        } else inner.set(row[second], Array.isArray(seen) ? [...seen, row] : [seen, row]);
        kept.push(row);
      };
  return {
    kept,
    positions: id ? byId : undefined,
    add,
    finish(warnings) {
      if (conflicts.size > 0) {
        throw new AppError(
          'schemaMismatch',
          safe`${where}: ${conflicts.size} ${ours(id!)} ${conflicts.size === 1 ? 'value is' : 'values are'} on more than one row, and the rows differ, so which is right is unclear. Nothing was delivered. Check the query: a join can repeat a row (\`procapita-sync help procapita-schema\`).`,
        );
      }
      if (repeats > 0) warnings.push(safe`${where}: ${count(repeats, 'row')} repeated another row exactly; the repeats were dropped.`);
      return kept;
    },
  };
}

/** A unit_code on more than one school unit: an error when configured, else a counted warning. */
function checkUnitCodes(units: readonly Row<'schoolUnits'>[], schools: RuleConfig['schools'], where: SafeText, warnings: SafeText[]): void {
  const unitsPerCode = new Map<string, number>();
  for (const u of units) unitsPerCode.set(unitCodeKey(u.unit_code), (unitsPerCode.get(unitCodeKey(u.unit_code)) ?? 0) + 1);
  const shared = new Set([...unitsPerCode].filter(([, n]) => n > 1).map(([code]) => code));
  if (shared.size === 0) return;
  const configured = schools.map((s, i) => ({ key: unitCodeKey(s.unitCode), i })).filter((s) => shared.has(s.key));
  if (configured.length > 0) {
    const keys = joined(configured.map((s) => safe`schools[${s.i}].unitCode`), ', ');
    throw new AppError(
      'schemaMismatch',
      safe`${where}: the unit code of ${keys} in the configuration is shared by more than one school unit, so which school is meant is unclear. Nothing was delivered. Give each school unit its own unit_code, or leave the other unit out of the schoolUnits query (\`procapita-sync help procapita-schema\`).`,
    );
  }
  warnings.push(safe`${where}: ${count(shared.size, 'unit code is', 'unit codes are')} shared by more than one school unit; none of them is configured, so no school is exported from them.`);
}

/** Rows taken a query at a time, a row at a time, and resolved to one per key at the end of the read. */
export interface DuplicateResolver {
  add<Q extends QueryName>(query: Q, row: Row<Q>): void;
  /** A query's rows kept so far. */
  kept<Q extends QueryName>(query: Q): readonly Row<Q>[];
  finish(): Resolved;
}

/** `where` names a query's origin in messages (table or query file, never a value). */
export function duplicateResolver(schools: RuleConfig['schools'], where: (query: QueryName) => SafeText): DuplicateResolver {
  const resolvers = Object.fromEntries(QUERY_NAMES.map((q) => [q, q === 'persons' ? personResolver(where(q)) : rowResolver(q, where(q))])) as Record<QueryName, QueryResolver>;
  return {
    add: (query, row) => resolvers[query].add(row),
    kept: <Q extends QueryName>(query: Q) => resolvers[query].kept as readonly Row<Q>[],
    finish() {
      const warnings: SafeText[] = [];
      const rows = Object.fromEntries(QUERY_NAMES.map((q) => [q, resolvers[q].finish(warnings)])) as unknown as SourceRows;
      checkUnitCodes(rows.schoolUnits, schools, where('schoolUnits'), warnings);
      const parents = { persons: resolvers.persons.positions!, classes: resolvers.classes.positions!, groups: resolvers.groups.positions!, activities: resolvers.activities.positions! };
      return { rows, positions: rowPositions(rows, parents, { persons: false, classes: false, groups: false, activities: false }), warnings };
    },
  };
}

/** The extract stage's last step for rows read all at once (a fixture): one row per key in every query. */
export function resolveDuplicates(rows: SourceRows, schools: RuleConfig['schools'], where: (query: QueryName) => SafeText): Resolved {
  const resolver = duplicateResolver(schools, where);
  for (const query of QUERY_NAMES) for (const row of rows[query]) resolver.add(query, row as never);
  return resolver.finish();
}
