/**
 * Protected identity fails closed, for students and staff alike: only level 0
 * is exported; 1, 2 and 3 are 'protected-identity'; NULL or any other value is
 * 'protected-identity-unknown' and adds a warning that names no one.
 */
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/decide/reasons';
import { groupOf, personOf, run, table, world, type World } from '../support/world';

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

interface LevelCase {
  readonly level: number | null;
  readonly reason: Reason | null;
}
const levels: LevelCase[] = [
  { level: 0, reason: null },
  { level: 1, reason: 'protected-identity' },
  { level: 2, reason: 'protected-identity' },
  { level: 3, reason: 'protected-identity' },
  { level: null, reason: 'protected-identity-unknown' },
  { level: 7, reason: 'protected-identity-unknown' },
  { level: 4, reason: 'protected-identity-unknown' },
  { level: -1, reason: 'protected-identity-unknown' },
];

const roles = [
  { role: 'student' as const, add: (w: World, level: number | null) => w.b.student({ cls: w.cls, protectedLevel: level, given: 'Hemliga', family: 'Personsson', personalNumber: '201003159999' }) },
  { role: 'staff' as const, add: (w: World, level: number | null) => w.b.staff({ unit: w.school, protectedLevel: level, given: 'Hemliga', family: 'Personsson', personalNumber: '198001019999' }) },
];

describe.each(roles)('protected identity of a $role', ({ role, add }) => {
  it.each(table(levels, (l) => `protected_identity ${l.level} → ${l.reason ?? 'included'}`))('%s', (_, { level, reason }) => {
    const w = world();
    const id = add(w, level);
    const d = run(w.b);
    const p = personOf(d, id);
    const roleDecision = p[role]!;
    expect(p.included).toBe(reason === null);
    expect(p.protected).toBe(reason !== null);
    expect(p.reason).toBe(reason ?? undefined);
    expect(roleDecision.included).toBe(reason === null);
    expect(roleDecision.reason).toBe(reason ?? undefined);
    if (reason === null) expect(roleDecision.checks[0]!.toJSON()).toEqual({ ok: true, text: 'no protected identity (level 0)' });

    if (reason === 'protected-identity-unknown') {
      expect(d.warnings).toHaveLength(1);
      const warning = d.warnings[0]!;
      expect(warning).toBe(
        '1 person has an unknown protected-identity level (NULL or not 0–3) and was left out to be safe. Check the protected-identity field in ProCapita.',
      );
      expect(warning).not.toMatch(GUID);
      for (const secret of ['Hemliga', 'Personsson', '9999', id]) expect(warning).not.toContain(secret);
    } else {
      expect(d.warnings).toEqual([]);
    }
  });
});

describe('protected identity, more than one person', () => {
  it('the warning counts students and staff with an unknown level and names none of them', () => {
    const w = world();
    const ids = [w.b.student({ cls: w.cls, protectedLevel: null }), w.b.staff({ unit: w.school, protectedLevel: 9 })];
    const d = run(w.b);
    expect(d.warnings).toEqual([
      '2 persons have an unknown protected-identity level (NULL or not 0–3) and were left out to be safe. Check the protected-identity field in ProCapita.',
    ]);
    for (const id of ids) expect(personOf(d, id).reason).toBe('protected-identity-unknown');
    expect(d.warnings.join('\n')).not.toMatch(GUID);
  });

  it('a person with neither role and an unknown level is left out but not counted in the warning (src commit b584f16)', () => {
    const w = world();
    const id = w.b.person({ protectedLevel: null });
    const d = run(w.b);
    expect(personOf(d, id)).toMatchObject({ included: false, protected: true, reason: 'protected-identity-unknown' });
    expect(d.warnings).toEqual([]);
  });

  it('a person row with protected_identity NULL added raw (as the extract stage yields it) is left out', () => {
    const w = world();
    const id = w.b.id('person');
    w.b.raw('persons', { person_id: id, given_name: null, family_name: null, personal_number: null, email: null, protected_identity: null, deregistered: false, deceased: false });
    w.b.placement(id, { cls: w.cls });
    const d = run(w.b);
    expect(personOf(d, id)).toMatchObject({ included: false, protected: true, reason: 'protected-identity-unknown' });
    expect(groupOf(d, w.cls).studentIds).not.toContain(id);
  });
});

describe('a protected person is named nowhere in the decisions', () => {
  it.each([1, 2, 3, null, 7])('protected_identity %s: no name or personnummer in any decision, check or warning', (level) => {
    const w = world();
    const s = w.b.student({ cls: w.cls, protectedLevel: level, given: 'Hemliga', family: 'Personsson', personalNumber: '201003159999' });
    const t = w.b.staff({ unit: w.school, protectedLevel: level, given: 'Dolda', family: 'Lärarsson', personalNumber: '198001019999' });
    w.b.classTeacher(w.cls, t);
    const grp = w.b.group({ unit: w.school });
    w.b.member(grp, s);
    w.b.activity({ unit: w.school, groups: [grp], classes: [w.cls], teachers: [t] });
    const d = run(w.b);
    const text = JSON.stringify(d);
    for (const secret of ['Hemliga', 'Personsson', 'Dolda', 'Lärarsson', '201003159999', '198001019999']) expect(text).not.toContain(secret);
    for (const id of [s, t]) {
      const p = personOf(d, id);
      expect(p.student?.checks ?? []).toEqual([]);
      expect(p.staff?.checks ?? []).toEqual([]);
      for (const g of d.groups) {
        expect(g.studentIds).not.toContain(id);
        expect(g.teacherIds).not.toContain(id);
      }
    }
  });
});

describe('a protected teacher does not count as a teacher', () => {
  it.each([1, 2, 3, null, 7])('a class whose only teacher has protected_identity %s → class-no-teacher', (level) => {
    const { b, school } = world();
    const t = b.staff({ unit: school, protectedLevel: level });
    const c = b.class({ unit: school, name: '7P', teachers: [t] });
    const g = groupOf(run(b), c);
    expect(g).toMatchObject({ included: false, reason: 'class-no-teacher', teacherIds: [] });
  });
});
