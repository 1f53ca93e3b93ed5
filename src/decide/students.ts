/**
 * docs/rules.md, "Student": a person with class placements is exported as a
 * student when the shared rules hold (identity, deceased, e-mail), the person
 * is not deregistered, and has an active class placement (start ≤ D +
 * student lead, end empty or ≥ D) in a class that is created at an included
 * school. Classes and teaching groups take their students from here.
 */
import type { CalendarDate, ClassPlacementRow, SourceRows } from '../extract/contract';
import { fail, pass, studentPeriodActive, studentPeriodCheck, type Check, type Dates } from './checks';
import type { ClassVerdict } from './classes';
import type { RoleDecision } from './decisions';
import { recordRole, type Identities } from './identity';
import { groupBy } from './rows-index';
import type { IncludedSchools } from './school-units';

const DEREGISTERED = fail('marked as deregistered');
const NOT_DEREGISTERED = pass('not marked as deregistered');

export interface StudentDecisions {
  readonly decisions: Map<string, RoleDecision>;
  /** Exported students with an active placement in the class. */
  readonly studentsOfClass: (classId: string) => string[];
  /** Exported students with an active membership in the group. */
  readonly studentsOfGroup: (groupId: string) => string[];
}

interface PlacementResult {
  readonly check: Check;
  readonly active: boolean;
  readonly classIncluded: boolean;
  readonly schoolIncluded: boolean;
  readonly unitId?: string;
}

export function decideStudents(rows: SourceRows, dates: Dates, schools: IncludedSchools, classes: ReadonlyMap<string, ClassVerdict>, { startRole }: Identities): StudentDecisions {
  const { pairIncluded, unitLabel } = schools;
  const classesById = new Map(rows.classes.map((c) => [c.class_id, c]));
  const decisions = new Map<string, RoleDecision>();
  const exported = new Set<string>();

  const placementCheck = (p: ClassPlacementRow): PlacementResult => {
    const cls = classesById.get(p.class_id);
    const what = () => `placement in ${cls ? `${cls.name} at ${unitLabel(cls.unit_id)}` : `unknown class ${p.class_id}`}`;
    const period = studentPeriodCheck(dates, what, p.start_date, p.end_date);
    if (!cls) return { check: fail(() => `${what()}: the class is missing in ProCapita`), active: period.ok, classIncluded: false, schoolIncluded: false };
    const decision = classes.get(p.class_id)!;
    const schoolIncluded = pairIncluded(cls.unit_id, cls.school_form);
    if (!period.ok) return { check: period, active: false, classIncluded: false, schoolIncluded };
    if (decision.reason) {
      const { reason } = decision;
      const failed = decision.checks.find((c) => !c.ok);
      return { check: fail(() => `${period.text}, but class ${cls.name} is not created: ${failed?.text ?? reason}`), active: true, classIncluded: false, schoolIncluded };
    }
    return { check: pass(() => `${period.text}, in an included class`), active: true, classIncluded: true, schoolIncluded, unitId: cls.unit_id };
  };

  for (const [personId, placements] of groupBy(rows.classPlacements, (p) => p.person_id)) {
    const start = startRole(personId, decisions);
    if (!start) continue;
    const { person, checks } = start;
    let reason = start.reason;
    // 4. Not deregistered.
    if (person.deregistered) {
      checks.push(DEREGISTERED);
      reason ??= 'deregistered';
    } else checks.push(NOT_DEREGISTERED);
    // 5. An active class placement in an included class.
    const results = placements.map(placementCheck);
    checks.push(...results.map((r) => r.check));
    const good = results.filter((r) => r.classIncluded);
    if (good.length === 0) {
      const active = results.filter((r) => r.active);
      // placement-school-not-included when every active placement is at a school that is not included.
      reason ??= active.length === 0 ? 'no-active-placement' : active.some((r) => r.schoolIncluded) ? 'placement-class-not-included' : 'placement-school-not-included';
    }
    recordRole(decisions, exported, personId, reason, checks, good.map((r) => r.unitId!));
  }

  // A student who is left out never appears in any group.
  const placementsByClass = groupBy(rows.classPlacements, (p) => p.class_id);
  const membershipsByGroup = groupBy(rows.groupMemberships, (m) => m.group_id);
  // Many teaching groups link the same class: each class's and group's students are worked out once.
  const activeStudents = (links: Map<string, readonly { person_id: string; start_date: CalendarDate | null; end_date: CalendarDate | null }[]>) => {
    const known = new Map<string, string[]>();
    return (id: string): string[] => {
      let ids = known.get(id);
      if (!ids) {
        ids = (links.get(id) ?? []).filter((p) => exported.has(p.person_id) && studentPeriodActive(dates, p.start_date, p.end_date)).map((p) => p.person_id);
        known.set(id, ids);
      }
      return ids;
    };
  };
  return { decisions, studentsOfClass: activeStudents(placementsByClass), studentsOfGroup: activeStudents(membershipsByGroup) };
}
