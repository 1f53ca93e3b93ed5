import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig, type RuleConfig } from '../../src/configure/config';
import { decide, type Decisions } from '../../src/decide/decide';
import { buildRoster, type Roster } from '../../src/decide/roster';
import { procapitaAddress, resolveEmails } from '../../src/enrich/email';
import { CONTRACT, QUERY_NAMES, type SourceRows } from '../../src/extract/contract';
import { fixtureToRows, readFixture } from '../../src/extract/fixture-source';
import { main } from './generate-cli';
import { SYNC_DATE, generateMunicipality, type Municipality, type Size } from './generate';
import { isValidPersonalNumber } from './names';
import { ours } from '../../src/safe-text';

const D = SYNC_DATE;
const addDays = (date: string, n: number): string => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
};
/** The SQL source's history window starts here: rows that ended before it are filtered out. */
const HISTORY_FROM = addDays(D, -365);

const generated = new Map<Size, Municipality>();
function municipality(size: Size): Municipality {
  let m = generated.get(size);
  if (!m) {
    m = generateMunicipality(size, 1);
    generated.set(size, m);
  }
  return m;
}

const rulesFor = (m: Municipality): RuleConfig => ({
  schools: m.schools,
  leadDays: { staff: 14, students: 1 },
  teachingGroups: { select: 'notesMarker' },
  exportPersonalNumber: false,
  allowPersonalNumberInEmail: false,
  requireEmail: false,
});

interface Run {
  readonly m: Municipality;
  readonly rows: SourceRows;
  readonly d: Decisions;
  readonly roster: Roster;
  /** "student:deceased" → count; also "school:…", "staff:…", "person:…", "class:…", "teaching:…". */
  readonly reasons: Map<string, number>;
}

