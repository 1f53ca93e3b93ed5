/**
 * The eligibility rules: a pure function of (source rows, rule configuration,
 * sync date). Every person and group gets a decision that records each rule
 * it was tested against, so `explain` can answer "why isn't this pupil in Teams?".
 * The rules are specified in docs/rules.md.
 */
import type { RuleConfig } from '../configure/config';
import type {
  ActivityRow,
  CalendarDate,
  ClassPlacementRow,
  ClassRow,
  EmploymentRow,
  GroupMembershipRow,
  GroupRow,
  PersonRow,
  SourceRows,
} from '../extract/contract';
import { unitCodeKey } from '../configure/unit-code';
import { addDays } from '../calendar-date';
import { formatRange } from './dates';
import { procapitaAddress, type AddressOf } from './address';
import type { Reason } from './reasons';
import { given, safe, type SafeText } from '../safe-text';

export type Role = 'student' | 'staff';

/** One rule applied to one thing: whether it held, and the values that decided it. */
export interface Check {
  readonly ok: boolean;
  readonly text: string;
}

export interface SchoolDecision {
  readonly unitCode: string;
  readonly schoolForm: string;
  /** Null when no unit with this code exists in ProCapita. */
  readonly unitId: string | null;
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
}

export interface RoleDecision {
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
  /** Units the person belongs to in this role. */
  readonly unitIds: readonly string[];
}

export interface PersonDecision {
  readonly personId: string;
  /** Any protected-identity level but 0, unknown included. Such a person is shown by GUID only. */
  readonly protected: boolean;
  readonly included: boolean;
  /** Set when the person is left out as a whole: protected, or neither student nor staff. */
  readonly reason?: Reason;
  /** Present when the person has class placements. */
  readonly student?: RoleDecision;
  /** Present when the person has employments. */
  readonly staff?: RoleDecision;
}

export interface GroupDecision {
  readonly kind: 'class' | 'teaching';
  readonly id: string;
  readonly name: string;
  readonly unitId: string;
  readonly schoolForm: string;
  readonly startDate: CalendarDate | null;
  readonly endDate: CalendarDate | null;
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
  readonly teacherIds: readonly string[];
  readonly studentIds: readonly string[];
  /** When students join: start − the student lead time. Null when the group has no start date. */
  readonly studentsFrom: CalendarDate | null;
}

export interface Decisions {
  readonly syncDate: CalendarDate;
  readonly schools: readonly SchoolDecision[];
  readonly persons: readonly PersonDecision[];
  readonly groups: readonly GroupDecision[];
  /** Things an admin should look at. Never names a person. */
  readonly warnings: readonly SafeText[];
}

const pass = (text: string): Check => ({ ok: true, text });
const fail = (text: string): Check => ({ ok: false, text });

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

const sorted = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

/** The (PORTAL) marker: a whole word, any case. Letters on either side (PORTALEN) do not count. */
const PORTAL = /(?<![\p{L}\p{N}_])portal(?![\p{L}\p{N}_])/iu;

export function hasPortalMarker(notes: string | null): boolean {
  return notes !== null && PORTAL.test(notes);
}

