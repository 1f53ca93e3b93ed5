/**
 * A person is exported when exported in at least one role. With neither a
 * placement nor an employment the reason is 'no-role'. A person with both can
 * be included in one role and excluded in the other.
 */
import { describe, expect, it } from 'vitest';
import { day, personOf, run, table, world, type World } from '../support/world';

describe('persons and roles', () => {
  it('a person with neither placement nor employment → no-role, no role decisions', () => {
    const { b } = world();
    const id = b.person();
    const p = personOf(run(b), id);
    expect(p).toEqual({ personId: id, protected: false, included: false, reason: 'no-role' });
  });

  it('a protected person with no role → protected-identity (the identity reason comes first)', () => {
    const { b } = world();
    const id = b.person({ protectedLevel: 1 });
    expect(personOf(run(b), id)).toMatchObject({ included: false, protected: true, reason: 'protected-identity' });
  });

  const cases = [
    {
      name: 'active placement and active employment',
      setup: (w: World) => {
        const id = w.b.student({ cls: w.cls });
        w.b.employment(id, { unit: w.school });
        return id;
      },
      student: { included: true },
      staff: { included: true },
    },
    {
      name: 'active placement, employment at a school not configured',
      setup: (w: World) => {
        const id = w.b.student({ cls: w.cls });
        w.b.employment(id, { unit: w.other });
        return id;
      },
      student: { included: true },
      staff: { included: false, reason: 'employment-school-not-included' },
    },
    {
      name: 'ended placement, active employment',
      setup: (w: World) => {
        const id = w.b.staff({ unit: w.school });
        w.b.placement(id, { cls: w.cls, start: '2025-08-18', end: '2026-06-12' });
        return id;
      },
      student: { included: false, reason: 'no-active-placement' },
      staff: { included: true },
    },
    {
      name: 'deregistered: excluded as student, still exported as staff',
      setup: (w: World) => {
        const id = w.b.staff({ unit: w.school, deregistered: true });
        w.b.placement(id, { cls: w.cls });
        return id;
      },
      student: { included: false, reason: 'deregistered' },
      staff: { included: true },
    },
    {
      name: 'placement starting D+2, employment starting D+15: neither yet',
      setup: (w: World) => {
        const id = w.b.staff({ unit: w.school, start: day(15) });
        w.b.placement(id, { cls: w.cls, start: day(2) });
        return id;
      },
      student: { included: false, reason: 'no-active-placement' },
      staff: { included: false, reason: 'no-active-employment' },
    },
  ];

  it.each(table(cases, (c) => c.name))('a person with both roles: %s', (_, { setup, student, staff }) => {
    const w = world();
    const id = setup(w);
    const p = personOf(run(w.b), id);
    expect(p.student).toMatchObject(student);
    expect(p.staff).toMatchObject(staff);
    expect(p.included).toBe(student.included || staff.included);
    expect(p.reason).toBeUndefined();
  });
});
