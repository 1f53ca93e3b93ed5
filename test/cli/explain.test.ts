import { describe, expect, it } from 'vitest';
import { DEMO_CONFIG, DEMO_DATE, demoFixture, runCli, writeSetup } from '../support/cli';

const NOTHING =
  "Nothing that may be shown matches on 2026-09-01. Search by GUID, personnummer, a school unit's code, or at least two letters of a name. A person with a protected identity is never shown, whatever the search: ask the school's registrar.\n";

const explain = (query: string, date = DEMO_DATE) => runCli(['explain', query, '--config', DEMO_CONFIG, '--date', date]);

const person = (given: string) => demoFixture().person!.find((p) => p.given_name === given)!;

describe('explain UNITCODE', () => {
  const unit = (code: string) => demoFixture().school_unit!.find((u) => u.unit_code === code)!;

  it('a configured unit that has ended: its forms, their dates, and the rule that leaves it out', async () => {
    const r = await explain('GMSK');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Sync date 2026-09-01: 1 match',
        '',
        `school unit GMSK Gamla skolan (${unit('GMSK').unit_id}), 1960-08-01 – 2025-06-30: not active on 2026-09-01`,
        '  school form GR, 1960-08-01 – 2025-06-30: 0 students placed in its classes on 2026-09-01',
        '    configured, but not in the snapshot: school unit not active on the sync date (school-unit-inactive)',
        '    ✓ GMSK GR is in the configured school list',
        '    ✗ school unit Gamla skolan (GMSK) ended 2025-06-30 (before 2026-09-01)',
        '    ✗ school form GR at GMSK ended 2025-06-30 (before 2026-09-01)',
        '',
      ].join('\n'),
    );
  });

  it('a unit with students that is not configured says so, and how to include it; any case', async () => {
    const r = await explain('lifs');
    expect(r.stdout).toContain('  school form FS, 2010-01-01 – no end date: 1 student placed in its classes on 2026-09-01\n');
    expect(r.stdout).toContain('    not configured: not in the snapshot. To include it, add { "unitCode": "LIFS", "schoolForm": "FS" } to schools (or pick it in the setup wizard).\n');
    expect((await explain('BJSK')).stdout).toContain('  school form GR, 1998-08-01 – no end date: 15 students placed in its classes on 2026-09-01\n    configured, and in the snapshot\n');
  });
});

