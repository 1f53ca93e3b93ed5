/** The test fixture builder itself: its rows and its JSON fixture say the same thing. */
import { describe, expect, it } from 'vitest';
import { CONTRACT, QUERY_NAMES } from '../../src/extract/contract';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { FixtureBuilder, rules } from '../support/builder';
import { ours } from '../../src/safe-text';

function sample(): FixtureBuilder {
  const b = new FixtureBuilder();
  const school = b.school({ code: 'KRSK', forms: ['GR'], start: '2020-01-01', end: null });
  const t = b.staff({ unit: school, start: '2026-01-01', end: null, protectedLevel: 0 });
  const c = b.class({ unit: school, form: 'GR', name: '7B', start: '2026-08-17', end: '2027-06-11', teachers: [t] });
  const s = b.student({ cls: c, start: '2026-08-17', end: null, given: 'Anna', family: 'Svensson', protectedLevel: 0, deceased: false, deregistered: false });
  const g = b.group({ unit: school, name: 'Sv2' });
  b.member(g, s, { start: '2026-08-17', end: null });
  b.activity({ unit: school, form: 'GR', name: 'Ma 7B', notes: 'PORTAL', start: '2026-08-17', end: null, cancelled: false, classes: [c], groups: [g], teachers: [t] });
  const both = b.student({ cls: c, protectedLevel: null });
  b.employment(both, { unit: school });
  return b;
}

describe('FixtureBuilder', () => {
  it('creates nothing by default, but all 13 arrays are present', () => {
    const rows = new FixtureBuilder().rows;
    expect(Object.keys(rows).sort()).toEqual([...QUERY_NAMES].sort());
    expect(QUERY_NAMES).toHaveLength(13);
    for (const q of QUERY_NAMES) expect(rows[q]).toEqual([]);
  });

  it('fixture() is keyed by table name and reads back (fixtureToRows) as exactly b.rows', () => {
    const b = sample();
    const fixture = b.fixture();
    expect(Object.keys(fixture).sort()).toEqual(QUERY_NAMES.map((q) => CONTRACT[q].table).sort());
    const parsed: unknown = JSON.parse(JSON.stringify(fixture));
    expect(fixtureToRows(parsed, ours('builder fixture'))).toEqual(b.rows);
  });

  it('ids are deterministic lowercase GUIDs; names, personnummer and e-mail get defaults', () => {
    const a = sample().rows;
    const b = sample().rows;
    expect(a).toEqual(b);
    const ids = [...a.schoolUnits.map((u) => u.unit_id), ...a.persons.map((p) => p.person_id), ...a.classes.map((c) => c.class_id)];
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of a.persons) {
      expect(p.personal_number).toMatch(/^\d{12}$/);
      expect(p.given_name).toBeTruthy();
      expect(p.family_name).toBeTruthy();
      expect(p.email).toMatch(/@example\.se$/);
    }
    expect(a.persons[1]).toMatchObject({ given_name: 'Anna', family_name: 'Svensson', protected_identity: 0 });
    expect(a.persons[2]?.protected_identity).toBeNull();
  });

  it('rows is a snapshot: rows added later do not change it', () => {
    const b = new FixtureBuilder();
    const before = b.rows;
    b.school();
    expect(before.schoolUnits).toEqual([]);
    expect(b.rows.schoolUnits).toHaveLength(1);
  });

  it('rules() gives the default test configuration and takes overrides', () => {
    expect(rules()).toEqual({
      schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }],
      leadDays: { staff: 14, students: 1 },
      teachingGroups: { select: 'notesMarker' },
      exportPersonalNumber: false,
      allowPersonalNumberInEmail: false,
      requireEmail: false,
    });
    expect(rules({ exportPersonalNumber: true }).exportPersonalNumber).toBe(true);
  });
});
