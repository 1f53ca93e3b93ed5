import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide/decide';
import { QUERY_NAMES, type QueryName, type SourceRows } from '../../src/extract/contract';
import { duplicateResolver, resolveDuplicates } from '../../src/extract/duplicates';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { positionsOfRows, type RowPositions } from '../../src/extract/positions';
import { ours } from '../../src/safe-text';
import { generateMunicipality } from '../demo/generate';
import { rules } from '../support/builder';
import { world } from '../support/world';

const where = () => ours('test rows');
const LINK_COLUMNS: Record<string, string[]> = {
  classPlacements: ['person_id', 'class_id'],
  classStaff: ['class_id', 'person_id'],
  groupMemberships: ['group_id', 'person_id'],
  employments: ['person_id'],
  activityClasses: ['activity_id', 'class_id'],
  activityGroups: ['activity_id', 'group_id'],
  activityStaff: ['activity_id', 'person_id'],
};
const PARENT_OF: Record<string, [QueryName, string]> = {
  person_id: ['persons', 'person_id'],
  class_id: ['classes', 'class_id'],
  group_id: ['groups', 'group_id'],
  activity_id: ['activities', 'activity_id'],
};

/** Each link row's parents looked up the plain way: the last row with that id, or −1. */
function expectedLinks(rows: SourceRows): Record<string, Record<string, number[]>> {
  const last = (table: QueryName, column: string) => {
    const m = new Map<unknown, number>();
    (rows[table] as readonly Record<string, unknown>[]).forEach((r, i) => m.set(r[column], i));
    return m;
  };
  return Object.fromEntries(
    Object.entries(LINK_COLUMNS).map(([table, columns]) => [
      table,
      Object.fromEntries(
        columns.map((c) => {
          const parent = last(...PARENT_OF[c]!);
          return [c, (rows[table as QueryName] as readonly Record<string, unknown>[]).map((r) => parent.get(r[c]) ?? -1)];
        }),
      ),
    ]),
  );
}

const plainLinks = (p: RowPositions) =>
  Object.fromEntries(Object.entries(p.links).map(([t, cols]) => [t, Object.fromEntries(Object.entries(cols as Record<string, Int32Array>).map(([c, a]) => [c, Array.from(a)]))]));

/** Rows of a generated municipality, through the resolver in the SQL source's reading order (persons last). */
function readInSqlOrder(rows: SourceRows, schools: ReturnType<typeof rules>['schools']) {
  const order: QueryName[] = [...QUERY_NAMES.filter((q) => q !== 'persons'), 'persons'];
  const resolver = duplicateResolver(schools, where);
  for (const q of order) for (const row of rows[q]) resolver.add(q, row as never);
  return resolver.finish();
}

describe('row positions: where each link row points', () => {
  const m = generateMunicipality('medium', 1);
  const raw = fixtureToRows(m.fixture, ours('generated medium'));

  it('are the same whether persons come first (a fixture) or last (the SQL source), and as a plain lookup gives', () => {
    const fixtureOrder = resolveDuplicates(raw, m.schools, where);
    const sqlOrder = readInSqlOrder(raw, m.schools);
    const expected = expectedLinks(fixtureOrder.rows);
    expect(plainLinks(fixtureOrder.positions)).toEqual(expected);
    expect(plainLinks(sqlOrder.positions)).toEqual(expectedLinks(sqlOrder.rows));
    expect(plainLinks(positionsOfRows(fixtureOrder.rows))).toEqual(expected);
    // Not vacuous: most links find their parent, and some (a person the query left out) do not.
    const persons = expected.classPlacements!.person_id!;
    expect(persons.filter((p) => p >= 0).length).toBeGreaterThan(persons.length / 2);
  });

  it('give decide() the decisions it makes when it works them out itself', () => {
    const { rows, positions } = readInSqlOrder(raw, m.schools);
    const config = { schools: m.schools, leadDays: { staff: 14, students: 1 }, teachingGroups: { select: 'notesMarker' as const }, exportPersonalNumber: false, allowPersonalNumberInEmail: false, requireEmail: false };
    const given = decide(rows, config, m.syncDate, undefined, positions);
    const found = decide(rows, config, m.syncDate);
    expect(JSON.stringify(given)).toBe(JSON.stringify(found));
    expect(given.persons.filter((p) => p.included).length).toBeGreaterThan(100);
  });

  it('are not used for other arrays than the ones they were made for', () => {
    const { rows, positions } = resolveDuplicates(raw, m.schools, where);
    // A test's hook, say, hands decide a changed copy: the positions given are of the old arrays.
    const fewer = { ...rows, persons: rows.persons.slice(1) };
    const config = { schools: m.schools, leadDays: { staff: 14, students: 1 }, teachingGroups: { select: 'notesMarker' as const }, exportPersonalNumber: false, allowPersonalNumberInEmail: false, requireEmail: false };
    expect(JSON.stringify(decide(fewer, config, m.syncDate, undefined, positions))).toBe(JSON.stringify(decide(fewer, config, m.syncDate)));
  });

  it('name the last row of an id, and know when an id is on two rows', () => {
    const { b, cls } = world();
    const pupil = b.student({ cls, given: 'Sara', family: 'Dubbel' });
    const rows = b.rows;
    const twice = { ...rows, persons: [...rows.persons, { ...rows.persons.find((p) => p.person_id === pupil)! }] };
    const p = positionsOfRows(twice);
    expect(p.distinct('persons')).toBe(false);
    expect(p.parents.persons.get(pupil)).toBe(twice.persons.length - 1);
    expect(p.parents.persons.get('no-such-id')).toBeUndefined();
    expect(positionsOfRows(rows).distinct('persons')).toBe(true);
  });
});
