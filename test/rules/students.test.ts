/**
 * Student rule: exported only with an active class placement (start ≤ D+1,
 * end empty or ≥ D, NULL start = not active) in a class that is created at an
 * included school; not deregistered; not deceased. (Protected identity:
 * identity.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/decide/reasons';
import { D, day, failed, named, passed, personOf, run, world, type World } from '../support/world';

describe('student placement dates (class 7B runs 2026-08-17 – 2027-06-11; D = 2026-08-20)', () => {
  interface PlacementCase {
    readonly name: string;
    readonly start: string | null;
    readonly end: string | null;
    readonly reason: Reason | null;
    readonly text: string;
  }
  const cases: PlacementCase[] = [
    { name: 'placement starting on D', start: D, end: null, reason: null, text: 'placement in 7B at KRSK is active (2026-08-20 – no end date), in an included class' },
    { name: 'placement starting on D+1 (student lead day)', start: day(1), end: null, reason: null, text: 'placement in 7B at KRSK starts 2026-08-21, within the lead time (on or before 2026-08-21, sync date + 1 day), in an included class' },
    { name: 'placement starting on D+2', start: day(2), end: null, reason: 'no-active-placement', text: 'placement in 7B at KRSK starts 2026-08-22, after 2026-08-21 (sync date + 1 day)' },
    { name: 'placement that ended on D−1', start: '2026-08-17', end: day(-1), reason: 'no-active-placement', text: 'placement in 7B at KRSK ended 2026-08-19 (before 2026-08-20)' },
    { name: 'placement that ends on D (inclusive)', start: '2026-08-17', end: D, reason: null, text: 'placement in 7B at KRSK is active (2026-08-17 – 2026-08-20), in an included class' },
    { name: 'placement that ends on D+1', start: '2026-08-17', end: day(1), reason: null, text: 'placement in 7B at KRSK is active (2026-08-17 – 2026-08-21), in an included class' },
    { name: 'placement that ended at the end of last term', start: '2025-08-18', end: '2026-06-12', reason: 'no-active-placement', text: 'placement in 7B at KRSK ended 2026-06-12 (before 2026-08-20)' },
    { name: 'placement with NULL start date', start: null, end: null, reason: 'no-active-placement', text: 'placement in 7B at KRSK has no start date' },
    { name: 'placement with NULL start and a future end', start: null, end: '2027-06-11', reason: 'no-active-placement', text: 'placement in 7B at KRSK has no start date' },
  ];

  it.each(named(cases))('%s', (_, { start, end, reason, text }) => {
    const { b, cls, school } = world();
    const s = b.student({ cls, start, end });
    const p = personOf(run(b), s);
    expect(p.included).toBe(reason === null);
    expect(p.student?.included).toBe(reason === null);
    expect(p.student?.reason).toBe(reason ?? undefined);
    expect(p.reason).toBeUndefined(); // a role-level exclusion, not a person-level one
    if (reason === null) {
      expect(passed(p.student!.checks)).toContain(text);
      expect(p.student!.unitIds).toEqual([school]);
    } else {
      expect(failed(p.student!.checks)).toEqual([text]);
      expect(p.student!.unitIds).toEqual([]);
    }
  });
});

describe('student class and school', () => {
  interface ClassCase {
    readonly name: string;
    readonly reason: Reason | null;
    readonly text: string;
  }
  const NOT_INCLUDED = 'which is not an included school (not configured, or not active on 2026-08-20)';
  const cases: (ClassCase & { readonly setup: (w: World) => string })[] = [
    {
      name: 'class at a school that is not configured (OTHR)',
      setup: ({ b, other }) => b.class({ unit: other, name: '9A', teachers: [b.staff({ unit: other })] }),
      reason: 'placement-school-not-included',
      text: `placement in 9A at OTHR is active (2026-08-17 – no end date), but class 9A is not created: class 9A belongs to OTHR GR, ${NOT_INCLUDED}`,
    },
    {
      name: 'class in a school form that is not configured (KRSK GY)',
      setup: ({ b, school, teacher }) => b.class({ unit: school, form: 'GY', name: 'NA1', teachers: [teacher] }),
      reason: 'placement-school-not-included',
      text: `placement in NA1 at KRSK is active (2026-08-17 – no end date), but class NA1 is not created: class NA1 belongs to KRSK GY, ${NOT_INCLUDED}`,
    },
    {
      name: 'class at a configured school unit that ended yesterday',
      setup: ({ b, teacher }) => {
        const closed = b.school({ code: 'KRSK', name: 'Gamla Krokslätt', end: day(-1) });
        return b.class({ unit: closed, name: '7X', teachers: [teacher] });
      },
      reason: 'placement-school-not-included',
      text: `placement in 7X at KRSK is active (2026-08-17 – no end date), but class 7X is not created: class 7X belongs to KRSK GR, ${NOT_INCLUDED}`,
    },
    {
      name: 'class with no teacher (not created)',
      setup: ({ b, school }) => b.class({ unit: school, name: '7C' }),
      reason: 'placement-class-not-included',
      text: 'placement in 7C at KRSK is active (2026-08-17 – no end date), but class 7C is not created: no staff linked',
    },
    {
      name: 'class that ended yesterday (placement still open)',
      setup: ({ b, school, teacher }) => b.class({ unit: school, name: '6B', start: '2025-08-18', end: day(-1), teachers: [teacher] }),
      reason: 'placement-class-not-included',
      text: 'placement in 6B at KRSK is active (2025-08-18 – no end date), but class 6B is not created: class 6B ended 2026-08-19 (before 2026-08-20)',
    },
    {
      name: 'class with NULL end date',
      setup: ({ b, school, teacher }) => b.class({ unit: school, name: '7D', end: null, teachers: [teacher] }),
      reason: 'placement-class-not-included',
      text: 'placement in 7D at KRSK is active (2026-08-17 – no end date), but class 7D is not created: class 7D has no end date',
    },
    {
      name: 'class 7B: created, at an included school',
      setup: ({ cls }) => cls,
      reason: null,
      text: 'placement in 7B at KRSK is active (2026-08-17 – no end date), in an included class',
    },
  ];

  it.each(named(cases))('active placement in a %s', (_, { setup, reason, text }) => {
    const w = world();
    const cls = setup(w);
    const s = w.b.student({ cls });
    const p = personOf(run(w.b), s);
    expect(p.student?.included).toBe(reason === null);
    expect(p.student?.reason).toBe(reason ?? undefined);
    if (reason === null) expect(passed(p.student!.checks)).toContain(text);
    else expect(failed(p.student!.checks)).toEqual([text]);
  });

  it('an ended placement in 7B and an active one in 8A: included, via 8A', () => {
    const { b, school, teacher, cls } = world();
    const c8 = b.class({ unit: school, name: '8A', teachers: [teacher] });
    const s = b.student({ cls, start: '2025-08-18', end: '2026-06-12' });
    b.placement(s, { cls: c8, start: '2026-08-17' });
    const p = personOf(run(b), s);
    expect(p.student).toMatchObject({ included: true, unitIds: [school] });
    expect(failed(p.student!.checks)).toEqual(['placement in 7B at KRSK ended 2026-06-12 (before 2026-08-20)']);
  });

  it('an active placement at an included school beats one at another school for the reason: placement-class-not-included', () => {
    const { b, school, other } = world();
    const noTeacher = b.class({ unit: school, name: '7C' });
    const elsewhere = b.class({ unit: other, name: '9A' });
    const s = b.student({ cls: elsewhere });
    b.placement(s, { cls: noTeacher });
    expect(personOf(run(b), s).student?.reason).toBe('placement-class-not-included');
  });
});

describe('student flags', () => {
  const cases = [
    { name: 'neither deceased nor deregistered', deceased: false, deregistered: false, reason: null, text: null },
    { name: 'deregistered', deceased: false, deregistered: true, reason: 'deregistered', text: 'marked as deregistered' },
    { name: 'deceased', deceased: true, deregistered: false, reason: 'deceased', text: 'marked as deceased' },
    { name: 'deceased and deregistered (deceased is reported)', deceased: true, deregistered: true, reason: 'deceased', text: 'marked as deceased' },
  ] as const;

  it.each(named(cases))('student with an active placement, %s', (_, { deceased, deregistered, reason, text }) => {
    const { b, cls } = world();
    const s = b.student({ cls, deceased, deregistered });
    const d = run(b);
    const p = personOf(d, s);
    expect(p.included).toBe(reason === null);
    expect(p.student?.reason).toBe(reason ?? undefined);
    if (text !== null) expect(failed(p.student!.checks)[0]).toBe(text);
    else expect(failed(p.student!.checks)).toEqual([]);
    // an excluded student is not a member of the class either
    expect(d.groups.find((g) => g.id === cls)?.studentIds).toEqual(reason === null ? [s] : []);
  });
});
