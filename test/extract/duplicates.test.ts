import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { CONTRACT, QUERY_NAMES, type PersonRow, type QueryName, type SourceRows } from '../../src/extract/contract';
import { resolveDuplicates } from '../../src/extract/duplicates';
import { ours, safe } from '../../src/safe-text';
import { rules } from '../support/builder';
import { world } from '../support/world';

const where = (q: QueryName) => safe`Table ${ours(CONTRACT[q].table)}`;
const SCHOOLS = rules().schools;

/** The standard world plus a pupil, a group with a member and an activity with every kind of link: a row in every query. */
function full() {
  const { b, school, teacher, cls } = world();
  const pupil = b.student({ cls, given: 'Sara', family: 'Dubbel', personalNumber: '201003150017' });
  const group = b.group({ unit: school, name: 'Sv2' });
  b.member(group, pupil);
  b.activity({ unit: school, name: 'Ma 7B', classes: [cls], groups: [group], teachers: [teacher] });
  const rows = b.rows;
  for (const q of QUERY_NAMES) expect(rows[q].length, q).toBeGreaterThan(0);
  return { rows, pupil };
}

/** `rows` with `extra` appended to one query (a JOIN's repeat, as the source would hand it on). */
const plus = <Q extends QueryName>(rows: SourceRows, q: Q, ...extra: SourceRows[Q][number][]): SourceRows => ({ ...rows, [q]: [...rows[q], ...extra] });

/** The rows with the pupil's person row replaced by `copies`, in this order. */
function personOnRows(rows: SourceRows, id: string, copies: Partial<PersonRow>[]): SourceRows {
  const row = rows.persons.find((p) => p.person_id === id)!;
  return { ...rows, persons: [...rows.persons.filter((p) => p !== row), ...copies.map((c) => ({ ...row, ...c }))] };
}

function thrown(f: () => unknown): AppError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected an AppError');
}

describe('resolveDuplicates: a person on more than one row', () => {
  const { rows, pupil } = full();

  it.each([
    [[0, 1], 1],
    [[1, 0], 1],
    [[0, null], null],
    [[null, 0], null],
    [[2, null, 0], null],
    [[3, 1], 3],
    [[1, 9], 9],
    [[0, -1], -1],
    [[-1, 0], -1],
    [[0, 0], 0],
  ] as const)('levels %j merge to %j, whatever the order', (levels, merged) => {
    const r = resolveDuplicates(personOnRows(rows, pupil, levels.map((l) => ({ protected_identity: l }))), SCHOOLS, where);
    const mine = r.rows.persons.filter((p) => p.person_id === pupil);
    expect(mine).toHaveLength(1);
    expect(mine[0]!.protected_identity).toBe(merged);
    expect(r.rows.persons).toHaveLength(rows.persons.length);
    expect(r.warnings).toEqual(['Table person: 1 person id appeared on more than one row; each was merged, and protected where any row was.']);
  });

  it('deregistered and deceased hold when any row says so; the other columns are kept', () => {
    const r = resolveDuplicates(personOnRows(rows, pupil, [{ deregistered: true }, { deceased: true }, {}]), SCHOOLS, where);
    const original = rows.persons.find((p) => p.person_id === pupil)!;
    expect(r.rows.persons.find((p) => p.person_id === pupil)).toEqual({ ...original, deregistered: true, deceased: true });
  });

  it('counts several persons and names none of them', () => {
    let twice = rows;
    for (const p of rows.persons) twice = personOnRows(twice, p.person_id, [{}, { protected_identity: 1 }]);
    const r = resolveDuplicates(twice, SCHOOLS, where);
    expect(r.rows.persons.map((p) => p.protected_identity)).toEqual(rows.persons.map(() => 1));
    expect(r.warnings).toEqual([`Table person: ${rows.persons.length} person ids appeared on more than one row; each was merged, and protected where any row was.`]);
    for (const p of rows.persons) for (const v of [p.person_id, p.given_name!, p.family_name!, p.personal_number!]) expect(r.warnings.join('\n')).not.toContain(v);
  });

  it.each(['given_name', 'family_name', 'personal_number', 'email'] as const)('rows that differ in %s stop the run (exit 5), naming the column, never a value', (column) => {
    const other = { given_name: 'Annan', family_name: 'Person', personal_number: '201004040040', email: 'annan@example.se' }[column];
    for (const copies of [[{}, { [column]: other }], [{ [column]: other }, { protected_identity: 1 }]]) {
      const err = thrown(() => resolveDuplicates(personOnRows(rows, pupil, copies), SCHOOLS, where));
      expect(err.code).toBe('schemaMismatch');
      expect(err.message).toBe(
        `Table person: 1 person id is on more than one row, and the rows differ in ${column}, so which is right is unclear. Nothing was delivered. Check the query: a join can repeat a person (\`procapita-sync help procapita-schema\`).`,
      );
    }
  });

  it('no repeated key: the rows as they were and no warning', () => {
    const r = resolveDuplicates(rows, SCHOOLS, where);
    expect(r.rows).toEqual(rows);
    expect(r.warnings).toEqual([]);
  });
});

