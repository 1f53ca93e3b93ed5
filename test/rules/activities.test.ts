/**
 * Teaching-group (activity) rule: created only when selected (PORTAL as a
 * whole word in the notes, any case; or a name prefix / suffix, any case),
 * not cancelled, start set and D ≥ start − 14, end empty or strictly after D,
 * its own (unit, form) included, linked to at least one class or group that
 * is in its window (both dates set, D ≥ start − 14, D ≤ end) at an included
 * school, and with at least one exported teacher via activity_staff.
 * Teachers: the exported linked staff. From start − 1: the exported students
 * of the linked active classes (active placement) and groups (active
 * membership: start ≤ D+1, end empty or ≥ D).
 */
import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../../src/configure/config';
import { hasPortalMarker } from '../../src/decide/decide';
import type { Reason } from '../../src/decide/reasons';
import { rules, type ActivityOptions } from '../support/builder';
import { D, day, expectWindowCase, failed, type WindowCase, groupOf, named, passed, run, table, world, type World } from '../support/world';

const NOT_INCLUDED = 'which is not an included school (not configured, or not active on 2026-08-20)';

/**
 * The standard world plus an enrolled student in 7B (since 2026-08-17) and
 * activity "Ma 7B" (PORTAL, 2026-08-17 – 2027-06-11, class 7B, the teacher);
 * `o` overrides the activity.
 */
function withActivity(o: Partial<ActivityOptions> = {}, config: RuleConfig = rules()) {
  const w = world();
  const student = w.b.student({ cls: w.cls });
  const activity = w.b.activity({ unit: w.school, form: 'GR', name: 'Ma 7B', notes: 'PORTAL', classes: [w.cls], teachers: [w.teacher], ...o });
  const decision = () => groupOf(run(w.b, config), activity);
  return { ...w, student, activity, decision };
}

describe('PORTAL marker in the notes: a whole word, any case', () => {
  const cases: { notes: string | null; marked: boolean }[] = [
    { notes: 'PORTAL', marked: true },
    { notes: 'portal', marked: true },
    { notes: 'Portal', marked: true },
    { notes: 'Portal; extra', marked: true },
    { notes: 'Matte för 7B (PORTAL)', marked: true },
    { notes: 'Teams: portal, från ht', marked: true },
    { notes: 'PORTALEN', marked: false },
    { notes: 'Teamsportal', marked: false },
    { notes: 'PORTAL2', marked: false },
    { notes: 'PORT AL', marked: false },
    { notes: '', marked: false },
    { notes: null, marked: false },
  ];

  it.each(cases)('hasPortalMarker($notes) → $marked', ({ notes, marked }) => {
    expect(hasPortalMarker(notes)).toBe(marked);
  });

  it.each(cases)('activity with notes $notes → selected: $marked', ({ notes, marked }) => {
    const g = withActivity({ notes }).decision();
    expect(g.included).toBe(marked);
    if (marked) expect(passed(g.checks)).toContain('notes contain the marker PORTAL');
    else {
      expect(g.reason).toBe('activity-not-selected');
      expect(failed(g.checks)).toEqual(['notes do not contain the word PORTAL']);
    }
  });
});