describe('explain', () => {
  it('says which placement ended, and when', async () => {
    const r = await explain('Hanna Slut');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Sync date 2026-09-01: 1 match',
        '',
        `person ${person('Hanna').person_id} Hanna Slut`,
        '  verdict: excluded',
        '  excluded as student: no active class placement (no-active-placement)',
        '    ✓ no protected identity (level 0)',
        '    ✓ not marked as deceased',
        '    ✓ not marked as deregistered',
        '    ✗ placement in 9C at BJSK ended 2026-06-12 (before 2026-09-01)',
        '',
      ].join('\n'),
    );
  });

  it('shows an included pupil with the groups they are in', async () => {
    const r = await explain('hugo');
    expect(r.stdout).toContain('  verdict: included\n  included as student\n');
    expect(r.stdout).toContain('    ✓ placement in 7A at BJSK is active (2026-08-17 – no end date), in an included class\n');
    expect(r.stdout).toContain('  student in classes: 7A\n  student in teaching groups: Modersmål arabiska, Ma 7A\n');
  });

  it('explains the 1-day student lead time on both sides of the boundary', async () => {
    const ida = await explain('Ida Ny');
    expect(ida.stdout).toContain('✓ placement in 7B at BJSK starts 2026-09-02, within the lead time (on or before 2026-09-02, sync date + 1 day), in an included class');
    const viktor = await explain('Viktor');
    expect(viktor.stdout).toContain('excluded as student: no active class placement (no-active-placement)');
    expect(viktor.stdout).toContain('✗ placement in 7B at BJSK starts 2026-09-03, after 2026-09-02 (sync date + 1 day)');
  });

  it('explains staff: the 14-day lead time and a protected colleague who does not count', async () => {
    const maria = await explain('Maria Holm');
    expect(maria.stdout).toContain('excluded as staff: no active employment at an included school (no-active-employment)');
    expect(maria.stdout).toContain('✗ employment at EKGY starts 2026-10-01, after 2026-09-15 (sync date + 14 days)');
    const cls = await explain('8A');
    expect(cls.stdout).toContain('class 8A (');
    expect(cls.stdout).toContain('  verdict: excluded: class has no exported teacher (class-no-teacher)');
    expect(cls.stdout).toContain('    ✗ 1 staff linked, none of them exported');
    expect(cls.stdout).not.toContain('Dold');
  });

  it('explains a teaching group: marker, window, links and teachers', async () => {
    const r = await explain('Idrott 9C');
    expect(r.stdout).toContain('  verdict: excluded: activity ended (activity-ended)');
    expect(r.stdout).toContain('    ✓ notes contain the marker PORTAL');
    expect(r.stdout).toContain('    ✗ activity ends 2026-06-12, not later than 2026-09-01');
    expect(r.stdout).toContain('    ✗ linked class 9C ended 2026-06-12 (before 2026-09-01)');
    const fy = await explain('Fy 7A');
    expect(fy.stdout).toContain('  verdict: excluded: activity not marked for export (activity-not-selected)');
    expect(fy.stdout).toContain('    ✗ notes do not contain the word PORTAL');
  });

  it('finds no protected person, by GUID, personnummer or name, and answers as for someone not in ProCapita', async () => {
    const vera = person('Vera');
    const absent = await explain('0badf00d-0000-4000-8000-000000000000');
    expect(absent.stdout).toBe(NOTHING);
    for (const query of [vera.person_id as string, (vera.person_id as string).toUpperCase(), vera.personal_number as string, 'Vera']) {
      const r = await explain(query);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(absent.stdout);
      expect(r.stdout.toLowerCase()).not.toContain((vera.person_id as string).toLowerCase());
    }
  });

  it('treats an unknown protection level like a protected identity', async () => {
    const idun = person('Idun');
    const r = await explain(idun.person_id as string);
    expect(r.stdout).toBe(NOTHING);
  });

  it('never finds a protected person by name', async () => {
    const r = await explain('Skydd');
    expect(r.stdout).toBe(NOTHING);
  });

  it('never repeats a personnummer query in what it prints', async () => {
    const r = await explain('20130101-9999');
    expect(r.stdout).toBe(NOTHING);
    const hugo = person('Hugo');
    const found = await explain((hugo.personal_number as string).slice(2));
    expect(found.stdout).toContain('Sync date 2026-09-01: 1 match\n');
    expect(found.stdout).toContain('Hugo Dahl');
    expect(found.stdout).not.toContain((hugo.personal_number as string).slice(2));
  });

  it('uses the sync date it is given', async () => {
    const before = await explain('Hanna Slut', '2026-06-12');
    expect(before.stdout).toContain('Sync date 2026-06-12: 1 match');
    expect(before.stdout).toContain('    ✓ placement in 9C at BJSK is active (2023-08-17 – 2026-06-12), in an included class\n  student in classes: 9C\n');
  });
});

describe('explain of names holding control characters', () => {
  const fixture = demoFixture();
  const hugo = fixture.person!.find((p) => p.given_name === 'Hugo')!;
  hugo.given_name = 'Hugo\u001b[31m';
  hugo.family_name = '\u001b]0;owned\u0007Da\rhl\u202e';
  fixture.school_class!.find((c) => c.name === '7A')!.name = '7A\u001b[2J\u2066';
  const { configPath } = writeSetup(fixture);
  const run = (query: string) => runCli(['explain', query, '--config', configPath, '--date', DEMO_DATE]);

  it('prints a person\'s name and their groups with the escapes shown, not run', async () => {
    const r = await run(hugo.person_id as string);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(r.stdout).toContain(`person ${hugo.person_id} Hugo\\x1b[31m \\x1b]0;owned\\x07Da\\x0dhl\\u{202e}\n`);
    expect(r.stdout).toContain('  student in classes: 7A\\x1b[2J\\u{2066}\n');
  });

  it('prints a group\'s name with the escapes shown, and never the query', async () => {
    const r = await run('7A\u001b[2J');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).toContain('Sync date 2026-09-01: 1 match\n');
    expect(r.stdout).toMatch(/^class 7A\\x1b\[2J\\u\{2066\} \(/m);
  });
});
