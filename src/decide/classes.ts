/**
 * docs/rules.md, "Class": a class is created when it belongs to an included
 * (unit, school form), both dates are set, D ≥ start − staff lead and D ≤ end,
 * and at least one exported staff member is linked to it. From start − staff
 * lead it carries its teachers; from start − student lead also the exported
 * students whose placement in it is active. The class is decided before the
 * students (a placement needs a created class), and gets its students after.
 */
import type { ClassRow, SourceRows } from '../extract/contract';
import { studentPhaseCheck, studentsJoin, windowCheck, type Check, type Dates } from './checks';
import type { GroupDecision } from './decisions';
import type { Reason } from './reasons';
import { groupBy, sortedIds } from './rows-index';
import type { IncludedSchools } from './school-units';
import { teacherCheck } from './staff';

/** A class decided but for its students. */
export interface ClassVerdict {
  readonly row: ClassRow;
  readonly checks: Check[];
  readonly reason?: Reason;
  readonly teacherIds: string[];
}

export function decideClasses(rows: SourceRows, dates: Dates, schools: IncludedSchools, exportedStaff: ReadonlySet<string>): Map<string, ClassVerdict> {
  const staffByClass = groupBy(rows.classStaff, (s) => s.class_id);
  const classes = new Map<string, ClassVerdict>();
  for (const c of rows.classes) {
    const what = () => `class ${c.name}`;
    const checks: Check[] = [];
    let reason: Reason | undefined;
    // 1. It belongs to an included (unit, school form).
    const school = schools.schoolCheck(what, c.unit_id, c.school_form);
    checks.push(school);
    if (!school.ok) reason = 'class-school-not-included';
    // 2–3. Both dates set; D ≥ start − staff lead and D ≤ end.
    const window = windowCheck(dates, what, c.start_date, c.end_date);
    checks.push(window.check);
    if (window.reason) reason ??= `class-${window.reason}`;
    // 4. At least one exported staff member is linked to it.
    const teachers = teacherCheck(exportedStaff, staffByClass.get(c.class_id));
    checks.push(teachers.check);
    if (!teachers.check.ok) reason ??= 'class-no-teacher';
    classes.set(c.class_id, { row: c, checks, ...(reason ? { reason } : {}), teacherIds: teachers.teacherIds });
  }
  return classes;
}

/** The classes as groups, with their students: `studentsOf` gives the exported students with an active placement. */
export function classGroups(classes: ReadonlyMap<string, ClassVerdict>, dates: Dates, studentsOf: (classId: string) => string[]): GroupDecision[] {
  const groups: GroupDecision[] = [];
  for (const [classId, c] of classes) {
    const from = studentsJoin(dates, c.row.start_date);
    const studentIds = !c.reason && from !== null && dates.D >= from ? sortedIds(studentsOf(classId)) : [];
    groups.push({
      kind: 'class',
      id: classId,
      name: c.row.name,
      unitId: c.row.unit_id,
      schoolForm: c.row.school_form,
      startDate: c.row.start_date,
      endDate: c.row.end_date,
      included: !c.reason,
      ...(c.reason ? { reason: c.reason } : {}),
      checks: c.reason ? c.checks : [...c.checks, studentPhaseCheck(dates, from, studentIds.length)],
      teacherIds: c.reason ? [] : c.teacherIds,
      studentIds,
      studentsFrom: from,
    });
  }
  return groups;
}
