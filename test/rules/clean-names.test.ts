import { describe, expect, it } from 'vitest';
import { cleanNames } from '../../src/decide/clean-names';
import type { Roster } from '../../src/decide/roster';
import { DEMO_DATE, demoFixture, runCli, snapshotText, tempDir, writeSetup } from '../support/cli';

const roster: Roster = {
  syncDate: DEMO_DATE,
  schools: [{ id: 'u1', code: 'BJ\u001b[0mSK', name: 'Björkskolan\u202e', schoolForms: ['GR'] }],
  persons: [
    { id: 'p1', roles: ['student'], givenName: 'Hugo\u001b[31m', familyName: 'Dahl', email: null, schoolIds: ['u1'] },
    { id: 'p2', roles: ['student'], givenName: 'Ella\r\nMaja', familyName: '\u2066Eriksson\u2069', email: null, schoolIds: ['u1'] },
    { id: 'p3', roles: ['staff'], givenName: 'Karin', familyName: 'Lund', email: 'karin.lund@demo.kommun.se', schoolIds: ['u1'] },
  ],
  groups: [
    { id: 'g1', kind: 'class', name: '7A\u0000', schoolId: 'u1', schoolForm: 'GR', startDate: null, endDate: null, teacherIds: [], studentIds: ['p1'] },
    { id: 'g2', kind: 'teaching', name: 'Ma 7A\u001b]0;x\u0007', schoolId: 'u1', schoolForm: 'GR', startDate: null, endDate: null, teacherIds: ['p3'], studentIds: [] },
    { id: 'g3', kind: 'teaching', name: 'Sv 7A', schoolId: 'u1', schoolForm: 'GR', startDate: null, endDate: null, teacherIds: ['p3'], studentIds: [] },
  ],
};

describe('control characters in names: removed in the snapshot, counted per column', () => {
  const { roster: cleaned, warnings } = cleanNames(roster);

  it('strips controls, escape sequences and bidi controls from school codes and names, person names and group names', () => {
    expect(cleaned.schools.map((s) => [s.code, s.name])).toEqual([['BJSK', 'Björkskolan']]);
    expect(cleaned.persons.map((p) => [p.givenName, p.familyName])).toEqual([
      ['Hugo', 'Dahl'],
      ['Ella Maja', 'Eriksson'],
      ['Karin', 'Lund'],
    ]);
    expect(cleaned.groups.map((g) => g.name)).toEqual(['7A', 'Ma 7A', 'Sv 7A']);
  });

  it('keeps everything else as it was', () => {
    expect(cleaned.persons.map(({ givenName: _g, familyName: _f, ...rest }) => rest)).toEqual(roster.persons.map(({ givenName: _g, familyName: _f, ...rest }) => rest));
    expect(cleaned.groups.map(({ name: _n, ...rest }) => rest)).toEqual(roster.groups.map(({ name: _n, ...rest }) => rest));
  });

  it('warns once per table and column with a count, never with a value', () => {
    expect(warnings).toEqual([
      '1 value in school_unit.unit_code held control characters, escape sequences or bidi controls; they were removed in the snapshot',
      '1 value in school_unit.name held control characters, escape sequences or bidi controls; they were removed in the snapshot',
      '2 values in person.given_name held control characters, escape sequences or bidi controls; they were removed in the snapshot',
      '1 value in person.family_name held control characters, escape sequences or bidi controls; they were removed in the snapshot',
      '1 value in school_class.name held control characters, escape sequences or bidi controls; they were removed in the snapshot',
      '1 value in activity.name held control characters, escape sequences or bidi controls; they were removed in the snapshot',
    ]);
  });

  it('gives no warning for clean names', () => {
    expect(cleanNames({ ...roster, schools: [], persons: [roster.persons[2]!], groups: [roster.groups[2]!] }).warnings).toEqual([]);
  });

  it('end to end: the snapshot holds the cleaned names, the summary counts them, and the terminal gets no escape', async () => {
    const fixture = demoFixture();
    const hugo = fixture.person!.find((p) => p.given_name === 'Hugo')!;
    hugo.given_name = 'Hugo\u001b[31m';
    hugo.family_name = '\u202eDahl';
    fixture.school_class!.find((c) => c.name === '7A')!.name = '7A\u001b]0;x\u0007';
    const { configPath } = writeSetup(fixture);
    const out = tempDir();
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  ! 1 value in person.given_name held control characters, escape sequences or bidi controls; they were removed in the snapshot\n');
    expect(r.stdout).toContain('  ! 1 value in person.family_name held');
    expect(r.stdout).toContain('  ! 1 value in school_class.name held');
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    const snapshot = JSON.parse(snapshotText(out)!) as { persons: { id: string; givenName: string; familyName: string }[]; groups: { name: string }[] };
    expect(snapshot.persons.find((p) => p.id === hugo.person_id)).toMatchObject({ givenName: 'Hugo', familyName: 'Dahl' });
    expect(snapshot.groups.map((g) => g.name)).toContain('7A');
    expect(snapshotText(out)).not.toMatch(/\\u001b|\\u0007|\u202e/);
  });
});
