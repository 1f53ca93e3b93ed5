/**
 * Class rule: created only at an included (unit, form), with both dates set,
 * from start − 14 days (staff lead) through its end date, and with at least
 * one exported teacher via class_staff. From start − 14 it carries teachers;
 * from start − 1 (student lead) also the exported students whose placement
 * in it is active.
 */
import { describe, expect, it } from 'vitest';
import { D, day, expectWindowCase, failed, type WindowCase, groupOf, named, run, world } from '../support/world';

const NOT_INCLUDED = 'which is not an included school (not configured, or not active on 2026-08-20)';

describe('class window (D = 2026-08-20, lead days staff 14 / students 1)', () => {
  const cases: WindowCase[] = [
    {
      name: 'start 2026-08-17, end 2027-06-11 (running)',
      start: '2026-08-17',
      end: '2027-06-11',
      reason: null,
      students: true,
      text: 'class 7B is within its window on 2026-08-20: from 2026-08-03 (start 2026-08-17 − 14 days) to 2027-06-11',
    },
    {
      name: 'start = D+14 (start − 14 = D): created, teachers only',
      start: day(14),
      end: '2027-06-11',
      reason: null,
      students: false,
      text: 'class 7B is within its window on 2026-08-20: from 2026-08-20 (start 2026-09-03 − 14 days) to 2027-06-11',
    },
    {
      name: 'start = D+15 (start − 15 = D): not created',
      start: day(15),
      end: '2027-06-11',
      reason: 'class-not-started',
      students: false,
      text: 'class 7B starts 2026-09-04; it is created from 2026-08-21 (start − 14 days), after 2026-08-20',
    },
    {
      name: 'start = D+1 (start − 1 = D): students present',
      start: day(1),
      end: '2027-06-11',
      reason: null,
      students: true,
      text: 'students are added from 2026-08-20 (start − 1 day): 1 exported student',
    },
    {
      name: 'start = D+2 (start − 2 = D): students not yet',
      start: day(2),
      end: '2027-06-11',
      reason: null,
      students: false,
      text: 'students are added from 2026-08-21: none yet on 2026-08-20',
    },
    { name: 'start = D: students present', start: D, end: '2027-06-11', reason: null, students: true, text: 'students are added from 2026-08-19 (start − 1 day): 1 exported student' },
    { name: 'end = D (inclusive)', start: '2025-08-18', end: D, reason: null, students: true, text: 'class 7B is within its window on 2026-08-20: from 2025-08-04 (start 2025-08-18 − 14 days) to 2026-08-20' },
    { name: 'end = D−1', start: '2025-08-18', end: day(-1), reason: 'class-ended', students: false, text: 'class 7B ended 2026-08-19 (before 2026-08-20)' },
    { name: 'start NULL', start: null, end: '2027-06-11', reason: 'class-dates-missing', students: false, text: 'class 7B has no start date' },
    { name: 'end NULL', start: '2026-08-17', end: null, reason: 'class-dates-missing', students: false, text: 'class 7B has no end date' },
    { name: 'start and end NULL', start: null, end: null, reason: 'class-dates-missing', students: false, text: 'class 7B has no start and end dates' },
  ];

  it.each(named(cases))('class %s', (_, { start, end, reason, students, text }) => {
    const { b, school, teacher } = world();
    const c = b.class({ unit: school, name: '7B', start, end, teachers: [teacher] });
    const s = b.student({ cls: c, start: '2026-08-01' });
    const g = groupOf(run(b), c);
    expectWindowCase(g, 'class', { reason, teacher, student: students ? s : null, text });
  });

  it('studentsFrom is start − 1 (student lead), null without a start date', () => {
    const { b, school, teacher } = world();
    const c1 = b.class({ unit: school, start: '2026-08-17', teachers: [teacher] });
    const c2 = b.class({ unit: school, start: null, teachers: [teacher] });
    const d = run(b);
    expect(groupOf(d, c1).studentsFrom).toBe('2026-08-16');
    expect(groupOf(d, c2).studentsFrom).toBeNull();
  });

  it('a class with NULL dates added as a raw row (as the extract stage yields it) → class-dates-missing', () => {
    const { b, school, teacher } = world();
    const id = b.id('class');
    b.raw('classes', { class_id: id, unit_id: school, school_form: 'GR', name: '7N', start_date: null, end_date: null });
    b.classTeacher(id, teacher);
    expect(groupOf(run(b), id)).toMatchObject({ included: false, reason: 'class-dates-missing' });
  });
});