describe('selection by name prefix or suffix (any case; the notes do not matter)', () => {
  const prefix = rules({ teachingGroups: { select: 'namePrefix', prefix: 'Teams ' } });
  const suffix = rules({ teachingGroups: { select: 'nameSuffix', suffix: ' Teams' } });
  const cases = [
    { mode: 'prefix "Teams "', config: prefix, name: 'Teams Ma 7B', notes: null, reason: null, text: 'name starts with "Teams "' },
    { mode: 'prefix "Teams "', config: prefix, name: 'TEAMS ma 7B', notes: null, reason: null, text: 'name starts with "Teams "' },
    { mode: 'prefix "Teams "', config: prefix, name: 'Ma 7B Teams', notes: 'PORTAL', reason: 'activity-not-selected', text: 'name "Ma 7B Teams" does not start with "Teams "' },
    { mode: 'prefix "Teams "', config: prefix, name: 'TeamsMa 7B', notes: 'PORTAL', reason: 'activity-not-selected', text: 'name "TeamsMa 7B" does not start with "Teams "' },
    { mode: 'suffix " Teams"', config: suffix, name: 'Ma 7B Teams', notes: null, reason: null, text: 'name ends with " Teams"' },
    { mode: 'suffix " Teams"', config: suffix, name: 'Ma 7B teams', notes: null, reason: null, text: 'name ends with " Teams"' },
    { mode: 'suffix " Teams"', config: suffix, name: 'Teams Ma 7B', notes: 'PORTAL', reason: 'activity-not-selected', text: 'name "Teams Ma 7B" does not end with " Teams"' },
    { mode: 'suffix " Teams"', config: suffix, name: 'Ma 7BTeams', notes: 'PORTAL', reason: 'activity-not-selected', text: 'name "Ma 7BTeams" does not end with " Teams"' },
  ] as const;

  it.each(table(cases, (c) => `${c.mode}: name "${c.name}", notes ${JSON.stringify(c.notes)} → ${c.reason ?? 'included'}`))('%s', (_, { config, name, notes, reason, text }) => {
    const g = withActivity({ name, notes }, config).decision();
    expect(g.included).toBe(reason === null);
    expect(g.reason).toBe(reason ?? undefined);
    if (reason === null) expect(passed(g.checks)).toContain(text);
    else expect(failed(g.checks)).toEqual([text]);
  });
});

describe('cancelled', () => {
  const cases = [
    { name: 'not cancelled', cancelled: false, reason: null },
    { name: 'cancelled', cancelled: true, reason: 'activity-cancelled' },
  ] as const;
  it.each(named(cases))('activity %s', (_, { cancelled, reason }) => {
    const g = withActivity({ cancelled }).decision();
    expect(g.reason).toBe(reason ?? undefined);
    expect(failed(g.checks)).toEqual(cancelled ? ['activity is cancelled'] : []);
  });
});

describe('activity window (D = 2026-08-20)', () => {
  const cases: WindowCase[] = [
    {
      name: 'start = D+14 (start − 14 = D): created, teachers only',
      start: day(14),
      end: '2027-06-11',
      reason: null,
      students: false,
      text: 'activity is within its window on 2026-08-20: from 2026-08-20 (start 2026-09-03 − 14 days), end 2027-06-11',
    },
    {
      name: 'start = D+15 (start − 15 = D): not created',
      start: day(15),
      end: '2027-06-11',
      reason: 'activity-not-started',
      students: false,
      text: 'activity starts 2026-09-04; it is created from 2026-08-21 (start − 14 days), after 2026-08-20',
    },
    { name: 'start = D+1 (start − 1 = D): students present', start: day(1), end: '2027-06-11', reason: null, students: true, text: 'students are added from 2026-08-20 (start − 1 day): 1 exported student' },
    { name: 'start = D+2 (start − 2 = D): students not yet', start: day(2), end: '2027-06-11', reason: null, students: false, text: 'students are added from 2026-08-21: none yet on 2026-08-20' },
    { name: 'start NULL', start: null, end: '2027-06-11', reason: 'activity-start-missing', students: false, text: 'activity has no start date' },
    { name: 'end NULL (open)', start: '2026-08-17', end: null, reason: null, students: true, text: 'activity is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days), end open' },
    { name: 'end = D+1', start: '2026-08-17', end: day(1), reason: null, students: true, text: 'activity is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days), end 2026-08-21' },
    { name: 'end = D (must be strictly later than D)', start: '2026-08-17', end: D, reason: 'activity-ended', students: false, text: 'activity ends 2026-08-20, not later than 2026-08-20' },
    { name: 'end = D−1', start: '2026-08-17', end: day(-1), reason: 'activity-ended', students: false, text: 'activity ends 2026-08-19, not later than 2026-08-20' },
  ];

  it.each(named(cases))('activity %s', (_, { start, end, reason, students, text }) => {
    const { decision, teacher, student } = withActivity({ start, end });
    const g = decision();
    expectWindowCase(g, 'teaching', { reason, teacher, student: students ? student : null, text });
  });
});

