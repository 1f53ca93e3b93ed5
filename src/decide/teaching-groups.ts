/**
 * docs/rules.md, "Teaching group (from an activity)": an activity becomes a
 * teaching group when it is selected, not cancelled, within its window
 * (start − staff lead ≤ D < end), at an included school, linked to an active
 * class or group, and linked to an exported teacher. From start − student
 * lead its students are those of the linked active classes and groups.
 */
import type { RuleConfig } from '../configure/config';
import type { ActivityRow, ClassRow, GroupRow, SourceRows } from '../extract/contract';
import type { RowPositions } from '../extract/positions';
import { fail, pass, recorded, studentPhaseCheck, windowRule, type Check, type Dates, type Out } from './checks';
import type { ClassVerdicts } from './classes';
import { groupDecision, type GroupDecision } from './decisions';
import { NONE, type People } from './identity';
import type { Reason } from './reasons';
import { childrenOf, sortedIds } from './rows-index';
import type { IncludedSchools } from './school-units';
import { staffLinks, teacherRule, type StaffDecisions } from './staff';
import type { StudentDecisions } from './students';

/** The (PORTAL) marker: a whole word, any case. Letters on either side (PORTALEN) do not count. */
const PORTAL = /(?<![\p{L}\p{N}_])portal(?![\p{L}\p{N}_])/iu;

export function hasPortalMarker(notes: string | null): boolean {
  return notes !== null && PORTAL.test(notes);
}

const MARKED = pass('notes contain the marker PORTAL');
const NOT_MARKED = fail('notes do not contain the word PORTAL');
const CANCELLED = fail('activity is cancelled');
const NOT_CANCELLED = pass('activity is not cancelled');
const NO_START = fail('activity has no start date');
const NO_LINK = fail('no class or group linked');

/** 1. It is selected: by the PORTAL marker in its notes, or by its name's prefix or suffix (case-insensitive). */
function selectedRule(selection: RuleConfig['teachingGroups'], a: ActivityRow, out: Out): boolean {
  switch (selection.select) {
    case 'notesMarker': {
      const marked = hasPortalMarker(a.notes);
      out?.push(marked ? MARKED : NOT_MARKED);
      return marked;
    }
    case 'namePrefix': {
      const { prefix } = selection;
      const selected = a.name.toLowerCase().startsWith(prefix.toLowerCase());
      out?.push(selected ? pass(`name starts with "${prefix}"`) : fail(`name "${a.name}" does not start with "${prefix}"`));
      return selected;
    }
    case 'nameSuffix': {
      const { suffix } = selection;
      const selected = a.name.toLowerCase().endsWith(suffix.toLowerCase());
      out?.push(selected ? pass(`name ends with "${suffix}"`) : fail(`name "${a.name}" does not end with "${suffix}"`));
      return selected;
    }
  }
}

