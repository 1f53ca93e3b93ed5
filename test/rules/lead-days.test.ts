/**
 * Lead days are configuration: with leadDays { staff: 7, students: 2 } every
 * boundary moves. Staff lead: employments, and when classes and teaching
 * groups are created. Student lead: placements and memberships, and when
 * students join a class or teaching group.
 */
import { describe, expect, it } from 'vitest';
import { rules } from '../support/builder';
import { day, failed, groupOf, passed, personOf, run, table, world } from '../support/world';

const config = rules({ leadDays: { staff: 7, students: 2 } });

describe('leadDays { staff: 7, students: 2 }', () => {
  it.each([
    { start: day(7), included: true, text: 'employment at KRSK starts 2026-08-27, within the lead time (on or before 2026-08-27, sync date + 7 days)' },
    { start: day(8), included: false, text: 'employment at KRSK starts 2026-08-28, after 2026-08-27 (sync date + 7 days)' },
  ])('employment starting $start → included $included', ({ start, included, text }) => {
    const w = world();
    const t = w.b.staff({ unit: w.school, start });
    const p = personOf(run(w.b, config), t);
    expect(p.staff?.included).toBe(included);
    expect(p.staff?.checks.find((c) => c.text === text)?.ok).toBe(included);
  });

  it.each([
    { start: day(2), included: true, text: 'placement in 7B at KRSK starts 2026-08-22, within the lead time (on or before 2026-08-22, sync date + 2 days), in an included class' },
    { start: day(3), included: false, text: 'placement in 7B at KRSK starts 2026-08-23, after 2026-08-22 (sync date + 2 days)' },
  ])('placement starting $start → included $included', ({ start, included, text }) => {
    const w = world();
    const s = w.b.student({ cls: w.cls, start });
    const p = personOf(run(w.b, config), s);
    expect(p.student?.included).toBe(included);
    expect(p.student?.checks.find((c) => c.text === text)?.ok).toBe(included);
  });

  it.each([
    { kind: 'class', start: day(7), created: true, students: false, text: 'class 7B is within its window on 2026-08-20: from 2026-08-20 (start 2026-08-27 − 7 days) to 2027-06-11' },
    { kind: 'class', start: day(8), created: false, students: false, text: 'class 7B starts 2026-08-28; it is created from 2026-08-21 (start − 7 days), after 2026-08-20' },
    { kind: 'class', start: day(2), created: true, students: true, text: 'students are added from 2026-08-20 (start − 2 days): 1 exported student' },
    { kind: 'class', start: day(3), created: true, students: false, text: 'students are added from 2026-08-21: none yet on 2026-08-20' },
    { kind: 'activity', start: day(7), created: true, students: false, text: 'activity is within its window on 2026-08-20: from 2026-08-20 (start 2026-08-27 − 7 days), end 2027-06-11' },
    { kind: 'activity', start: day(8), created: false, students: false, text: 'activity starts 2026-08-28; it is created from 2026-08-21 (start − 7 days), after 2026-08-20' },
    { kind: 'activity', start: day(2), created: true, students: true, text: 'students are added from 2026-08-20 (start − 2 days): 1 exported student' },
    { kind: 'activity', start: day(3), created: true, students: false, text: 'students are added from 2026-08-21: none yet on 2026-08-20' },
  ] as const)('$kind starting $start → created $created, students $students', ({ kind, start, created, students, text }) => {
    const w = world();
    // For the class case 7B itself moves; for the activity case 7B stays as is and the activity moves.
    const cls = kind === 'class' ? w.b.class({ unit: w.school, name: '7B', start, teachers: [w.teacher] }) : w.cls;
    const s = w.b.student({ cls, start: '2026-08-01' });
    const id = kind === 'class' ? cls : w.b.activity({ unit: w.school, start, classes: [cls], teachers: [w.teacher] });
    const g = groupOf(run(w.b, config), id);
    expect(g.included).toBe(created);
    expect(g.studentIds).toEqual(students ? [s] : []);
    if (created) expect(passed(g.checks)).toContain(text);
    else expect(failed(g.checks)).toEqual([text]);
  });

  it.each([
    { start: day(2), member: true },
    { start: day(3), member: false },
  ])('group membership starting $start → member $member', ({ start, member }) => {
    const w = world();
    const s = w.b.student({ cls: w.cls });
    const grp = w.b.group({ unit: w.school });
    w.b.member(grp, s, { start });
    const a = w.b.activity({ unit: w.school, groups: [grp], teachers: [w.teacher] });
    expect(groupOf(run(w.b, config), a).studentIds).toEqual(member ? [s] : []);
  });
});

describe('leadDays { staff: 0, students: 0 }: nothing before its start date', () => {
  const zero = rules({ leadDays: { staff: 0, students: 0 } });
  it.each([
    { what: 'employment starting D', start: day(0), included: true },
    { what: 'employment starting D+1', start: day(1), included: false },
  ])('$what → included: $included', ({ start, included }) => {
    const w = world();
    const t = w.b.staff({ unit: w.school, start });
    expect(personOf(run(w.b, zero), t).staff?.included).toBe(included);
  });

  it.each(
    table(
      [
        { what: 'class starting D: created, with students', start: day(0), created: true, students: true },
        { what: 'class starting D+1: not created', start: day(1), created: false, students: false },
      ],
      (c) => c.what,
    ),
  )('%s', (_, { start, created, students }) => {
    const w = world();
    const c = w.b.class({ unit: w.school, start, teachers: [w.teacher] });
    const s = w.b.student({ cls: c, start: '2026-08-01' });
    const g = groupOf(run(w.b, zero), c);
    expect(g.included).toBe(created);
    expect(g.studentIds).toEqual(students ? [s] : []);
  });
});
