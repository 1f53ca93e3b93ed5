/**
 * docs/rules.md, "Student": a person with class placements is exported as a
 * student when the shared rules hold (identity, deceased, e-mail), the person
 * is not deregistered, and has an active class placement (start ≤ D +
 * student lead, end empty or ≥ D) in a class that is created at an included
 * school. Classes and teaching groups take their students from here.
 */
import type { SourceRows } from '../extract/contract';
import type { RowPositions } from '../extract/positions';
import { fail, pass, recorded, studentPeriod, studentPeriodActive, type Check, type Dates, type Out } from './checks';
import type { ClassVerdicts } from './classes';
import { roleDecision, type RoleDecision } from './decisions';
import { idsInOrder, NONE, unitLists, type People } from './identity';
import type { Reason } from './reasons';
import { childrenOf } from './rows-index';
import type { IncludedSchools } from './school-units';

const DEREGISTERED = fail('marked as deregistered');
const NOT_DEREGISTERED = pass('not marked as deregistered');

export interface StudentDecisions {
  /** By person row position; undefined for a person with no class placement. */
  readonly roles: (RoleDecision | undefined)[];
  /** Exported students with an active placement in the class at this row position, in id order. */
  readonly studentsOfClass: (at: number) => readonly string[];
  /** Exported students with an active membership in the group at this row position (of rows.groups), in id order. */
  readonly studentsOfGroup: (at: number) => readonly string[];
}

/** What one placement says: not active; active but not in a created class, at a school that is or is not included; or in an included class. */
const enum Placement {
  NotActive,
  SchoolNotIncluded,
  ClassNotCreated,
  InIncludedClass,
}

