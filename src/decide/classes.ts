/**
 * docs/rules.md, "Class": a class is created when it belongs to an included
 * (unit, school form), both dates are set, D ≥ start − staff lead and D ≤ end,
 * and at least one exported staff member is linked to it. From start − staff
 * lead it carries its teachers; from start − student lead also the exported
 * students whose placement in it is active. The class is decided before the
 * students (a placement needs a created class), and gets its students after.
 */
import type { ClassRow, SourceRows } from '../extract/contract';
import type { RowPositions } from '../extract/positions';
import { recorded, studentPhaseCheck, windowRule, type Check, type Dates, type Out } from './checks';
import { groupDecision, type GroupDecision } from './decisions';
import { NONE, type People } from './identity';
import type { Reason } from './reasons';
import type { IncludedSchools } from './school-units';
import { staffLinks, teacherRule, type StaffDecisions } from './staff';

/** The classes decided but for their students, by row position. */
export interface ClassVerdicts {
  readonly rows: readonly ClassRow[];
  /** A class id's row position (the last row, should there be two). */
  readonly positionOf: (classId: string) => number;
  /** Why each class is not created; undefined when it is. */
  readonly reason: readonly (Reason | undefined)[];
  /** 1 where the class is at an included school and within its window: what a teaching group's link asks. */
  readonly linkActive: Uint8Array;
  readonly teacherIds: readonly (readonly string[])[];
  /** The checks of the class at `at` (no student phase): the words of a placement in a class that is not created. */
  readonly checks: (at: number) => Check[];
}

export function decideClasses(rows: SourceRows, dates: Dates, schools: IncludedSchools, people: People, positions: RowPositions, staff: StaffDecisions): ClassVerdicts {
  const classes = rows.classes;
  const classPositions = positions.parents.classes;
  const positionOf = (classId: string) => classPositions.get(classId) ?? -1;
  const links = positions.links.classStaff;
  const teachers = staffLinks(rows.classStaff, links.person_id, links.class_id, classes.length);

  /** Rules 1–4 for the class at `at`: the reason of the first that fails, and whether its school and window hold. */
  const classRule = (at: number, out: Out): { reason: Reason | undefined; linkActive: boolean; teacherIds: readonly string[] } => {
    const c = classes[at]!;
    const what = out ? `class ${c.name}` : '';
    let reason: Reason | undefined;
    // 1. It belongs to an included (unit, school form).
    const school = schools.schoolRule(c.unit_id, c.school_form, out, what);
    if (!school) reason = 'class-school-not-included';
    // 2–3. Both dates set; D ≥ start − staff lead and D ≤ end.
    const window = windowRule(dates, c.start_date, c.end_date, out, what);
    if (window) reason ??= `class-${window}`;
    // 4. At least one exported staff member is linked to it.
    const teacherIds = teacherRule(people, staff, teachers, at, out);
    if (teacherIds.length === 0) reason ??= 'class-no-teacher';
    return { reason, linkActive: school && !window, teacherIds };
  };

  const reason = new Array<Reason | undefined>(classes.length);
  const linkActive = new Uint8Array(classes.length);
  const teacherIds = new Array<readonly string[]>(classes.length);
  for (let at = 0; at < classes.length; at++) {
    const verdict = classRule(at, null);
    reason[at] = verdict.reason;
    linkActive[at] = verdict.linkActive ? 1 : 0;
    teacherIds[at] = verdict.teacherIds;
  }
  return {
    rows: classes,
    positionOf,
    reason,
    linkActive,
    teacherIds,
    checks: (at) => recorded((out) => classRule(at, out)),
  };
}

/** The classes as groups, with their students: `studentsOf` gives the exported students with an active placement, in id order. */
export function classGroups(classes: ClassVerdicts, dates: Dates, studentsOf: (at: number) => readonly string[]): GroupDecision[] {
  const explains = {
    checks: (at: number, g: GroupDecision): Check[] => {
      const checks = classes.checks(at);
      if (g.included) checks.push(studentPhaseCheck(dates, g.studentsFrom, g.studentIds.length));
      return checks;
    },
  };
  const groups: GroupDecision[] = [];
  for (let at = 0; at < classes.rows.length; at++) {
    const c = classes.rows[at]!;
    // One group per class id, as the rows' last one says (rows are unique by then: the extract stage resolves duplicates).
    if (classes.positionOf(c.class_id) !== at) continue;
    const reason = classes.reason[at];
    const from = dates.studentsJoin(c.start_date);
    const studentIds = !reason && from !== null && dates.D >= from ? studentsOf(at) : NONE;
    groups.push(groupDecision('class', c, c.class_id, reason, reason ? NONE : classes.teacherIds[at]!, studentIds, from, explains, at));
  }
  return groups;
}