export function decideTeachingGroups(
  rows: SourceRows,
  rules: RuleConfig,
  dates: Dates,
  schools: IncludedSchools,
  people: People,
  positions: RowPositions,
  staff: StaffDecisions,
  classes: ClassVerdicts,
  students: Pick<StudentDecisions, 'studentsOfClass' | 'studentsOfGroup'>,
): GroupDecision[] {
  const { D, leadDays } = dates;
  const activities = rows.activities;
  const count = activities.length;
  const { activityStaff, activityClasses, activityGroups } = positions.links;
  const teachers = staffLinks(rows.activityStaff, activityStaff.person_id, activityStaff.activity_id, count);
  const classLinks = childrenOf(activityClasses.activity_id, count);
  const linkedClass = activityClasses.class_id;
  const groupLinks = childrenOf(activityGroups.activity_id, count);
  const groupRows = rows.groups;
  const linkedGroup = activityGroups.group_id;

  /** 6. The linked group is active in the window: both dates set, D ≥ start − staff lead, D ≤ end, at an included school. Words only. */
  const linkWords = (kind: 'class' | 'group', row: ClassRow | GroupRow | undefined, id: string, out: Check[]): void => {
    if (!row) return void out.push(fail(`linked ${kind} ${id} is missing in ProCapita`));
    const what = `linked ${kind} ${row.name}`;
    // One check per link: the school's when it fails, else the window's.
    const school: Check[] = [];
    if (schools.schoolRule(row.unit_id, row.school_form, school, what)) windowRule(dates, row.start_date, row.end_date, out, what);
    else out.push(school[0]!);
  };
  const groupActive = new Int8Array(groupRows.length).fill(-1);
  const groupLinkActive = (g: number): boolean => {
    if (groupActive[g] === -1) {
      const row = groupRows[g]!;
      groupActive[g] = schools.pairIncluded(row.unit_id, row.school_form) && !windowRule(dates, row.start_date, row.end_date, null, '') ? 1 : 0;
    }
    return groupActive[g] === 1;
  };

  /** Rules 1–7 for the activity at `at`: the reason of the first that fails, its teachers, and into `linked` its active links (class positions, then −1 − group position). */
  const activityRule = (at: number, out: Out, linked: number[]): { reason: Reason | undefined; teacherIds: readonly string[] } => {
    const a = activities[at]!;
    let reason: Reason | undefined;
    // Deciding alone, the first failed rule is the verdict; recording, every rule is shown.
    if (!selectedRule(rules.teachingGroups, a, out)) reason = 'activity-not-selected';
    if (reason && !out) return { reason, teacherIds: NONE };
    // 2. It is not cancelled.
    if (a.cancelled) {
      out?.push(CANCELLED);
      reason ??= 'activity-cancelled';
    } else out?.push(NOT_CANCELLED);
    if (reason && !out) return { reason, teacherIds: NONE };

    // 3. A start date, and D ≥ start − staff lead (start ≤ D + staff lead). 4. End empty or strictly later than D ("senare än dagens datum").
    if (a.start_date === null) {
      out?.push(NO_START);
      reason ??= 'activity-start-missing';
    } else if (a.start_date > dates.staffFrom) {
      out?.push(fail(`activity starts ${a.start_date}; it is created from ${dates.opens(a.start_date)} (start − ${leadDays.staff} days), after ${D}`));
      reason ??= 'activity-not-started';
    } else if (a.end_date !== null && a.end_date <= D) {
      out?.push(fail(`activity ends ${a.end_date}, not later than ${D}`));
      reason ??= 'activity-ended';
    } else {
      out?.push(pass(`activity is within its window on ${D}: from ${dates.opens(a.start_date)} (start ${a.start_date} − ${leadDays.staff} days), end ${a.end_date ?? 'open'}`));
    }
    if (reason && !out) return { reason, teacherIds: NONE };

    // 5. The activity belongs to an included school.
    if (!schools.schoolRule(a.unit_id, a.school_form, out, 'activity')) reason ??= 'activity-school-not-included';
    if (reason && !out) return { reason, teacherIds: NONE };

    // 6. Linked to at least one class or group that is active in the window.
    for (let k = classLinks.from[at]!; k < classLinks.from[at + 1]!; k++) {
      const l = classLinks.at[k]!;
      const c = linkedClass[l]!;
      if (c >= 0 && classes.linkActive[c] === 1) linked.push(c);
      if (out) linkWords('class', c >= 0 ? classes.rows[c] : undefined, rows.activityClasses[l]!.class_id, out);
    }
    for (let k = groupLinks.from[at]!; k < groupLinks.from[at + 1]!; k++) {
      const l = groupLinks.at[k]!;
      const g = linkedGroup[l]!;
      if (g >= 0 && groupLinkActive(g)) linked.push(-1 - g);
      if (out) linkWords('group', g >= 0 ? groupRows[g] : undefined, rows.activityGroups[l]!.group_id, out);
    }
    if (out && classLinks.from[at] === classLinks.from[at + 1] && groupLinks.from[at] === groupLinks.from[at + 1]) out.push(NO_LINK);
    if (linked.length === 0) reason ??= 'activity-no-active-class-or-group';
    if (reason && !out) return { reason, teacherIds: NONE };

    // 7. At least one exported staff member is linked to the activity.
    const teacherIds = teacherRule(people, staff, teachers, at, out);
    if (teacherIds.length === 0) reason ??= 'activity-no-teacher';
    return { reason, teacherIds };
  };

  /** From start − student lead: the exported students of the linked active classes and groups, in id order. */
  const studentsOf = (linked: readonly number[]): readonly string[] => {
    if (linked.length === 1) return linked[0]! >= 0 ? students.studentsOfClass(linked[0]!) : students.studentsOfGroup(-1 - linked[0]!);
    const ids: string[] = [];
    for (const l of linked) for (const id of l >= 0 ? students.studentsOfClass(l) : students.studentsOfGroup(-1 - l)) ids.push(id);
    return ids.length === 0 ? NONE : sortedIds(ids);
  };

  const explains = {
    checks: (at: number, g: GroupDecision): Check[] => {
      const out = recorded((o) => activityRule(at, o, []));
      if (g.included) out.push(studentPhaseCheck(dates, g.studentsFrom, g.studentIds.length));
      return out;
    },
  };
  const groups: GroupDecision[] = [];
  const linked: number[] = [];
  for (let at = 0; at < count; at++) {
    const a = activities[at]!;
    linked.length = 0;
    const { reason, teacherIds } = activityRule(at, null, linked);
    const from = dates.studentsJoin(a.start_date);
    const studentIds = !reason && from !== null && D >= from ? studentsOf(linked) : NONE;
    groups.push(groupDecision('teaching', a, a.activity_id, reason, teacherIds, studentIds, from, explains, at));
  }
  return groups;
}