export function decideStudents(rows: SourceRows, dates: Dates, schools: IncludedSchools, classes: ClassVerdicts, people: People, positions: RowPositions): StudentDecisions {
  const { pairIncluded, unitLabel } = schools;
  const placements = rows.classPlacements;
  const byPerson = childrenOf(positions.links.classPlacements.person_id, people.rows.length);
  const classOf = positions.links.classPlacements.class_id;
  const active = new Uint8Array(placements.length);
  for (let i = 0; i < placements.length; i++) active[i] = studentPeriodActive(dates, placements[i]!.start_date, placements[i]!.end_date) ? 1 : 0;

  /** 5. The placement at `i` is active (start ≤ D + student lead, end empty or ≥ D), in a class that is created. */
  const placementRule = (i: number, out: Out): Placement => {
    const at = classOf[i]!;
    const cls = at >= 0 ? classes.rows[at] : undefined;
    const verdict = !active[i] ? Placement.NotActive : !cls ? Placement.SchoolNotIncluded : !classes.reason[at] ? Placement.InIncludedClass : pairIncluded(cls.unit_id, cls.school_form) ? Placement.ClassNotCreated : Placement.SchoolNotIncluded;
    if (out) {
      const p = placements[i]!;
      const what = `placement in ${cls ? `${cls.name} at ${unitLabel(cls.unit_id)}` : `unknown class ${p.class_id}`}`;
      const period: Check[] = [];
      studentPeriod(dates, p.start_date, p.end_date, period, what);
      const words = period[0]!;
      if (!cls) out.push(fail(`${what}: the class is missing in ProCapita`));
      else if (!words.ok) out.push(words);
      else if (classes.reason[at]) {
        const failed = classes.checks(at).find((c) => !c.ok);
        out.push(fail(`${words.text}, but class ${cls.name} is not created: ${failed?.text ?? classes.reason[at]}`));
      } else out.push(pass(`${words.text}, in an included class`));
    }
    return verdict;
  };

  /** Rules 1–5 for the person at `at`: the reason of the first that fails, and into `inClasses` the included classes of their active placements. */
  const studentRule = (at: number, out: Out, inClasses: number[]): Reason | undefined => {
    let reason = people.sharedRules(at, out);
    if (people.identity[at] || (reason && !out)) return reason;
    // 4. Not deregistered.
    if (people.rows[at]!.deregistered) {
      out?.push(DEREGISTERED);
      reason ??= 'deregistered';
      if (!out) return reason;
    } else out?.push(NOT_DEREGISTERED);
    // 5. An active class placement in an included class.
    let anyActive = false;
    let schoolIncluded = false;
    for (let k = byPerson.from[at]!; k < byPerson.from[at + 1]!; k++) {
      const i = byPerson.at[k]!;
      const verdict = placementRule(i, out);
      if (verdict === Placement.InIncludedClass) inClasses.push(classOf[i]!);
      else if (verdict !== Placement.NotActive) {
        anyActive = true;
        if (verdict === Placement.ClassNotCreated) schoolIncluded = true;
      }
    }
    // placement-school-not-included when every active placement is at a school that is not included.
    if (inClasses.length === 0) reason ??= !anyActive ? 'no-active-placement' : schoolIncluded ? 'placement-class-not-included' : 'placement-school-not-included';
    return reason;
  };

  const explains = {
    checks: (at: number): Check[] => recorded((out) => studentRule(at, out, [])),
  };
  const n = people.rows.length;
  const roles = new Array<RoleDecision | undefined>(n);
  const exported = new Uint8Array(n);
  const unitsOf = unitLists();
  // Most students are in one class: its unit list is looked up once per class.
  const unitsOfClass = new Array<readonly string[] | undefined>(classes.rows.length);
  const inClasses: number[] = [];
  for (let at = 0; at < n; at++) {
    if (byPerson.from[at] === byPerson.from[at + 1]) continue;
    inClasses.length = 0;
    const reason = studentRule(at, null, inClasses);
    if (reason !== undefined) {
      roles[at] = roleDecision(reason, NONE, explains, at);
      continue;
    }
    exported[at] = 1;
    const c = inClasses[0]!;
    const unitIds = inClasses.length === 1 ? (unitsOfClass[c] ??= unitsOf([classes.rows[c]!.unit_id])) : unitsOf(inClasses.map((x) => classes.rows[x]!.unit_id));
    roles[at] = roleDecision(undefined, unitIds, explains, at);
  }

  // A student who is left out never appears in any group. Each class's students, by their place in id order.
  let counted = 0;
  const placedFrom = new Int32Array(classes.rows.length + 1);
  const person = byPerson.parent;
  for (let i = 0; i < placements.length; i++) {
    if (active[i] === 1 && classOf[i]! >= 0 && person[i]! >= 0 && exported[person[i]!] === 1) {
      placedFrom[classOf[i]! + 1]!++;
      counted++;
    }
  }
  for (let c = 0; c < classes.rows.length; c++) placedFrom[c + 1]! += placedFrom[c]!;
  const ranks = new Int32Array(counted);
  const next = placedFrom.slice(0, classes.rows.length);
  for (let i = 0; i < placements.length; i++) {
    if (active[i] === 1 && classOf[i]! >= 0 && person[i]! >= 0 && exported[person[i]!] === 1) ranks[next[classOf[i]!]!++] = people.rank[person[i]!]!;
  }
  const ofClass = new Array<readonly string[] | undefined>(classes.rows.length);
  const studentsOfClass = (c: number): readonly string[] => {
    let ids = ofClass[c];
    if (!ids) {
      const inOrder = ranks.subarray(placedFrom[c]!, placedFrom[c + 1]!).sort();
      const list: string[] = [];
      let last = -1;
      for (const r of inOrder) {
        if (r !== last) list.push(people.rows[people.order[r]!]!.person_id);
        last = r;
      }
      ofClass[c] = ids = list.length === 0 ? NONE : list;
    }
    return ids;
  };

  // Groups are asked only by the teaching groups that link them: each group's students are worked out once, when first asked.
  const memberships = rows.groupMemberships;
  const byGroup = childrenOf(positions.links.groupMemberships.group_id, rows.groups.length);
  const member = positions.links.groupMemberships.person_id;
  const ofGroup = new Array<readonly string[] | undefined>(rows.groups.length);
  const studentsOfGroup = (at: number): readonly string[] => {
    let ids = ofGroup[at];
    if (!ids) {
      const members: number[] = [];
      for (let k = byGroup.from[at]!; k < byGroup.from[at + 1]!; k++) {
        const i = byGroup.at[k]!;
        const p = member[i]!;
        if (p >= 0 && exported[p] === 1 && studentPeriodActive(dates, memberships[i]!.start_date, memberships[i]!.end_date)) members.push(p);
      }
      ofGroup[at] = ids = members.length === 0 ? NONE : idsInOrder(people, members);
    }
    return ids;
  };
  return { roles, studentsOfClass, studentsOfGroup };
}
