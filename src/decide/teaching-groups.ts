/**
 * docs/rules.md, "Teaching group (from an activity)": an activity becomes a
 * teaching group when it is selected, not cancelled, within its window
 * (start − staff lead ≤ D < end), at an included school, linked to an active
 * class or group, and linked to an exported teacher. From start − student
 * lead its students are those of the linked active classes and groups.
 */
import type { RuleConfig } from '../configure/config';
import { addDays } from '../calendar-date';
import type { ActivityRow, ClassRow, GroupRow, SourceRows } from '../extract/contract';
import { fail, pass, studentPhaseCheck, studentsJoin, windowCheck, type Check, type Dates } from './checks';
import type { GroupDecision } from './decisions';
import type { Reason } from './reasons';
import { groupBy, sortedIds } from './rows-index';
import type { IncludedSchools } from './school-units';
import { teacherCheck } from './staff';
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
function selectedCheck(selection: RuleConfig['teachingGroups'], a: ActivityRow): Check {
  switch (selection.select) {
    case 'notesMarker':
      return hasPortalMarker(a.notes) ? MARKED : NOT_MARKED;
    case 'namePrefix': {
      const { prefix } = selection;
      return a.name.toLowerCase().startsWith(prefix.toLowerCase()) ? pass(() => `name starts with "${prefix}"`) : fail(() => `name "${a.name}" does not start with "${prefix}"`);
    }
    case 'nameSuffix': {
      const { suffix } = selection;
      return a.name.toLowerCase().endsWith(suffix.toLowerCase()) ? pass(() => `name ends with "${suffix}"`) : fail(() => `name "${a.name}" does not end with "${suffix}"`);
    }
  }
}

export function decideTeachingGroups(
  rows: SourceRows,
  rules: RuleConfig,
  dates: Dates,
  schools: IncludedSchools,
  exportedStaff: ReadonlySet<string>,
  students: Pick<StudentDecisions, 'studentsOfClass' | 'studentsOfGroup'>,
): GroupDecision[] {
  const { D, leadDays } = dates;
  const staffByActivity = groupBy(rows.activityStaff, (s) => s.activity_id);
  const classesByActivity = groupBy(rows.activityClasses, (a) => a.activity_id);
  const groupsByActivity = groupBy(rows.activityGroups, (a) => a.activity_id);
  const classesById = new Map(rows.classes.map((c) => [c.class_id, c]));
  const groupsById = new Map(rows.groups.map((g) => [g.group_id, g]));

  /** 6. A linked class or group is active in the window: both dates set, D ≥ start − staff lead, D ≤ end, at an included school. */
  const linkedCheck = (kind: 'class' | 'group', row: ClassRow | GroupRow | undefined, id: string): Check => {
    if (!row) return fail(() => `linked ${kind} ${id} is missing in ProCapita`);
    const what = () => `linked ${kind} ${row.name}`;
    const school = schools.schoolCheck(what, row.unit_id, row.school_form);
    if (!school.ok) return school;
    return windowCheck(dates, what, row.start_date, row.end_date).check;
  };

  const groups: GroupDecision[] = [];
  for (const a of rows.activities) {
    const checks: Check[] = [];
    let reason: Reason | undefined;
    const selected = selectedCheck(rules.teachingGroups, a);
    checks.push(selected);
    if (!selected.ok) reason = 'activity-not-selected';
    // 2. It is not cancelled.
    if (a.cancelled) {
      checks.push(CANCELLED);
      reason ??= 'activity-cancelled';
    } else checks.push(NOT_CANCELLED);

    // 3. A start date, and D ≥ start − staff lead. 4. End empty or strictly later than D ("senare än dagens datum").
    const opens = a.start_date === null ? null : addDays(a.start_date, -leadDays.staff);
    if (a.start_date === null || opens === null) {
      checks.push(NO_START);
      reason ??= 'activity-start-missing';
    } else if (D < opens) {
      checks.push(fail(() => `activity starts ${a.start_date}; it is created from ${opens} (start − ${leadDays.staff} days), after ${D}`));
      reason ??= 'activity-not-started';
    } else if (a.end_date !== null && a.end_date <= D) {
      checks.push(fail(() => `activity ends ${a.end_date}, not later than ${D}`));
      reason ??= 'activity-ended';
    } else {
      checks.push(pass(() => `activity is within its window on ${D}: from ${opens} (start ${a.start_date} − ${leadDays.staff} days), end ${a.end_date ?? 'open'}`));
    }

    // 5. The activity belongs to an included school.
    const school = schools.schoolCheck(() => 'activity', a.unit_id, a.school_form);
    checks.push(school);
    if (!school.ok) reason ??= 'activity-school-not-included';

    // 6. Linked to at least one class or group that is active in the window.
    const linked = [
      ...(classesByActivity.get(a.activity_id) ?? []).map((l) => ({ kind: 'class' as const, id: l.class_id, check: linkedCheck('class', classesById.get(l.class_id), l.class_id) })),
      ...(groupsByActivity.get(a.activity_id) ?? []).map((l) => ({ kind: 'group' as const, id: l.group_id, check: linkedCheck('group', groupsById.get(l.group_id), l.group_id) })),
    ];
    const activeLinks = linked.filter((l) => l.check.ok);
    if (linked.length === 0) checks.push(NO_LINK);
    else checks.push(...linked.map((l) => l.check));
    if (activeLinks.length === 0) reason ??= 'activity-no-active-class-or-group';

    // 7. At least one exported staff member is linked to the activity.
    const teachers = teacherCheck(exportedStaff, staffByActivity.get(a.activity_id));
    checks.push(teachers.check);
    if (!teachers.check.ok) reason ??= 'activity-no-teacher';

    // From start − student lead: the exported students of the linked active classes and groups.
    const from = studentsJoin(dates, a.start_date);
    const studentIds =
      !reason && from !== null && D >= from
        ? sortedIds(activeLinks.flatMap((l) => (l.kind === 'class' ? students.studentsOfClass(l.id) : students.studentsOfGroup(l.id))))
        : [];
    if (!reason) checks.push(studentPhaseCheck(dates, from, studentIds.length));
    groups.push({
      kind: 'teaching',
      id: a.activity_id,
      name: a.name,
      unitId: a.unit_id,
      schoolForm: a.school_form,
      startDate: a.start_date,
      endDate: a.end_date,
      included: !reason,
      ...(reason ? { reason } : {}),
      checks: checks.slice(),
      teacherIds: reason ? [] : teachers.teacherIds,
      studentIds,
      studentsFrom: from,
    });
  }
  return groups;
}
