/**
 * The roster (what leaves the building) holds only included things: an
 * excluded student is never a member of any group, and personnummer appear
 * only when the configuration exports them.
 */
import { describe, expect, it } from 'vitest';
import { buildRoster } from '../../src/decide/roster';
import { checkPrivacy } from '../../src/guard/privacy';
import { rules } from '../support/builder';
import { D, day, run, world } from '../support/world';

/** A school with class 7B, a group and a teaching group linked to both; one student of each kind. */
function mixedSchool() {
  const w = world();
  const { b, school, cls, teacher } = w;
  const grp = b.group({ unit: school, name: 'Sv2 åk 7' });
  const activity = b.activity({ unit: school, name: 'Ma 7B', classes: [cls], groups: [grp], teachers: [teacher] });
  const included = b.student({ cls, given: 'Anna', family: 'Svensson', personalNumber: '201003151234' });
  const excluded = {
    'protected (level 1)': b.student({ cls, protectedLevel: 1 }),
    'protected (level 3)': b.student({ cls, protectedLevel: 3 }),
    'protected level NULL': b.student({ cls, protectedLevel: null }),
    deceased: b.student({ cls, deceased: true }),
    deregistered: b.student({ cls, deregistered: true }),
    'placement ended D−1': b.student({ cls, start: '2025-08-18', end: day(-1) }),
    'placement starts D+2': b.student({ cls, start: day(2) }),
    'only class not created': b.student({ cls: b.class({ unit: school, name: '7C' }) }),
    'no placement at all': b.person(),
  };
  for (const id of [included, ...Object.values(excluded)]) b.member(grp, id);
  return { ...w, grp, activity, included, excluded };
}

describe('excluded students never appear in any group', () => {
  const s = mixedSchool();
  const decisions = run(s.b);
  const roster = buildRoster(decisions, s.b.rows, rules());

  it.each(Object.entries(s.excluded))('student %s: excluded, in no decision group and nowhere in the roster', (_, id) => {
    expect(decisions.persons.find((p) => p.personId === id)?.included).toBe(false);
    for (const g of decisions.groups) expect(g.studentIds).not.toContain(id);
    expect(JSON.stringify(roster)).not.toContain(id);
  });

  it('the class and the teaching group list only the included student', () => {
    expect(roster.groups.map((g) => ({ id: g.id, kind: g.kind, teacherIds: g.teacherIds, studentIds: g.studentIds }))).toEqual(
      [
        { id: s.cls, kind: 'class', teacherIds: [s.teacher], studentIds: [s.included] },
        { id: s.activity, kind: 'teaching', teacherIds: [s.teacher], studentIds: [s.included] },
      ],
    );
  });

  it('the roster persons are the included student and the teacher, with their roles', () => {
    expect(roster.persons.map((p) => ({ id: p.id, roles: p.roles, schoolIds: p.schoolIds }))).toEqual(
      [
        { id: s.included, roles: ['student'], schoolIds: [s.school] },
        { id: s.teacher, roles: ['staff'], schoolIds: [s.school] },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(roster.syncDate).toBe(D);
    expect(roster.schools.map((x) => x.code)).toEqual(['KRSK']);
  });

  it('the privacy gate accepts the roster', () => {
    expect(() => checkPrivacy(roster, s.b.rows, rules())).not.toThrow();
  });
});

describe('personnummer in the roster', () => {
  it.each([
    { exportPersonalNumber: false, expected: undefined },
    { exportPersonalNumber: true, expected: '201003151234' },
  ])('exportPersonalNumber $exportPersonalNumber → personalNumber $expected', ({ exportPersonalNumber, expected }) => {
    const s = mixedSchool();
    const config = rules({ exportPersonalNumber });
    const roster = buildRoster(run(s.b, config), s.b.rows, config);
    const anna = roster.persons.find((p) => p.id === s.included)!;
    expect(anna).toMatchObject({ givenName: 'Anna', familyName: 'Svensson' });
    for (const p of roster.persons) expect('personalNumber' in p).toBe(exportPersonalNumber);
    expect(anna.personalNumber).toBe(expected);
    expect(JSON.stringify(roster).includes('201003151234')).toBe(exportPersonalNumber);
  });
});