const runs = new Map<Size, Run>();
function run(size: Size): Run {
  let r = runs.get(size);
  if (!r) {
    const m = municipality(size);
    const rows = fixtureToRows(m.fixture, ours(`generated ${size}`));
    const rules = rulesFor(m);
    const d = decide(rows, rules, m.syncDate);
    const roster = buildRoster(d, rows, rules);
    const reasons = new Map<string, number>();
    const count = (key: string) => reasons.set(key, (reasons.get(key) ?? 0) + 1);
    for (const s of d.schools) count(`school:${s.reason ?? 'included'}`);
    for (const p of d.persons) {
      if (p.reason) count(`person:${p.reason}`);
      if (p.student) count(`student:${p.student.reason ?? 'included'}`);
      if (p.staff) count(`staff:${p.staff.reason ?? 'included'}`);
    }
    for (const g of d.groups) count(`${g.kind}:${g.reason ?? 'included'}`);
    r = { m, rows, d, roster, reasons };
    runs.set(size, r);
  }
  return r;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('generateMunicipality: determinism', () => {
  it.each(['small', 'medium'] as const)('%s: the same seed gives the same fixture, another seed another', (size) => {
    const a = JSON.stringify(generateMunicipality(size, 1));
    expect(JSON.stringify(generateMunicipality(size, 1))).toBe(a);
    const b = generateMunicipality(size, 2);
    expect(JSON.stringify(b)).not.toBe(a);
    expect(b.fixture.person[0]!.person_id).not.toBe(municipality(size).fixture.person[0]!.person_id);
  });

  it('rejects an unknown size and a bad seed', () => {
    expect(() => generateMunicipality('huge' as Size)).toThrow(/unknown size/);
    expect(() => generateMunicipality('small', -1)).toThrow(/seed/);
    expect(() => generateMunicipality('small', 1.5)).toThrow(/seed/);
  });
});

describe.each(['small', 'medium'] as const)('generateMunicipality(%s): shape', (size) => {
  it('passes the strict contract check of the fixture source, every table present', () => {
    const { m, rows } = run(size);
    for (const q of QUERY_NAMES) {
      const table = CONTRACT[q].table as keyof typeof m.fixture;
      expect(rows[q].length, table).toBe(m.fixture[table].length);
    }
    expect(m.syncDate).toBe('2026-09-01');
  });

  it('has unique ids in every table, lowercase version-4 GUIDs, and no duplicate links', () => {
    const f = municipality(size).fixture;
    const unique = (name: string, keys: string[]) => expect(new Set(keys).size, name).toBe(keys.length);
    unique('school_unit', f.school_unit.map((r) => r.unit_id));
    unique('unit_code', f.school_unit.map((r) => r.unit_code));
    unique('school_unit_form', f.school_unit_form.map((r) => `${r.unit_id}|${r.school_form}`));
    unique('person', f.person.map((r) => r.person_id));
    unique('school_class', f.school_class.map((r) => r.class_id));
    unique('class_placement', f.class_placement.map((r) => r.placement_id));
    unique('class_staff', f.class_staff.map((r) => `${r.class_id}|${r.person_id}`));
    unique('student_group', f.student_group.map((r) => r.group_id));
    unique('group_membership', f.group_membership.map((r) => `${r.group_id}|${r.person_id}`));
    unique('employment', f.employment.map((r) => r.employment_id));
    unique('activity', f.activity.map((r) => r.activity_id));
    unique('activity_class', f.activity_class.map((r) => `${r.activity_id}|${r.class_id}`));
    unique('activity_group', f.activity_group.map((r) => `${r.activity_id}|${r.group_id}`));
    unique('activity_staff', f.activity_staff.map((r) => `${r.activity_id}|${r.person_id}`));
    const ids = [
      ...f.school_unit.map((r) => r.unit_id),
      ...f.person.map((r) => r.person_id),
      ...f.school_class.map((r) => r.class_id),
      ...f.class_placement.map((r) => r.placement_id),
      ...f.student_group.map((r) => r.group_id),
      ...f.employment.map((r) => r.employment_id),
      ...f.activity.map((r) => r.activity_id),
    ];
    expect(ids.filter((id) => !GUID.test(id))).toEqual([]);
    unique('all ids', ids);
  });

  it('resolves every foreign key', () => {
    const f = municipality(size).fixture;
    const units = new Set(f.school_unit.map((r) => r.unit_id));
    const persons = new Set(f.person.map((r) => r.person_id));
    const classes = new Set(f.school_class.map((r) => r.class_id));
    const groups = new Set(f.student_group.map((r) => r.group_id));
    const activities = new Set(f.activity.map((r) => r.activity_id));
    const dangling = (name: string, ids: string[], set: Set<string>) => expect(ids.filter((id) => !set.has(id)), name).toEqual([]);
    dangling('school_unit_form.unit_id', f.school_unit_form.map((r) => r.unit_id), units);
    dangling('school_class.unit_id', f.school_class.map((r) => r.unit_id), units);
    dangling('class_placement.person_id', f.class_placement.map((r) => r.person_id), persons);
    dangling('class_placement.class_id', f.class_placement.map((r) => r.class_id), classes);
    dangling('class_staff.class_id', f.class_staff.map((r) => r.class_id), classes);
    dangling('class_staff.person_id', f.class_staff.map((r) => r.person_id), persons);
    dangling('student_group.unit_id', f.student_group.map((r) => r.unit_id), units);
    dangling('group_membership.group_id', f.group_membership.map((r) => r.group_id), groups);
    dangling('group_membership.person_id', f.group_membership.map((r) => r.person_id), persons);
    dangling('employment.person_id', f.employment.map((r) => r.person_id), persons);
    dangling('employment.unit_id', f.employment.map((r) => r.unit_id), units);
    dangling('activity.unit_id', f.activity.map((r) => r.unit_id), units);
    dangling('activity_class.activity_id', f.activity_class.map((r) => r.activity_id), activities);
    dangling('activity_class.class_id', f.activity_class.map((r) => r.class_id), classes);
    dangling('activity_group.activity_id', f.activity_group.map((r) => r.activity_id), activities);
    dangling('activity_group.group_id', f.activity_group.map((r) => r.group_id), groups);
    dangling('activity_staff.activity_id', f.activity_staff.map((r) => r.activity_id), activities);
    dangling('activity_staff.person_id', f.activity_staff.map((r) => r.person_id), persons);
  });

  it('gives everyone a unique personnummer with a valid Luhn digit; some are samordningsnummer', () => {
    const numbers = municipality(size).fixture.person.map((p) => p.personal_number);
    expect(numbers.every((n) => n !== null && /^\d{12}$/.test(n))).toBe(true);
    expect(numbers.filter((n) => !isValidPersonalNumber(n!))).toEqual([]);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(numbers.some((n) => Number(n!.slice(6, 8)) > 60)).toBe(true);
  });

  it('has Swedish names and ASCII-folded addresses at the municipality domain, some missing, a few invalid', () => {
    const m = municipality(size);
    const persons = m.fixture.person;
    expect(persons.some((p) => /[åäö]/i.test(p.given_name ?? ''))).toBe(true);
    expect(persons.some((p) => /[åäö]/i.test(p.family_name ?? ''))).toBe(true);
    const emails = persons.map((p) => p.email).filter((e): e is string => e !== null);
    expect(emails.length).toBeLessThan(persons.length);
    expect(emails.every((e) => /^[\x20-\x7e]+$/.test(e))).toBe(true);
    const valid = emails.filter((e) => /^[^\s@]+@[^\s@]+\.[^\s@.]+$/.test(e));
    expect(valid.every((e) => new RegExp(`^[a-z0-9-]+\\.[a-z0-9-]+\\d*@${m.domain.replace('.', '\\.')}$`).test(e))).toBe(true);
    expect(emails.length - valid.length).toBeGreaterThanOrEqual(4);
    // Someone called Åsa Öberg is åsa.oberg, never åsa.öberg.
    const folded = persons.find((p) => p.email !== null && /[åäö]/i.test(`${p.given_name}${p.family_name}`) && valid.includes(p.email));
    expect(folded).toBeDefined();
  });

  it('configures several schools, some with several forms, leaves other units out, and keeps a closed one in the list', () => {
    const m = municipality(size);
    const f = m.fixture;
    const configured = new Set(m.schools.map((s) => s.unitCode));
    expect(f.school_unit.some((u) => !configured.has(u.unit_code))).toBe(true);
    const formsOf = (code: string) => m.schools.filter((s) => s.unitCode === code).length;
    expect([...configured].some((c) => formsOf(c) > 1)).toBe(true);
    const forms = new Set(f.school_unit_form.map((r) => r.school_form));
    for (const form of ['F', 'FK', 'GR', 'GY', 'FS']) expect(forms, form).toContain(form);
    const closed = f.school_unit.filter((u) => u.end_date !== null && u.end_date < D);
    expect(closed.some((u) => configured.has(u.unit_code))).toBe(true);
    expect(new Set(m.schools.map((s) => `${s.unitCode}/${s.schoolForm}`)).size).toBe(m.schools.length);
  });

  it('holds history: last year and the year before, inside and outside the SQL source window', () => {
    const f = municipality(size).fixture;
    const ended = (rows: readonly { end_date: string | null }[]) => rows.filter((r) => r.end_date !== null && r.end_date < D);
    for (const [name, rows] of [
      ['school_class', f.school_class],
      ['class_placement', f.class_placement],
      ['activity', f.activity],
      ['employment', f.employment],
      ['group_membership', f.group_membership],
    ] as const) {
      const old = ended(rows);
      expect(old.some((r) => r.end_date! >= HISTORY_FROM), `${name} ended within a year`).toBe(true);
      expect(old.some((r) => r.end_date! < HISTORY_FROM), `${name} ended more than a year ago`).toBe(true);
    }
  });
});

describe.each(['small', 'medium'] as const)('generateMunicipality(%s): the rules meet every awkward case', (size) => {
  it('shows every reason code the data is built to trigger', () => {
    const { reasons } = run(size);
    const expected: string[] = [
      'school:included',
      'school:school-unit-inactive',
      'school:school-form-inactive',
      'school:school-form-missing',
      'student:included',
      'student:protected-identity',
      'student:protected-identity-unknown',
      'student:deceased',
      'student:deregistered',
      'student:no-active-placement',
      'student:placement-school-not-included',
      'student:placement-class-not-included',
      'staff:included',
      'staff:protected-identity',
      'staff:protected-identity-unknown',
      'staff:deceased',
      'staff:no-active-employment',
      'staff:employment-school-not-included',
      'person:no-role',
      'class:included',
      'class:class-school-not-included',
      'class:class-dates-missing',
      'class:class-not-started',
      'class:class-ended',
      'class:class-no-teacher',
      'teaching:included',
      'teaching:activity-not-selected',
      'teaching:activity-cancelled',
      'teaching:activity-start-missing',
      'teaching:activity-not-started',
      'teaching:activity-ended',
      'teaching:activity-school-not-included',
      'teaching:activity-no-active-class-or-group',
      'teaching:activity-no-teacher',
    ];
    expect(expected.filter((key) => !reasons.has(key)), [...reasons].map(([k, v]) => `${k} ${v}`).join('\n')).toEqual([]);
  });

  it('protects identities at every level, among students and staff, and never lets one into the roster', () => {
    const { m, d, roster } = run(size);
    const f = m.fixture;
    const students = new Set(f.class_placement.map((p) => p.person_id));
    const staff = new Set(f.employment.map((e) => e.person_id));
    for (const level of [1, 2, 3, null]) {
      const people = f.person.filter((p) => p.protected_identity === level);
      expect(people.some((p) => students.has(p.person_id)), `student at level ${level}`).toBe(true);
      expect(people.some((p) => staff.has(p.person_id)), `staff at level ${level}`).toBe(true);
    }
    const hidden = new Set(f.person.filter((p) => p.protected_identity !== 0).map((p) => p.person_id));
    expect(roster.persons.filter((p) => hidden.has(p.id))).toEqual([]);
    expect(roster.groups.flatMap((g) => [...g.teacherIds, ...g.studentIds]).filter((id) => hidden.has(id))).toEqual([]);
    const unknown = d.persons.filter((p) => p.reason === 'protected-identity-unknown').map((p) => p.personId);
    expect(unknown.length).toBeGreaterThan(0);
  });

  it('links a protected teacher to classes and activities; one activity has only them and gets no teaching group', () => {
    const { m, d } = run(size);
    const f = m.fixture;
    const hidden = new Set(f.person.filter((p) => p.protected_identity !== 0).map((p) => p.person_id));
    const teachersOfClass = new Set(f.class_staff.filter((l) => hidden.has(l.person_id)).map((l) => l.person_id));
    const teachersOfActivity = new Set(f.activity_staff.filter((l) => hidden.has(l.person_id)).map((l) => l.person_id));
    expect([...teachersOfClass].some((id) => teachersOfActivity.has(id))).toBe(true);
    const staffOf = new Map<string, string[]>();
    for (const l of f.activity_staff) staffOf.set(l.activity_id, [...(staffOf.get(l.activity_id) ?? []), l.person_id]);
    const onlyProtected = d.groups.filter((g) => g.kind === 'teaching' && (staffOf.get(g.id) ?? []).length > 0 && staffOf.get(g.id)!.every((id) => hidden.has(id)));
    expect(onlyProtected.map((g) => g.reason)).toContain('activity-no-teacher');
    // Classes the protected teachers mentor are still created: a colleague is linked too.
    const created = d.groups.filter((g) => g.kind === 'class' && g.included && f.class_staff.some((l) => l.class_id === g.id && hidden.has(l.person_id)));
    expect(created.length).toBeGreaterThan(0);
  });

  it('handles ended, future and changed placements around the sync date', () => {
    const { m, d } = run(size);
    const f = m.fixture;
    const byPerson = new Map<string, typeof f.class_placement>();
    for (const p of f.class_placement) byPerson.set(p.person_id, [...(byPerson.get(p.person_id) ?? []), p]);
    const decision = new Map(d.persons.map((p) => [p.personId, p]));
    const only = (pred: (start: string | null, end: string | null) => boolean) =>
      [...byPerson].filter(([id, ps]) => ps.length === 1 && pred(ps[0]!.start_date, ps[0]!.end_date) && decision.get(id)!.reason === undefined).map(([id]) => decision.get(id)!);
    // Starts D+1: within the student lead, exported and in the class.
    const tomorrow = only((s) => s === addDays(D, 1));
    expect(tomorrow.length).toBeGreaterThan(0);
    expect(tomorrow.every((p) => p.student!.included)).toBe(true);
    const cls = d.groups.find((g) => g.id === byPerson.get(tomorrow[0]!.personId)![0]!.class_id)!;
    expect(cls.studentIds).toContain(tomorrow[0]!.personId);
    // Starts D+2: not yet.
    const later = only((s) => s === addDays(D, 2));
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((p) => p.student!.reason === 'no-active-placement')).toBe(true);
    // Moved away in August: every placement has ended, the last one this term. Left out.
    const plain = new Set(f.person.filter((p) => p.protected_identity === 0 && !p.deceased && !p.deregistered).map((p) => p.person_id));
    const left = [...byPerson]
      .filter(([id, ps]) => plain.has(id) && ps.every((p) => p.end_date !== null && p.end_date < D) && ps.some((p) => p.end_date! >= '2026-08-17'))
      .map(([id]) => decision.get(id)!);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((p) => p.student!.reason === 'no-active-placement')).toBe(true);
    // Ends on D: still there.
    expect(only((_, e) => e === D).every((p) => p.student!.included)).toBe(true);
    // Changed class in August: an ended placement and an active one, exported.
    const moved = [...byPerson].filter(([id, ps]) => plain.has(id) && ps.some((p) => p.end_date === '2026-08-28') && ps.some((p) => p.start_date === '2026-08-31'));
    expect(moved.length).toBeGreaterThan(0);
    for (const [id, ps] of moved) {
      expect(decision.get(id)!.student!.included).toBe(true);
      const now = ps.find((p) => p.start_date === '2026-08-31')!;
      expect(d.groups.find((g) => g.id === now.class_id)!.studentIds).toContain(id);
    }
  });

  it('counts staff starting within the 14-day lead and leaves out those starting after it', () => {
    const { m, d } = run(size);
    const decision = new Map(d.persons.map((p) => [p.personId, p]));
    const startingOn = (offset: number) => m.fixture.employment.filter((e) => e.start_date === addDays(D, offset)).map((e) => decision.get(e.person_id)!);
    for (const offset of [5, 14]) {
      expect(startingOn(offset).length, `D+${offset}`).toBeGreaterThan(0);
      expect(startingOn(offset).every((p) => p.staff!.included), `D+${offset}`).toBe(true);
    }
    for (const offset of [15, 45]) {
      expect(startingOn(offset).length, `D+${offset}`).toBeGreaterThan(0);
      expect(startingOn(offset).every((p) => p.staff!.reason === 'no-active-employment'), `D+${offset}`).toBe(true);
    }
  });

  it('selects activities by the PORTAL marker in every spelling, not PORTALEN', () => {
    const { m, d } = run(size);
    const decision = new Map(d.groups.filter((g) => g.kind === 'teaching').map((g) => [g.id, g]));
    const withNotes = (test: (notes: string) => boolean) => m.fixture.activity.filter((a) => a.notes !== null && test(a.notes)).map((a) => decision.get(a.activity_id)!);
    for (const [name, test] of [
      ['PORTAL', (n: string) => n === 'PORTAL'],
      ['portal', (n: string) => n === 'portal'],
      ['Portal; …', (n: string) => n.startsWith('Portal; ')],
    ] as const) {
      const found = withNotes(test);
      expect(found.length, name).toBeGreaterThan(0);
      expect(found.every((g) => g.reason !== 'activity-not-selected'), name).toBe(true);
      expect(found.some((g) => g.included), name).toBe(true);
    }
    const near = withNotes((n) => /portalen/i.test(n));
    expect(near.some((g) => g.reason === 'activity-not-selected')).toBe(true);
    expect(near.every((g) => g.reason === 'activity-not-selected')).toBe(true);
    expect(m.fixture.activity.some((a) => a.notes === 'PORTALEN')).toBe(true);
    expect(m.fixture.activity.some((a) => a.notes === null)).toBe(true);
  });

  it('makes teaching groups from classes and from groups, with their students', () => {
    const { m, d } = run(size);
    const viaGroup = new Set(m.fixture.activity_group.map((l) => l.activity_id));
    const viaClass = new Set(m.fixture.activity_class.map((l) => l.activity_id));
    const included = d.groups.filter((g) => g.kind === 'teaching' && g.included && g.studentIds.length > 0 && g.teacherIds.length > 0);
    expect(included.some((g) => viaGroup.has(g.id))).toBe(true);
    expect(included.some((g) => viaClass.has(g.id))).toBe(true);
    expect(d.groups.some((g) => g.kind === 'teaching' && viaGroup.has(g.id) && g.reason === 'activity-ended')).toBe(true);
  });

  it('has classes without teachers and without an end date, and their pupils are left out for it', () => {
    const { m, d } = run(size);
    const linked = new Set(m.fixture.class_staff.map((l) => l.class_id));
    const classes = d.groups.filter((g) => g.kind === 'class');
    expect(classes.some((g) => !linked.has(g.id) && g.reason === 'class-no-teacher')).toBe(true);
    expect(classes.some((g) => g.endDate === null && g.startDate !== null && g.reason === 'class-dates-missing')).toBe(true);
  });

  it('exports pupils with missing and invalid e-mail addresses without one', () => {
    const { roster, rows } = run(size);
    const { stats } = resolveEmails(roster, rows.persons, procapitaAddress);
    expect(stats.fromProCapita).toBeGreaterThan(0);
    expect(stats.invalidInProCapita).toBeGreaterThan(0);
    expect(stats.none).toBeGreaterThan(stats.invalidInProCapita);
  });
});

