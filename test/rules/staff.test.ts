/**
 * Staff rule: exported with an employment at an included school unit (any
 * configured school form) that starts on or before D+14 and has not ended
 * (end empty or ≥ D); not deceased. Deregistered does not matter for staff.
 * (Protected identity: identity.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/decide/reasons';
import { FixtureBuilder, rules } from '../support/builder';
import { D, day, failed, named, passed, personOf, run, world } from '../support/world';

describe('staff employment dates (KRSK is included; D = 2026-08-20)', () => {
  interface EmploymentCase {
    readonly name: string;
    readonly start: string | null;
    readonly end: string | null;
    readonly reason: Reason | null;
    readonly text: string;
  }
  const cases: EmploymentCase[] = [
    { name: 'employment since 2020, open end', start: '2020-01-01', end: null, reason: null, text: 'employment at KRSK is active (2020-01-01 – no end date)' },
    { name: 'employment starting on D', start: D, end: null, reason: null, text: 'employment at KRSK is active (2026-08-20 – no end date)' },
    {
      name: 'employment starting on D+14 (staff lead days)',
      start: day(14),
      end: null,
      reason: null,
      text: 'employment at KRSK starts 2026-09-03, within the lead time (on or before 2026-09-03, sync date + 14 days)',
    },
    { name: 'employment starting on D+15', start: day(15), end: null, reason: 'no-active-employment', text: 'employment at KRSK starts 2026-09-04, after 2026-09-03 (sync date + 14 days)' },
    { name: 'employment that ended on D−1', start: '2020-01-01', end: day(-1), reason: 'no-active-employment', text: 'employment at KRSK ended 2026-08-19 (before 2026-08-20)' },
    { name: 'employment that ends on D (inclusive)', start: '2020-01-01', end: D, reason: null, text: 'employment at KRSK is active (2020-01-01 – 2026-08-20)' },
    { name: 'employment that ends on D+1', start: '2020-01-01', end: day(1), reason: null, text: 'employment at KRSK is active (2020-01-01 – 2026-08-21)' },
    { name: 'employment with NULL start date', start: null, end: null, reason: 'no-active-employment', text: 'employment at KRSK has no start date' },
  ];

  it.each(named(cases))('%s', (_, { start, end, reason, text }) => {
    const { b, school } = world();
    const t = b.staff({ unit: school, start, end });
    const p = personOf(run(b), t);
    expect(p.included).toBe(reason === null);
    expect(p.staff?.included).toBe(reason === null);
    expect(p.staff?.reason).toBe(reason ?? undefined);
    expect(p.student).toBeUndefined();
    if (reason === null) {
      expect(passed(p.staff!.checks)).toContain(text);
      expect(p.staff!.unitIds).toEqual([school]);
    } else {
      expect(failed(p.staff!.checks)).toEqual([text]);
      expect(p.staff!.unitIds).toEqual([]);
    }
  });
});

describe('staff school', () => {
  it('employment at a school that is not configured → employment-school-not-included', () => {
    const { b, other } = world();
    const t = b.staff({ unit: other });
    const p = personOf(run(b), t);
    expect(p.staff).toMatchObject({ included: false, reason: 'employment-school-not-included' });
    expect(failed(p.staff!.checks)).toEqual(['employment at OTHR (2020-01-01 – no end date): OTHR is not an included school']);
  });

  it('employment at a configured school unit that ended yesterday → employment-school-not-included', () => {
    const b = new FixtureBuilder();
    const closed = b.school({ code: 'KRSK', end: day(-1) });
    const t = b.staff({ unit: closed });
    expect(personOf(run(b), t).staff).toMatchObject({ included: false, reason: 'employment-school-not-included' });
  });

  it('an active employment elsewhere and an ended one at KRSK → no-active-employment (KRSK is included)', () => {
    const { b, school, other } = world();
    const t = b.staff({ unit: other });
    b.employment(t, { unit: school, start: '2020-01-01', end: '2026-06-30' });
    expect(personOf(run(b), t).staff).toMatchObject({ included: false, reason: 'no-active-employment' });
  });

  it('employment at a unit included through any configured form: KRSK GR inactive, KRSK GY active → included', () => {
    const b = new FixtureBuilder();
    const unit = b.school({ code: 'KRSK', forms: [{ form: 'GR', start: '2020-01-01', end: '2026-06-30' }, { form: 'GY' }] });
    const t = b.staff({ unit });
    const d = run(b, rules({ schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }, { unitCode: 'KRSK', schoolForm: 'GY' }] }));
    expect(personOf(d, t).staff).toMatchObject({ included: true, unitIds: [unit] });
  });

  it('employments at two included units: both units listed', () => {
    const b = new FixtureBuilder();
    const krsk = b.school({ code: 'KRSK' });
    const almo = b.school({ code: 'ALMO' });
    const t = b.staff({ unit: krsk });
    b.employment(t, { unit: almo });
    const d = run(b, rules({ schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }, { unitCode: 'ALMO', schoolForm: 'GR' }] }));
    expect(personOf(d, t).staff?.unitIds).toEqual([krsk, almo].sort());
  });
});

describe('staff flags', () => {
  const cases = [
    { name: 'neither deceased nor deregistered', deceased: false, deregistered: false, reason: null },
    { name: 'deceased', deceased: true, deregistered: false, reason: 'deceased' },
    { name: 'deregistered (does not matter for staff)', deceased: false, deregistered: true, reason: null },
    { name: 'deceased and deregistered', deceased: true, deregistered: true, reason: 'deceased' },
  ] as const;

  it.each(named(cases))('staff with an active employment, %s', (_, { deceased, deregistered, reason }) => {
    const { b, school } = world();
    const t = b.staff({ unit: school, deceased, deregistered });
    const p = personOf(run(b), t);
    expect(p.included).toBe(reason === null);
    expect(p.staff?.reason).toBe(reason ?? undefined);
    expect(failed(p.staff!.checks)).toEqual(reason === 'deceased' ? ['marked as deceased'] : []);
  });
});