describe('resolveDuplicates: the other tables', () => {
  const { rows } = full();
  const others = QUERY_NAMES.filter((q) => q !== 'persons');

  it.each(others)('%s: a row repeated exactly is dropped, with a counted warning naming the table', (q) => {
    const first = rows[q][0]!;
    const r = resolveDuplicates(plus(rows, q, { ...first }, { ...first }), SCHOOLS, where);
    expect(r.rows).toEqual(rows);
    expect(r.warnings).toEqual([`Table ${CONTRACT[q].table}: 2 rows repeated another row exactly; the repeats were dropped.`]);
  });

  const ownId = { schoolUnits: 'unit_id', classes: 'class_id', classPlacements: 'placement_id', groups: 'group_id', employments: 'employment_id', activities: 'activity_id' } as const;

  it.each(Object.entries(ownId) as [keyof typeof ownId, string][])('%s: two different rows with one %s stop the run (exit 5), naming table and column, never a value', (q, id) => {
    const first = rows[q][0]!;
    // A date every one of these tables has, changed: the same id, another row.
    const other = { ...first, start_date: '2001-02-03' };
    for (const order of [plus(rows, q, other), { ...rows, [q]: [other, ...rows[q]] }]) {
      const err = thrown(() => resolveDuplicates(order, SCHOOLS, where));
      expect(err.code).toBe('schemaMismatch');
      expect(err.message).toBe(
        `Table ${CONTRACT[q].table}: 1 ${id} value is on more than one row, and the rows differ, so which is right is unclear. Nothing was delivered. Check the query: a join can repeat a row (\`procapita-sync help procapita-schema\`).`,
      );
      expect(err.message).not.toContain((first as Record<string, unknown>)[id]);
    }
  });

  it.each(['schoolUnitForms', 'groupMemberships', 'classStaff', 'activityClasses', 'activityGroups', 'activityStaff'] as const)('%s has no id of its own: rows that differ are kept, both', (q) => {
    const first = rows[q][0]! as Record<string, unknown>;
    const column = Object.keys(CONTRACT[q].columns).at(-1)!;
    const other = { ...first, [column]: column.endsWith('_date') ? '2001-02-03' : column === 'school_form' ? 'FK' : '00000009-0000-4000-8000-000000000999' };
    const r = resolveDuplicates(plus(rows, q, other as never), SCHOOLS, where);
    expect(r.rows[q]).toHaveLength(rows[q].length + 1);
    expect(r.warnings).toEqual([]);
  });
});

describe('resolveDuplicates: one unit code on two school units', () => {
  const { rows } = full();
  const krsk = rows.schoolUnits.find((u) => u.unit_code === 'KRSK')!;

  it.each(['KRSK', ' krsk '])('stops the run (exit 5) when the code is configured (%j: as the rules compare it), naming the config key, not the code', (code) => {
    const shared = plus(rows, 'schoolUnits', { ...krsk, unit_id: '00000001-0000-4000-8000-000000000abc', unit_code: code, name: 'Nya skolan' });
    const err = thrown(() => resolveDuplicates(shared, [{ unitCode: 'OTHR', schoolForm: 'GR' }, ...SCHOOLS], where));
    expect(err.code).toBe('schemaMismatch');
    expect(err.message).toBe(
      'Table school_unit: the unit code of schools[1].unitCode in the configuration is shared by more than one school unit, so which school is meant is unclear. Nothing was delivered. Give each school unit its own unit_code, or leave the other unit out of the schoolUnits query (`procapita-sync help procapita-schema`).',
    );
    expect(err.message).not.toMatch(/krsk|Nya/i);
  });

  it('is a counted warning when no configured school uses the code', () => {
    const shared = plus(rows, 'schoolUnits', { ...krsk, unit_id: '00000001-0000-4000-8000-000000000abc', name: 'Nya skolan' });
    const r = resolveDuplicates(shared, [{ unitCode: 'OTHR', schoolForm: 'GR' }], where);
    expect(r.rows).toEqual(shared);
    expect(r.warnings).toEqual(['Table school_unit: 1 unit code is shared by more than one school unit; none of them is configured, so no school is exported from them.']);
  });

  it('the same unit on two identical rows is one unit, not a shared code', () => {
    const r = resolveDuplicates(plus(rows, 'schoolUnits', { ...krsk }), SCHOOLS, where);
    expect(r.rows).toEqual(rows);
    expect(r.warnings).toEqual(['Table school_unit: 1 row repeated another row exactly; the repeats were dropped.']);
  });
});