describe('class school', () => {
  const cases = [
    { name: 'at a school not configured (OTHR GR)', unit: 'other', form: 'GR', text: `class 9A belongs to OTHR GR, ${NOT_INCLUDED}` },
    { name: 'in a form not configured (KRSK GY)', unit: 'school', form: 'GY', text: `class 9A belongs to KRSK GY, ${NOT_INCLUDED}` },
  ] as const;

  it.each(cases)('a class $name → class-school-not-included', ({ unit, form, text }) => {
    const w = world();
    const c = w.b.class({ unit: w[unit], form, name: '9A', teachers: [w.teacher] });
    const s = w.b.student({ cls: c });
    const g = groupOf(run(w.b), c);
    expect(g).toMatchObject({ included: false, reason: 'class-school-not-included', teacherIds: [], studentIds: [] });
    expect(failed(g.checks)).toEqual([text]);
    expect(g.studentIds).not.toContain(s);
  });

  it('a class at a configured school unit that ended yesterday → class-school-not-included', () => {
    const w = world();
    const closed = w.b.school({ code: 'KRSK', name: 'Gamla Krokslätt', end: day(-1) });
    const c = w.b.class({ unit: closed, name: '9A', teachers: [w.teacher] });
    expect(groupOf(run(w.b), c)).toMatchObject({ included: false, reason: 'class-school-not-included' });
  });
});

describe('class teachers', () => {
  const cases = [
    { name: 'no teacher linked', teachers: [] as const, reason: 'class-no-teacher', text: 'no staff linked', exported: [] as const },
    { name: 'only teacher is protected (level 1)', teachers: ['protected'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only teacher has protected_identity NULL', teachers: ['unknown'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only teacher’s employment ended yesterday', teachers: ['ended'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only teacher is employed at a school not configured', teachers: ['elsewhere'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only teacher is deceased', teachers: ['deceased'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'only linked person is a student, not staff', teachers: ['student'] as const, reason: 'class-no-teacher', text: '1 staff linked, none of them exported', exported: [] as const },
    { name: 'one protected and one exported teacher', teachers: ['protected', 'ok'] as const, reason: null, text: '1 exported staff linked', exported: ['ok'] as const },
    { name: 'teacher starting within the staff lead (D+14)', teachers: ['soon'] as const, reason: null, text: '1 exported staff linked', exported: ['soon'] as const },
  ];

  it.each(named(cases))('class whose %s', (_, { teachers, reason, text, exported }) => {
    const w = world();
    const { b, school, other } = w;
    const make = {
      protected: () => b.staff({ unit: school, protectedLevel: 1 }),
      unknown: () => b.staff({ unit: school, protectedLevel: null }),
      ended: () => b.staff({ unit: school, end: day(-1) }),
      elsewhere: () => b.staff({ unit: other }),
      deceased: () => b.staff({ unit: school, deceased: true }),
      student: () => b.student({ cls: w.cls }),
      ok: () => b.staff({ unit: school }),
      soon: () => b.staff({ unit: school, start: day(14) }),
    };
    const ids = Object.fromEntries(teachers.map((k) => [k, make[k]()]));
    const c = b.class({ unit: school, name: '7T', teachers: teachers.map((k) => ids[k]!) });
    const s = b.student({ cls: c });
    const g = groupOf(run(b), c);
    expect(g.included).toBe(reason === null);
    expect(g.reason).toBe(reason ?? undefined);
    expect(g.teacherIds).toEqual(exported.map((k) => ids[k]));
    expect(g.studentIds).toEqual(reason === null ? [s] : []);
    expect(g.checks.find((c) => c.text === text)?.ok).toBe(reason === null);
  });
});

describe('class students', () => {
  it('only exported students with an active placement in the class are listed', () => {
    const { b, cls } = world();
    const active = b.student({ cls });
    const ended = b.student({ cls, start: '2025-08-18', end: '2026-06-12' });
    const protectedOne = b.student({ cls, protectedLevel: 2 });
    const deregistered = b.student({ cls, deregistered: true });
    const startsD2 = b.student({ cls, start: day(2) });
    const g = groupOf(run(b), cls);
    expect(g.studentIds).toEqual([active]);
    for (const id of [ended, protectedOne, deregistered, startsD2]) expect(g.studentIds).not.toContain(id);
  });

  it('a student exported through another class is not listed in a class whose placement ended', () => {
    const { b, school, teacher, cls } = world();
    const c8 = b.class({ unit: school, name: '8A', teachers: [teacher] });
    const s = b.student({ cls, start: '2025-08-18', end: '2026-06-12' });
    b.placement(s, { cls: c8 });
    const d = run(b);
    expect(groupOf(d, cls).studentIds).toEqual([]);
    expect(groupOf(d, c8).studentIds).toEqual([s]);
  });
});