describe('activity school', () => {
  it('an activity at a school that is not configured (its class and teacher are fine) → activity-school-not-included', () => {
    const w = world();
    w.b.student({ cls: w.cls });
    const a = w.b.activity({ unit: w.other, form: 'GR', name: 'Ma 7B', notes: 'PORTAL', classes: [w.cls], teachers: [w.teacher] });
    const g = groupOf(run(w.b), a);
    expect(g).toMatchObject({ included: false, reason: 'activity-school-not-included', teacherIds: [], studentIds: [] });
    expect(failed(g.checks)).toEqual([`activity belongs to OTHR GR, ${NOT_INCLUDED}`]);
  });

  it('an activity in a school form that is not configured (KRSK GY) → activity-school-not-included', () => {
    const g = withActivity({ form: 'GY' }).decision();
    expect(g).toMatchObject({ included: false, reason: 'activity-school-not-included' });
    expect(failed(g.checks)).toEqual([`activity belongs to KRSK GY, ${NOT_INCLUDED}`]);
  });
});

describe('linked classes and groups', () => {
  interface LinkCase {
    readonly name: string;
    readonly link: (w: World) => Pick<ActivityOptions, 'classes' | 'groups'>;
    readonly reason: Reason | null;
    readonly text: string;
  }
  const cases: LinkCase[] = [
    { name: 'its class 7B (running)', link: (w) => ({ classes: [w.cls] }), reason: null, text: 'linked class 7B is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days) to 2027-06-11' },
    {
      name: 'only an inactive class (ended D−1)',
      link: (w) => ({ classes: [w.b.class({ unit: w.school, name: '6B', start: '2025-08-18', end: day(-1), teachers: [w.teacher] })] }),
      reason: 'activity-no-active-class-or-group',
      text: 'linked class 6B ended 2026-08-19 (before 2026-08-20)',
    },
    {
      name: 'only a class that starts D+15',
      link: (w) => ({ classes: [w.b.class({ unit: w.school, name: '7F', start: day(15), teachers: [w.teacher] })] }),
      reason: 'activity-no-active-class-or-group',
      text: 'linked class 7F starts 2026-09-04; it is created from 2026-08-21 (start − 14 days), after 2026-08-20',
    },
    {
      name: 'only a class with NULL end date',
      link: (w) => ({ classes: [w.b.class({ unit: w.school, name: '7N', end: null, teachers: [w.teacher] })] }),
      reason: 'activity-no-active-class-or-group',
      text: 'linked class 7N has no end date',
    },
    {
      name: 'only a class at a school not configured',
      link: (w) => ({ classes: [w.b.class({ unit: w.other, name: '9A', teachers: [w.teacher] })] }),
      reason: 'activity-no-active-class-or-group',
      text: `linked class 9A belongs to OTHR GR, ${NOT_INCLUDED}`,
    },
    { name: 'nothing', link: () => ({}), reason: 'activity-no-active-class-or-group', text: 'no class or group linked' },
    {
      name: 'only a running group',
      link: (w) => ({ groups: [w.b.group({ unit: w.school, name: 'Sv2 åk 7' })] }),
      reason: null,
      text: 'linked group Sv2 åk 7 is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days) to 2027-06-11',
    },
    {
      name: 'only a group that ended D−1',
      link: (w) => ({ groups: [w.b.group({ unit: w.school, name: 'Sv2 vt', start: '2026-01-07', end: day(-1) })] }),
      reason: 'activity-no-active-class-or-group',
      text: 'linked group Sv2 vt ended 2026-08-19 (before 2026-08-20)',
    },
    {
      name: 'only a group with NULL start date',
      link: (w) => ({ groups: [w.b.group({ unit: w.school, name: 'Sv2 x', start: null })] }),
      reason: 'activity-no-active-class-or-group',
      text: 'linked group Sv2 x has no start date',
    },
    {
      name: 'only a group at a school not configured',
      link: (w) => ({ groups: [w.b.group({ unit: w.other, name: 'Sv2 O' })] }),
      reason: 'activity-no-active-class-or-group',
      text: `linked group Sv2 O belongs to OTHR GR, ${NOT_INCLUDED}`,
    },
    {
      name: 'an inactive class and the running class 7B',
      link: (w) => ({ classes: [w.b.class({ unit: w.school, name: '6B', start: '2025-08-18', end: day(-1), teachers: [w.teacher] }), w.cls] }),
      reason: null,
      text: 'linked class 7B is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days) to 2027-06-11',
    },
    {
      // The link rule asks for a class in its window at an included school, not for a created class.
      name: 'only a running class that has no teacher itself',
      link: (w) => ({ classes: [w.b.class({ unit: w.school, name: '7C' })] }),
      reason: null,
      text: 'linked class 7C is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days) to 2027-06-11',
    },
  ];

  it.each(named(cases))('activity linked to %s', (_, { link, reason, text }) => {
    const w = world();
    const a = w.b.activity({ unit: w.school, name: 'Ma', teachers: [w.teacher], ...link(w) });
    const g = groupOf(run(w.b), a);
    expect(g.included).toBe(reason === null);
    expect(g.reason).toBe(reason ?? undefined);
    if (reason === null) expect(passed(g.checks)).toContain(text);
    else expect(failed(g.checks)).toContain(text);
  });
});