export function decide(rows: SourceRows, rules: RuleConfig, syncDate: CalendarDate, addressOf: AddressOf = procapitaAddress): Decisions {
  const D = syncDate;
  const staffFrom = addDays(D, rules.leadDays.staff); // a start on or before this date counts
  const studentFrom = addDays(D, rules.leadDays.students);
  const staffLead = `sync date + ${rules.leadDays.staff} days`;
  const studentLead = `sync date + ${rules.leadDays.students} day${rules.leadDays.students === 1 ? '' : 's'}`;
  const warnings: SafeText[] = [];

  // ---- Schools -----------------------------------------------------------
  const unitsById = new Map(rows.schoolUnits.map((u) => [u.unit_id, u]));
  const unitsByCode = groupBy(rows.schoolUnits, (u) => unitCodeKey(u.unit_code));
  const formRows = groupBy(rows.schoolUnitForms, (f) => `${f.unit_id}|${f.school_form}`);
  const schools: SchoolDecision[] = [];
  /** (unit, form) pair → why it is or is not an included school, for other rules to quote. */
  const includedPairs = new Set<string>();
  const includedUnits = new Set<string>();

  const dateRangeCheck = (what: string, start: CalendarDate | null, end: CalendarDate | null): Check => {
    if (start === null) return fail(`${what} has no start date`);
    if (start > D) return fail(`${what} starts ${start}, after the sync date ${D}`);
    if (end !== null && end < D) return fail(`${what} ended ${end} (before ${D})`);
    return pass(`${what} is active on ${D} (${formatRange(start, end)})`);
  };

  for (const configured of rules.schools) {
    const units = unitsByCode.get(unitCodeKey(configured.unitCode)) ?? [];
    if (units.length === 0) {
      warnings.push(safe`Configured school unit ${given(configured.unitCode)} (${given(configured.schoolForm)}) was not found in ProCapita.`);
      schools.push({
        unitCode: configured.unitCode,
        schoolForm: configured.schoolForm,
        unitId: null,
        included: false,
        reason: 'school-not-found',
        checks: [fail(`no school unit with code ${configured.unitCode} in ProCapita`)],
      });
      continue;
    }
    for (const unit of units) {
      const label = `${unit.name} (${unit.unit_code})`;
      const checks: Check[] = [pass(`${unit.unit_code} ${configured.schoolForm} is in the configured school list`)];
      let reason: Reason | undefined;
      const unitCheck = dateRangeCheck(`school unit ${label}`, unit.start_date, unit.end_date);
      checks.push(unitCheck);
      if (!unitCheck.ok) reason = 'school-unit-inactive';
      const forms = formRows.get(`${unit.unit_id}|${configured.schoolForm}`) ?? [];
      if (forms.length === 0) {
        checks.push(fail(`${label} has no school form ${configured.schoolForm} in ProCapita`));
        reason ??= 'school-form-missing';
      } else {
        const formChecks = forms.map((f) => dateRangeCheck(`school form ${configured.schoolForm} at ${unit.unit_code}`, f.start_date, f.end_date));
        const active = formChecks.find((c) => c.ok);
        checks.push(active ?? formChecks[0]!);
        if (!active) reason ??= 'school-form-inactive';
      }
      if (reason === undefined) {
        includedPairs.add(`${unit.unit_id}|${configured.schoolForm}`);
        includedUnits.add(unit.unit_id);
      }
      schools.push({
        unitCode: unit.unit_code,
        schoolForm: configured.schoolForm,
        unitId: unit.unit_id,
        included: reason === undefined,
        ...(reason ? { reason } : {}),
        checks,
      });
    }
  }

  const unitLabel = (unitId: string): string => unitsById.get(unitId)?.unit_code ?? `unit ${unitId}`;
  const schoolCheck = (what: string, unitId: string, form: string): Check =>
    includedPairs.has(`${unitId}|${form}`)
      ? pass(`${what} belongs to ${unitLabel(unitId)} ${form}, an included school`)
      : fail(`${what} belongs to ${unitLabel(unitId)} ${form}, which is not an included school (not configured, or not active on ${D})`);

  // ---- Indexes -------------------------------------------------------------
  const placementsByPerson = groupBy(rows.classPlacements, (p) => p.person_id);
  const placementsByClass = groupBy(rows.classPlacements, (p) => p.class_id);
  const employmentsByPerson = groupBy(rows.employments, (e) => e.person_id);
  const membershipsByGroup = groupBy(rows.groupMemberships, (m) => m.group_id);
  const staffByClass = groupBy(rows.classStaff, (s) => s.class_id);
  const staffByActivity = groupBy(rows.activityStaff, (s) => s.activity_id);
  const classesByActivity = groupBy(rows.activityClasses, (a) => a.activity_id);
  const groupsByActivity = groupBy(rows.activityGroups, (a) => a.activity_id);
  const classesById = new Map(rows.classes.map((c) => [c.class_id, c]));
  const groupsById = new Map(rows.groups.map((g) => [g.group_id, g]));

  /** A placement or membership is active when it starts by D + student lead and has not ended. */
  const studentPeriodCheck = (what: string, start: CalendarDate | null, end: CalendarDate | null): Check => {
    if (start === null) return fail(`${what} has no start date`);
    if (start > studentFrom) return fail(`${what} starts ${start}, after ${studentFrom} (${studentLead})`);
    if (end !== null && end < D) return fail(`${what} ended ${end} (before ${D})`);
    if (start > D) return pass(`${what} starts ${start}, within the lead time (on or before ${studentFrom}, ${studentLead})`);
    return pass(`${what} is active (${formatRange(start, end)})`);
  };

  // ---- Identity (shared by both roles) ------------------------------------
  const identityReason = (p: PersonRow): Reason | undefined => {
    if (p.protected_identity === 0) return undefined;
    if (p.protected_identity === 1 || p.protected_identity === 2 || p.protected_identity === 3) return 'protected-identity';
    return 'protected-identity-unknown';
  };

  /**
   * What both roles start with: the person's row and the identity, deceased
   * and e-mail checks. Undefined when there is no person row, or when the
   * identity is protected; then the verdict alone is recorded in `into`.
   */
  const startRole = (personId: string, into: Map<string, RoleDecision>): { person: PersonRow; checks: Check[]; reason?: Reason } | undefined => {
    const person = personsById.get(personId);
    if (!person) return undefined; // a placement or employment without a person row has no one to export
    const idReason = identity.get(personId);
    if (idReason) {
      into.set(personId, { included: false, reason: idReason, checks: [], unitIds: [] });
      return undefined;
    }
    const checks = [pass('no protected identity (level 0)')];
    let reason: Reason | undefined;
    if (person.deceased) {
      checks.push(fail('marked as deceased'));
      reason = 'deceased';
    } else checks.push(pass('not marked as deceased'));
    if (rules.requireEmail) {
      const address = addressOf(person);
      if (address) checks.push(pass(`has an e-mail address from ${address.source}`));
      else {
        checks.push(fail('has no valid e-mail address in ProCapita or the mapping table, and requireEmail is on'));
        reason ??= 'no-email';
      }
    }
    return reason ? { person, checks, reason } : { person, checks };
  };

  // ---- Staff ----------------------------------------------------------------
  const staffDecisions = new Map<string, RoleDecision>();
  const exportedStaff = new Set<string>();
  const personsById = new Map(rows.persons.map((p) => [p.person_id, p]));
  const identity = new Map<string, Reason | undefined>();
  for (const p of rows.persons) identity.set(p.person_id, identityReason(p));

  const employmentCheck = (e: EmploymentRow): Check => {
    const what = `employment at ${unitLabel(e.unit_id)}`;
    if (!includedUnits.has(e.unit_id)) return fail(`${what} (${formatRange(e.start_date, e.end_date)}): ${unitLabel(e.unit_id)} is not an included school`);
    if (e.start_date === null) return fail(`${what} has no start date`);
    if (e.start_date > staffFrom) return fail(`${what} starts ${e.start_date}, after ${staffFrom} (${staffLead})`);
    if (e.end_date !== null && e.end_date < D) return fail(`${what} ended ${e.end_date} (before ${D})`);
    if (e.start_date > D) return pass(`${what} starts ${e.start_date}, within the lead time (on or before ${staffFrom}, ${staffLead})`);
    return pass(`${what} is active (${formatRange(e.start_date, e.end_date)})`);
  };

  for (const [personId, employments] of employmentsByPerson) {
    const start = startRole(personId, staffDecisions);
    if (!start) continue;
    const { checks } = start;
    let reason = start.reason;
    const employmentChecks = employments.map((e) => ({ e, check: employmentCheck(e) }));
    checks.push(...employmentChecks.map((x) => x.check));
    const active = employmentChecks.filter((x) => x.check.ok);
    if (active.length === 0) {
      reason ??= employments.some((e) => includedUnits.has(e.unit_id)) ? 'no-active-employment' : 'employment-school-not-included';
    }
    const included = reason === undefined;
    if (included) exportedStaff.add(personId);
    staffDecisions.set(personId, {
      included,
      ...(reason ? { reason } : {}),
      checks,
      unitIds: included ? sorted(active.map((x) => x.e.unit_id)) : [],
    });
  }

  const teacherCheck = (linked: readonly { person_id: string }[] | undefined): { check: Check; teacherIds: string[] } => {
    const linkedIds = sorted((linked ?? []).map((l) => l.person_id));
    const teacherIds = linkedIds.filter((id) => exportedStaff.has(id));
    if (teacherIds.length > 0) return { check: pass(`${teacherIds.length} exported staff linked`), teacherIds };
    return {
      check: fail(linkedIds.length === 0 ? 'no staff linked' : `${linkedIds.length} staff linked, none of them exported`),
      teacherIds,
    };
  };

  /** Classes and groups share the window rule: both dates set, D ≥ start − staff lead, D ≤ end. */
  const windowChecks = (what: string, start: CalendarDate | null, end: CalendarDate | null): { check: Check; reason?: 'dates-missing' | 'not-started' | 'ended' } => {
    if (start === null || end === null) {
      const missing = start === null && end === null ? 'start and end dates' : start === null ? 'start date' : 'end date';
      return { check: fail(`${what} has no ${missing}`), reason: 'dates-missing' };
    }
    const opens = addDays(start, -rules.leadDays.staff);
    if (D < opens) return { check: fail(`${what} starts ${start}; it is created from ${opens} (start − ${rules.leadDays.staff} days), after ${D}`), reason: 'not-started' };
    if (D > end) return { check: fail(`${what} ended ${end} (before ${D})`), reason: 'ended' };
    return { check: pass(`${what} is within its window on ${D}: from ${opens} (start ${start} − ${rules.leadDays.staff} days) to ${end}`) };
  };

  // ---- Classes (teachers now, students once the students are decided) -----
  interface Pending {
    readonly row: ClassRow;
    checks: Check[];
    reason?: Reason;
    teacherIds: string[];
  }
  const classes = new Map<string, Pending>();
  for (const c of rows.classes) {
    const what = `class ${c.name}`;
    const checks: Check[] = [];
    let reason: Reason | undefined;
    const school = schoolCheck(what, c.unit_id, c.school_form);
    checks.push(school);
    if (!school.ok) reason = 'class-school-not-included';
    const window = windowChecks(what, c.start_date, c.end_date);
    checks.push(window.check);
    if (window.reason) reason ??= `class-${window.reason}`;
    const teachers = teacherCheck(staffByClass.get(c.class_id));
    checks.push(teachers.check);
    if (!teachers.check.ok) reason ??= 'class-no-teacher';
    classes.set(c.class_id, { row: c, checks, ...(reason ? { reason } : {}), teacherIds: teachers.teacherIds });
  }

  // ---- Students -------------------------------------------------------------
  const studentDecisions = new Map<string, RoleDecision>();
  const exportedStudents = new Set<string>();
  const placementCheck = (p: ClassPlacementRow): { check: Check; active: boolean; classIncluded: boolean; schoolIncluded: boolean; unitId?: string } => {
    const cls = classesById.get(p.class_id);
    const what = `placement in ${cls ? `${cls.name} at ${unitLabel(cls.unit_id)}` : `unknown class ${p.class_id}`}`;
    const period = studentPeriodCheck(what, p.start_date, p.end_date);
    if (!cls) return { check: fail(`${what}: the class is missing in ProCapita`), active: period.ok, classIncluded: false, schoolIncluded: false };
    const decision = classes.get(p.class_id)!;
    const schoolIncluded = includedPairs.has(`${cls.unit_id}|${cls.school_form}`);
    if (!period.ok) return { check: period, active: false, classIncluded: false, schoolIncluded };
    if (decision.reason) {
      const why = decision.checks.find((c) => !c.ok)?.text ?? decision.reason;
      return { check: fail(`${period.text}, but class ${cls.name} is not created: ${why}`), active: true, classIncluded: false, schoolIncluded };
    }
    return { check: pass(`${period.text}, in an included class`), active: true, classIncluded: true, schoolIncluded, unitId: cls.unit_id };
  };

  for (const [personId, placements] of placementsByPerson) {
    const start = startRole(personId, studentDecisions);
    if (!start) continue;
    const { person, checks } = start;
    let reason = start.reason;
    if (person.deregistered) {
      checks.push(fail('marked as deregistered'));
      reason ??= 'deregistered';
    } else checks.push(pass('not marked as deregistered'));
    const results = placements.map(placementCheck);
    checks.push(...results.map((r) => r.check));
    const good = results.filter((r) => r.classIncluded);
    if (good.length === 0) {
      const active = results.filter((r) => r.active);
      reason ??= active.length === 0 ? 'no-active-placement' : active.some((r) => r.schoolIncluded) ? 'placement-class-not-included' : 'placement-school-not-included';
    }
    const included = reason === undefined;
    if (included) exportedStudents.add(personId);
    studentDecisions.set(personId, {
      included,
      ...(reason ? { reason } : {}),
      checks,
      unitIds: included ? sorted(good.map((r) => r.unitId!)) : [],
    });
  }

  /** Exported students with an active placement in the class. */
  const studentsOfClass = (classId: string): string[] =>
    (placementsByClass.get(classId) ?? [])
      .filter((p) => exportedStudents.has(p.person_id) && studentPeriodCheck('', p.start_date, p.end_date).ok)
      .map((p) => p.person_id);
  const studentsOfGroup = (groupId: string): string[] =>
    (membershipsByGroup.get(groupId) ?? [])
      .filter((m: GroupMembershipRow) => exportedStudents.has(m.person_id) && studentPeriodCheck('', m.start_date, m.end_date).ok)
      .map((m) => m.person_id);

  const studentsJoin = (start: CalendarDate | null): CalendarDate | null => (start === null ? null : addDays(start, -rules.leadDays.students));
  const studentPhaseCheck = (from: CalendarDate | null, count: number): Check =>
    from !== null && D >= from
      ? pass(`students are added from ${from} (start − ${rules.leadDays.students} day${rules.leadDays.students === 1 ? '' : 's'}): ${count} exported student${count === 1 ? '' : 's'}`)
      : pass(`students are added from ${from ?? '(no start date)'}: none yet on ${D}`);

  const groups: GroupDecision[] = [];
  for (const [classId, c] of classes) {
    const from = studentsJoin(c.row.start_date);
    const studentIds = !c.reason && from !== null && D >= from ? sorted(studentsOfClass(classId)) : [];
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
      checks: c.reason ? c.checks : [...c.checks, studentPhaseCheck(from, studentIds.length)],
      teacherIds: c.reason ? [] : c.teacherIds,
      studentIds,
      studentsFrom: from,
    });
  }

  // ---- Teaching groups (activities) ---------------------------------------
  const selection = rules.teachingGroups;
  const selectedCheck = (a: ActivityRow): Check => {
    switch (selection.select) {
      case 'notesMarker':
        return hasPortalMarker(a.notes) ? pass('notes contain the marker PORTAL') : fail('notes do not contain the word PORTAL');
      case 'namePrefix':
        return a.name.toLowerCase().startsWith(selection.prefix.toLowerCase())
          ? pass(`name starts with "${selection.prefix}"`)
          : fail(`name "${a.name}" does not start with "${selection.prefix}"`);
      case 'nameSuffix':
        return a.name.toLowerCase().endsWith(selection.suffix.toLowerCase())
          ? pass(`name ends with "${selection.suffix}"`)
          : fail(`name "${a.name}" does not end with "${selection.suffix}"`);
    }
  };

  const linkedCheck = (kind: 'class' | 'group', row: ClassRow | GroupRow | undefined, id: string): Check => {
    if (!row) return fail(`linked ${kind} ${id} is missing in ProCapita`);
    const what = `linked ${kind} ${row.name}`;
    const school = schoolCheck(what, row.unit_id, row.school_form);
    if (!school.ok) return school;
    return windowChecks(what, row.start_date, row.end_date).check;
  };

  for (const a of rows.activities) {
    const checks: Check[] = [];
    let reason: Reason | undefined;
    const selected = selectedCheck(a);
    checks.push(selected);
    if (!selected.ok) reason = 'activity-not-selected';
    if (a.cancelled) {
      checks.push(fail('activity is cancelled'));
      reason ??= 'activity-cancelled';
    } else checks.push(pass('activity is not cancelled'));

    const opens = a.start_date === null ? null : addDays(a.start_date, -rules.leadDays.staff);
    if (a.start_date === null || opens === null) {
      checks.push(fail('activity has no start date'));
      reason ??= 'activity-start-missing';
    } else if (D < opens) {
      checks.push(fail(`activity starts ${a.start_date}; it is created from ${opens} (start − ${rules.leadDays.staff} days), after ${D}`));
      reason ??= 'activity-not-started';
    } else if (a.end_date !== null && a.end_date <= D) {
      checks.push(fail(`activity ends ${a.end_date}, not later than ${D}`));
      reason ??= 'activity-ended';
    } else {
      checks.push(pass(`activity is within its window on ${D}: from ${opens} (start ${a.start_date} − ${rules.leadDays.staff} days), end ${a.end_date ?? 'open'}`));
    }

    const school = schoolCheck('activity', a.unit_id, a.school_form);
    checks.push(school);
    if (!school.ok) reason ??= 'activity-school-not-included';

    const linked = [
      ...(classesByActivity.get(a.activity_id) ?? []).map((l) => ({ kind: 'class' as const, id: l.class_id, check: linkedCheck('class', classesById.get(l.class_id), l.class_id) })),
      ...(groupsByActivity.get(a.activity_id) ?? []).map((l) => ({ kind: 'group' as const, id: l.group_id, check: linkedCheck('group', groupsById.get(l.group_id), l.group_id) })),
    ];
    const activeLinks = linked.filter((l) => l.check.ok);
    if (linked.length === 0) checks.push(fail('no class or group linked'));
    else checks.push(...linked.map((l) => l.check));
    if (activeLinks.length === 0) reason ??= 'activity-no-active-class-or-group';

    const teachers = teacherCheck(staffByActivity.get(a.activity_id));
    checks.push(teachers.check);
    if (!teachers.check.ok) reason ??= 'activity-no-teacher';

    const from = studentsJoin(a.start_date);
    const studentIds =
      !reason && from !== null && D >= from
        ? sorted(activeLinks.flatMap((l) => (l.kind === 'class' ? studentsOfClass(l.id) : studentsOfGroup(l.id))))
        : [];
    if (!reason) checks.push(studentPhaseCheck(from, studentIds.length));
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
      checks,
      teacherIds: reason ? [] : teachers.teacherIds,
      studentIds,
      studentsFrom: from,
    });
  }

  // ---- Persons ----------------------------------------------------------------
  const persons: PersonDecision[] = rows.persons.map((p) => {
    const student = studentDecisions.get(p.person_id);
    const staff = staffDecisions.get(p.person_id);
    const idReason = identity.get(p.person_id);
    const included = Boolean(student?.included || staff?.included);
    const reason: Reason | undefined = idReason ?? (!student && !staff ? 'no-role' : undefined);
    return {
      personId: p.person_id,
      protected: idReason !== undefined,
      included,
      ...(reason ? { reason } : {}),
      ...(student ? { student } : {}),
      ...(staff ? { staff } : {}),
    };
  });

  // Only students and staff: an unknown level on, say, a guardian changes nothing.
  const unknownLevels = persons.filter((p) => p.reason === 'protected-identity-unknown' && (p.student || p.staff)).length;
  if (unknownLevels > 0) {
    warnings.push(
      safe`${unknownLevels} person${unknownLevels === 1 ? ' has' : 's have'} an unknown protected-identity level (NULL or not 0–3) and ${unknownLevels === 1 ? 'was' : 'were'} left out to be safe. Check the protected-identity field in ProCapita.`,
    );
  }

  const byId = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    syncDate: D,
    schools,
    persons: persons.sort(byId((p) => p.personId)),
    groups: groups.sort(byId((g) => `${g.kind}|${g.id}`)),
    warnings,
  };
}