describe('generated sizes', () => {
  it('small: two configured schools with about 300 pupils', () => {
    const { roster } = run('small');
    expect(roster.schools).toHaveLength(2);
    const students = roster.persons.filter((p) => p.roles.includes('student')).length;
    expect(students).toBeGreaterThan(200);
    expect(students).toBeLessThan(400);
  });

  it('medium: about 5,000 pupils exported across about 20 schools', () => {
    const { roster } = run('medium');
    const students = roster.persons.filter((p) => p.roles.includes('student')).length;
    expect(students).toBeGreaterThan(4000);
    expect(students).toBeLessThan(6000);
    expect(roster.schools.length).toBeGreaterThanOrEqual(16);
    expect(roster.schools.length).toBeLessThanOrEqual(24);
  });

  it('large: 350 school units, about 120,000 pupils, 20,000 staff, 5,000 classes and 60,000 activities', () => {
    const f = generateMunicipality('large', 1).fixture;
    expect(f.school_unit).toHaveLength(350);
    const students = new Set(f.class_placement.map((p) => p.person_id)).size;
    const staff = new Set(f.employment.map((e) => e.person_id)).size;
    expect(students).toBeGreaterThan(110_000);
    expect(students).toBeLessThan(130_000);
    expect(staff).toBeGreaterThan(18_000);
    expect(staff).toBeLessThan(23_000);
    expect(f.school_class.length).toBeGreaterThan(4_500);
    expect(f.school_class.length).toBeLessThan(6_000);
    expect(f.activity.length).toBeGreaterThan(52_000);
    expect(f.activity.length).toBeLessThan(68_000);
  });
});

