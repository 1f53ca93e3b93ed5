import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DATE, demoFixture, runCli, tempDir, writeSetup } from '../support/cli';

/**
 * Builds on the demo municipality and puts protected persons everywhere a
 * person can be: pupils in running classes, group members, teachers of
 * classes and activities, and someone who is both. Then it reads every byte
 * the user can see and looks for anything that identifies them.
 */
function fixtureWithProtectedPersons() {
  const f = demoFixture();
  const classId = (name: string) => f.school_class!.find((c) => c.name === name)!.class_id as string;
  const groupId = f.student_group![0]!.group_id as string;
  const activityId = (name: string) => f.activity!.find((a) => a.name === name)!.activity_id as string;
  const unitId = f.school_unit!.find((u) => u.unit_code === 'BJSK')!.unit_id as string;

  const hidden: { id: string; given: string; family: string; pnr: string }[] = [];
  const levels = [1, 2, 3, null, 9];
  levels.forEach((level, i) => {
    const id = `f00dface-0000-4000-8000-00000000000${i}`;
    const p = { id, given: `Zelda${i}`, family: `Hemligsson${i}`, pnr: `2013050${i}238${i}` };
    hidden.push(p);
    f.person!.push({ person_id: id, given_name: p.given, family_name: p.family, personal_number: p.pnr, email: `zelda${i}@hemlig.se`, protected_identity: level, deregistered: false, deceased: false });
    f.class_placement!.push({ placement_id: `pl-${id}`, person_id: id, class_id: classId(i % 2 === 0 ? '7A' : '7B'), start_date: '2026-08-17', end_date: null });
    f.group_membership!.push({ group_id: groupId, person_id: id, start_date: '2026-08-17', end_date: null });
  });
  // A protected teacher of running classes and activities, who is also a pupil.
  const t = { id: 'f00dface-0000-4000-8000-0000000000aa', given: 'Ymer', family: 'Skyddadsson', pnr: '198001019876' };
  hidden.push(t);
  f.person!.push({ person_id: t.id, given_name: t.given, family_name: t.family, personal_number: t.pnr, email: 'ymer@hemlig.se', protected_identity: 3, deregistered: false, deceased: false });
  f.employment!.push({ employment_id: `emp-${t.id}`, person_id: t.id, unit_id: unitId, start_date: '2015-01-01', end_date: null });
  f.class_staff!.push({ class_id: classId('7A'), person_id: t.id });
  f.activity_staff!.push({ activity_id: activityId('Ma 7A'), person_id: t.id });
  f.class_placement!.push({ placement_id: `pl-${t.id}`, person_id: t.id, class_id: classId('NA26a'), start_date: '2026-08-17', end_date: null });
  return { fixture: f, hidden };
}

function needles(p: { id: string; given: string; family: string; pnr: string }): string[] {
  return [p.id, p.id.toUpperCase(), p.given, p.family, p.pnr, p.pnr.slice(2), `${p.pnr.slice(0, 8)}-${p.pnr.slice(8)}`, `${p.pnr.slice(2, 8)}-${p.pnr.slice(8)}`];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('a protected person never appears in any output', () => {
  const { fixture, hidden } = fixtureWithProtectedPersons();

  it.each([false, true])('run with personnummer export %s: roster files and printed summary', async (exportPnr) => {
    const { configPath } = writeSetup(fixture, { export: { personalNumber: exportPnr } });
    const out = tempDir();
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', out]);
    expect(r.code).toBe(0);
    const files = filesUnder(out);
    expect(files.length).toBeGreaterThan(0);
    const seen = [r.stdout, r.stderr, ...files.map((f) => readFileSync(f, 'utf8'))].join('\n');
    // The search can fail: the same roster does hold unprotected pupils of the same classes.
    expect(seen).toContain('Hugo');
    if (exportPnr) expect(seen).toContain(demoFixture().person!.find((p) => p.given_name === 'Hugo')!.personal_number as string);
    for (const p of hidden) for (const n of needles(p)) expect(seen, `${n} leaked`).not.toContain(n);
    expect(r.stdout).toContain('protected-identity: protected identity');
  });

  it('explain, queried by name, class, group and activity, shows none of them', async () => {
    const { configPath } = writeSetup(fixture);
    // Fragments of their names, so that the query's own echo is not mistaken for a leak.
    const queries = ['7A', '7B', 'NA26a', 'Ma 7A', 'Modersmål', 'Zeld', 'emlig', 'Yme', 'sson', 'ld'];
    let seen = '';
    for (const q of queries) {
      const r = await runCli(['explain', q, '--config', configPath, '--date', DEMO_DATE]);
      expect(r.code).toBe(0);
      seen += r.stdout + r.stderr;
    }
    expect(seen).toContain('class 7A');
    for (const p of hidden) for (const n of needles(p)) expect(seen, `${n} leaked`).not.toContain(n);
  });

  it('explain by GUID or personnummer prints the query (the personnummer masked) and the verdict, nothing else', async () => {
    const { configPath } = writeSetup(fixture);
    for (const p of hidden) {
      for (const [q, shown] of [[p.id, p.id], [p.pnr, `${p.pnr.slice(0, 8)}-****`]] as const) {
        const r = await runCli(['explain', q, '--config', configPath, '--date', DEMO_DATE]);
        const body = r.stdout.split('\n').slice(2).join('\n');
        expect(body).toBe(`person ${shown}\n  excluded: protected identity\n`);
        for (const n of needles(p).filter((x) => q === p.pnr || x.toLowerCase() !== p.id)) expect(r.stdout).not.toContain(n);
      }
    }
  });
});