describe('activity teachers', () => {
  const cases = [
    { name: 'no staff linked', kinds: [] as const, reason: 'activity-no-teacher', text: 'no staff linked', exported: [] as const },
    { name: 'only a protected teacher', kinds: ['protected'] as const, reason: 'activity-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only a teacher starting D+15', kinds: ['late'] as const, reason: 'activity-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only a deceased teacher', kinds: ['deceased'] as const, reason: 'activity-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'a protected and an exported teacher', kinds: ['protected', 'ok'] as const, reason: null, text: '1 exported staff linked', exported: ['ok'] as const },
    { name: 'two exported teachers', kinds: ['ok', 'ok2'] as const, reason: null, text: '2 exported staff linked', exported: ['ok', 'ok2'] as const },
  ];

  it.each(named(cases))('activity with %s', (_, { kinds, reason, text, exported }) => {
    const w = world();
    const { b, school } = w;
    const make = {
      protected: () => b.staff({ unit: school, protectedLevel: 3 }),
      late: () => b.staff({ unit: school, start: day(15) }),
      deceased: () => b.staff({ unit: school, deceased: true }),
      ok: () => b.staff({ unit: school }),
      ok2: () => b.staff({ unit: school }),
    };
    const ids = Object.fromEntries(kinds.map((k) => [k, make[k]()]));
    const a = b.activity({ unit: school, classes: [w.cls], teachers: kinds.map((k) => ids[k]!) });
    const g = groupOf(run(b), a);
    expect(g.included).toBe(reason === null);
    expect(g.reason).toBe(reason ?? undefined);
    expect(g.teacherIds).toEqual(exported.map((k) => ids[k]).sort());
    expect(g.checks.find((c) => c.text === text)?.ok).toBe(reason === null);
  });

  it('the class teacher is not an activity teacher unless linked to the activity', () => {
    const w = world();
    const other = w.b.staff({ unit: w.school });
    const a = w.b.activity({ unit: w.school, classes: [w.cls], teachers: [other] });
    expect(groupOf(run(w.b), a).teacherIds).toEqual([other]);
  });
});

describe('activity students via a group membership (membership active: start ≤ D+1, end empty or ≥ D)', () => {
  const cases = [
    { name: 'since the group start, open end', start: '2026-08-17', end: null, member: true },
    { name: 'starting D+1', start: day(1), end: null, member: true },
    { name: 'starting D+2', start: day(2), end: null, member: false },
    { name: 'ending D', start: '2026-08-17', end: D, member: true },
    { name: 'ending D−1', start: '2026-08-17', end: day(-1), member: false },
    { name: 'NULL start', start: null, end: null, member: false },
  ];

  it.each(cases)('membership $name → member: $member', ({ start, end, member }) => {
    const w = world();
    const s = w.b.student({ cls: w.cls });
    const grp = w.b.group({ unit: w.school, name: 'Sv2 åk 7' });
    w.b.member(grp, s, { start, end });
    const a = w.b.activity({ unit: w.school, name: 'Sv2', groups: [grp], teachers: [w.teacher] });
    const g = groupOf(run(w.b), a);
    expect(g.included).toBe(true);
    expect(g.studentIds).toEqual(member ? [s] : []);
  });
});

describe('activity students: only exported students', () => {
  it('group members who are not exported students are never listed', () => {
    const w = world();
    const { b, school, cls, teacher } = w;
    const grp = b.group({ unit: school });
    const ok = b.student({ cls });
    const notPlaced = b.person(); // member of the group but no class placement
    const protectedOne = b.student({ cls, protectedLevel: 1 });
    const unknown = b.student({ cls, protectedLevel: null });
    const deceased = b.student({ cls, deceased: true });
    const deregistered = b.student({ cls, deregistered: true });
    const noClass = b.student({ cls: b.class({ unit: school, name: '7C' }) }); // only class has no teacher
    const teacherMember = b.staff({ unit: school }); // staff in a student group
    for (const id of [ok, notPlaced, protectedOne, unknown, deceased, deregistered, noClass, teacherMember]) b.member(grp, id);
    const a = b.activity({ unit: school, groups: [grp], teachers: [teacher] });
    expect(groupOf(run(b), a).studentIds).toEqual([ok]);
  });

  it('a student both in the linked class and in the linked group is listed once', () => {
    const w = world();
    const s = w.b.student({ cls: w.cls });
    const grp = w.b.group({ unit: w.school });
    w.b.member(grp, s);
    const a = w.b.activity({ unit: w.school, classes: [w.cls], groups: [grp], teachers: [w.teacher] });
    expect(groupOf(run(w.b), a).studentIds).toEqual([s]);
  });

  it('students of an inactive linked class are not listed, those of the active one are', () => {
    const w = world();
    const old = w.b.class({ unit: w.school, name: '6B', start: '2025-08-18', end: day(-1), teachers: [w.teacher] });
    const current = w.b.student({ cls: w.cls });
    const lingering = w.b.student({ cls: w.cls });
    w.b.placement(lingering, { cls: old, start: '2025-08-18', end: null }); // placement in 6B never closed
    const onlyOld = w.b.student({ cls: old, start: '2025-08-18' });
    const a = w.b.activity({ unit: w.school, classes: [old, w.cls], teachers: [w.teacher] });
    expect(groupOf(run(w.b), a).studentIds).toEqual([current, lingering].sort());
    expect(groupOf(run(w.b), a).studentIds).not.toContain(onlyOld);
  });

  it('students of a linked class that is in its window but not created (no teacher) are not exported, so not listed', () => {
    const w = world();
    const noTeacher = w.b.class({ unit: w.school, name: '7C' });
    const s = w.b.student({ cls: noTeacher });
    const a = w.b.activity({ unit: w.school, classes: [noTeacher], teachers: [w.teacher] });
    const g = groupOf(run(w.b), a);
    expect(g.included).toBe(true);
    expect(g.studentIds).toEqual([]);
    expect(g.studentIds).not.toContain(s);
  });
});
