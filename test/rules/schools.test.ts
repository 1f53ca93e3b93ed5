/**
 * School rule: a configured (unit code, school form) pair is included when the
 * unit exists, is active on D (start ≤ D, end empty or ≥ D, NULL start = not
 * active) and has that school form in a row that is also active on D.
 */
import { describe, expect, it } from 'vitest';
import type { Reason } from '../../src/decide/reasons';
import { FixtureBuilder, rules, type SchoolFormSpec } from '../support/builder';
import { D, failed, named, passed, run, schoolOf } from '../support/world';

interface SchoolCase {
  readonly name: string;
  readonly start: string | null;
  readonly end: string | null;
  readonly forms: readonly SchoolFormSpec[];
  readonly reason: Reason | null;
  /** The failing check (or, for an included school, a check that held). */
  readonly text: string;
}

const GR_ALWAYS: SchoolFormSpec = { form: 'GR', start: '2020-01-01', end: null };

const cases: SchoolCase[] = [
  { name: 'active unit with an active GR form', start: '2020-01-01', end: null, forms: [GR_ALWAYS], reason: null, text: 'school unit Krokslätts skola (KRSK) is active on 2026-08-20 (2020-01-01 – no end date)' },
  { name: 'unit that starts on D', start: D, end: null, forms: [GR_ALWAYS], reason: null, text: 'school unit Krokslätts skola (KRSK) is active on 2026-08-20 (2026-08-20 – no end date)' },
  { name: 'unit that ends on D (end date inclusive)', start: '2020-01-01', end: D, forms: [GR_ALWAYS], reason: null, text: 'school unit Krokslätts skola (KRSK) is active on 2026-08-20 (2020-01-01 – 2026-08-20)' },
  { name: 'unit that ended yesterday (D−1)', start: '2020-01-01', end: '2026-08-19', forms: [GR_ALWAYS], reason: 'school-unit-inactive', text: 'school unit Krokslätts skola (KRSK) ended 2026-08-19 (before 2026-08-20)' },
  { name: 'unit that starts tomorrow (D+1)', start: '2026-08-21', end: null, forms: [GR_ALWAYS], reason: 'school-unit-inactive', text: 'school unit Krokslätts skola (KRSK) starts 2026-08-21, after the sync date 2026-08-20' },
  { name: 'unit with NULL start date', start: null, end: null, forms: [GR_ALWAYS], reason: 'school-unit-inactive', text: 'school unit Krokslätts skola (KRSK) has no start date' },
  { name: 'unit without the configured form (only GY)', start: '2020-01-01', end: null, forms: [{ form: 'GY', start: '2020-01-01', end: null }], reason: 'school-form-missing', text: 'Krokslätts skola (KRSK) has no school form GR in ProCapita' },
  { name: 'unit with no form rows at all', start: '2020-01-01', end: null, forms: [], reason: 'school-form-missing', text: 'Krokslätts skola (KRSK) has no school form GR in ProCapita' },
  { name: 'GR form that ended yesterday', start: '2020-01-01', end: null, forms: [{ form: 'GR', start: '2020-01-01', end: '2026-08-19' }], reason: 'school-form-inactive', text: 'school form GR at KRSK ended 2026-08-19 (before 2026-08-20)' },
  { name: 'GR form that ends on D', start: '2020-01-01', end: null, forms: [{ form: 'GR', start: '2020-01-01', end: D }], reason: null, text: 'school form GR at KRSK is active on 2026-08-20 (2020-01-01 – 2026-08-20)' },
  { name: 'GR form that starts tomorrow', start: '2020-01-01', end: null, forms: [{ form: 'GR', start: '2026-08-21', end: null }], reason: 'school-form-inactive', text: 'school form GR at KRSK starts 2026-08-21, after the sync date 2026-08-20' },
  { name: 'GR form with NULL start date', start: '2020-01-01', end: null, forms: [{ form: 'GR', start: null, end: null }], reason: 'school-form-inactive', text: 'school form GR at KRSK has no start date' },
  {
    name: 'two GR form rows, an ended one and an active one',
    start: '2020-01-01',
    end: null,
    forms: [{ form: 'GR', start: '2015-01-01', end: '2019-12-31' }, { form: 'GR', start: '2020-01-01', end: null }],
    reason: null,
    text: 'school form GR at KRSK is active on 2026-08-20 (2020-01-01 – no end date)',
  },
  { name: 'unit inactive and form missing: the unit is reported first', start: '2020-01-01', end: '2026-08-19', forms: [], reason: 'school-unit-inactive', text: 'school unit Krokslätts skola (KRSK) ended 2026-08-19 (before 2026-08-20)' },
];

describe('school rule: configured pair, unit active on D, school form active on D', () => {
  it.each(named(cases))('%s', (_, { start, end, forms, reason, text }) => {
    const b = new FixtureBuilder();
    const unit = b.school({ code: 'KRSK', name: 'Krokslätts skola', start, end, forms });
    const d = run(b);
    const s = schoolOf(d, 'KRSK', 'GR');
    expect(s.unitId).toBe(unit);
    expect(s.included).toBe(reason === null);
    expect(s.reason).toBe(reason ?? undefined);
    expect(passed(s.checks)).toContain('KRSK GR is in the configured school list');
    if (reason === null) {
      expect(failed(s.checks)).toEqual([]);
      expect(passed(s.checks)).toContain(text);
    } else {
      expect(failed(s.checks)[0]).toBe(text);
    }
    expect(d.warnings).toEqual([]);
  });

  it('a configured school that does not exist: school-not-found, no unit id, and a warning', () => {
    const b = new FixtureBuilder();
    b.school({ code: 'KRSK' });
    const d = run(b, rules({ schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }, { unitCode: 'NOPE', schoolForm: 'GR' }] }));
    const s = schoolOf(d, 'NOPE', 'GR');
    expect(s).toMatchObject({ included: false, reason: 'school-not-found', unitId: null });
    expect(failed(s.checks)).toEqual(['no school unit with code NOPE in ProCapita']);
    expect(d.warnings).toEqual(['Configured school unit NOPE (GR) was not found in ProCapita.']);
    expect(schoolOf(d, 'KRSK', 'GR').included).toBe(true);
  });

  it('only configured pairs get a decision: KRSK also teaching GY is not included as GY', () => {
    const b = new FixtureBuilder();
    b.school({ code: 'KRSK', forms: ['GR', 'GY'] });
    b.school({ code: 'OTHR', forms: ['GR'] });
    const d = run(b);
    expect(d.schools.map((s) => `${s.unitCode} ${s.schoolForm} ${s.included}`)).toEqual(['KRSK GR true']);
  });

  it('both forms of one unit can be configured and are decided separately', () => {
    const b = new FixtureBuilder();
    b.school({ code: 'KRSK', forms: [{ form: 'GR' }, { form: 'GY', start: '2020-01-01', end: '2026-06-30' }] });
    const d = run(b, rules({ schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }, { unitCode: 'KRSK', schoolForm: 'GY' }] }));
    expect(schoolOf(d, 'KRSK', 'GR').included).toBe(true);
    expect(schoolOf(d, 'KRSK', 'GY')).toMatchObject({ included: false, reason: 'school-form-inactive' });
  });
});