describe('npm run generate (generate-cli.ts)', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t) } };
  };

  it('writes a JSON fixture and a configuration that the connector reads', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'procapita-generate-'));
    const file = join(dir, 'kommun.json');
    const { out, io: sink } = io();
    expect(main(['--size', 'small', '--seed', '1', '--out', file], sink)).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain(`wrote ${file}`);
    expect(out.stdout).toMatch(/class_placement\s+\d+/);
    const rows = await readFixture(file);
    expect(rows.persons).toHaveLength(municipality('small').fixture.person.length);
    const configFile = join(dir, 'kommun.config.json');
    const config = parseConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
    expect(config.source).toEqual({ type: 'fixture', path: file });
    expect(config.rules).toEqual(rulesFor(municipality('small')));
  });

  it('writes a SQLite database with the same rows, and a SQL-source configuration', () => {
    const dir = mkdtempSync(join(tmpdir(), 'procapita-generate-'));
    const file = join(dir, 'kommun.sqlite');
    const { out, io: sink } = io();
    expect(main(['--size', 'small', '--out', file], sink)).toBe(0);
    expect(out.stdout).toContain('SQLite database');
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new Database(file, { readonly: true });
    try {
      const f = municipality('small').fixture;
      for (const [table, rows] of Object.entries(f)) {
        expect((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n, table).toBe((rows as unknown[]).length);
      }
    } finally {
      db.close();
    }
    const configFile = join(dir, 'kommun.config.json');
    const config = parseConfig(JSON.parse(readFileSync(configFile, 'utf8')), configFile);
    expect(config.source).toMatchObject({ type: 'sql', host: '127.0.0.1', port: 1433, database: 'ProCapita', user: 'procapita_reader', encrypt: false });
  });

  it.each([
    [[], /--size is required/],
    [['--size', 'huge', '--out', 'x.json'], /--size must be small, medium, large or xlarge/],
    [['--size', 'small'], /--out FILE is required/],
    [['--size', 'small', '--out', 'x.csv'], /must end in \.json .* or \.sqlite\/\.db/],
    [['--size', 'small', '--seed', 'one', '--out', 'x.json'], /--seed must be a whole number/],
    [['--size', 'small', '--out', '/no/such/folder/x.json'], /folder .* does not exist/],
    [['--sise', 'small'], /Unknown option '--sise'/],
  ])('rejects %j with one clear line', (argv, message) => {
    const { out, io: sink } = io();
    expect(main(argv, sink)).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(message);
    expect(out.stderr).toMatch(/^error: [^\n]+\n$/);
  });
});

