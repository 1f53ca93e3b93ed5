/**
 * docs/rules.md, "Staff": a person with employments is exported as staff
 * when the shared rules hold (identity, deceased, e-mail) and an employment
 * at a unit with at least one included school form has start ≤ D + staff
 * lead and end empty or ≥ D. Classes and teaching groups take their teachers
 * from the staff exported here.
 */
import type { EmploymentRow, SourceRows } from '../extract/contract';
import type { RowPositions } from '../extract/positions';
import { fail, pass, recorded, type Check, type Dates, type Out } from './checks';
import { formatRange } from './dates';
import type { Reason } from './reasons';
import { roleDecision, type RoleDecision } from './decisions';
import { idsInOrder, NONE, unitLists, type People } from './identity';
import { childrenOf, type Children } from './rows-index';
import type { IncludedSchools } from './school-units';

export interface StaffDecisions {
  /** By person row position; undefined for a person with no employment. */
  readonly roles: (RoleDecision | undefined)[];
  /** 1 at the row position of each exported staff member. */
  readonly exported: Uint8Array;
  /** The list of this one exported staff member's id: most groups have one teacher, and a teacher has several groups. */
  readonly alone: (at: number) => readonly string[];
}

export function decideStaff(rows: SourceRows, dates: Dates, schools: IncludedSchools, people: People, positions: RowPositions): StaffDecisions {
  const { D, staffFrom, staffLead } = dates;
  const { unitIncluded, unitLabel } = schools;
  const employments = rows.employments;
  const byPerson = childrenOf(positions.links.employments.person_id, people.rows.length);

  /** 4. An employment at a unit with an included school form: start ≤ D + staff lead, end empty or ≥ D. */
  const employmentRule = (e: EmploymentRow, out: Out): boolean => {
    const included = unitIncluded(e.unit_id);
    const active = included && e.start_date !== null && e.start_date <= staffFrom && (e.end_date === null || e.end_date >= D);
    if (out) {
      const what = `employment at ${unitLabel(e.unit_id)}`;
      if (!included) out.push(fail(`${what} (${formatRange(e.start_date, e.end_date)}): ${unitLabel(e.unit_id)} is not an included school`));
      else if (e.start_date === null) out.push(fail(`${what} has no start date`));
      else if (e.start_date > staffFrom) out.push(fail(`${what} starts ${e.start_date}, after ${staffFrom} (${staffLead})`));
      else if (e.end_date !== null && e.end_date < D) out.push(fail(`${what} ended ${e.end_date} (before ${D})`));
      else if (e.start_date > D) out.push(pass(`${what} starts ${e.start_date}, within the lead time (on or before ${staffFrom}, ${staffLead})`));
      else out.push(pass(`${what} is active (${formatRange(e.start_date, e.end_date)})`));
    }
    return active;
  };

  /** The person at `at` as staff: the reason, and into `units` the units of the active employments. */
  const staffRule = (at: number, out: Out, units: string[]): Reason | undefined => {
    let reason = people.sharedRules(at, out);
    if (people.identity[at] || (reason && !out)) return reason;
    let someIncluded = false;
    for (let k = byPerson.from[at]!; k < byPerson.from[at + 1]!; k++) {
      const e = employments[byPerson.at[k]!]!;
      if (employmentRule(e, out)) units.push(e.unit_id);
      else if (unitIncluded(e.unit_id)) someIncluded = true;
    }
    // employment-school-not-included only when every employment is at a unit that is not included.
    if (units.length === 0) reason ??= someIncluded ? 'no-active-employment' : 'employment-school-not-included';
    return reason;
  };

  const explains = {
    checks: (at: number): Check[] => recorded((out) => staffRule(at, out, [])),
  };
  const roles = new Array<RoleDecision | undefined>(people.rows.length);
  const exported = new Uint8Array(people.rows.length);
  const unitsOf = unitLists();
  const units: string[] = [];
  for (let at = 0; at < people.rows.length; at++) {
    if (byPerson.from[at] === byPerson.from[at + 1]) continue;
    units.length = 0;
    const reason = staffRule(at, null, units);
    if (reason === undefined) exported[at] = 1;
    roles[at] = roleDecision(reason, reason === undefined ? unitsOf(units) : NONE, explains, at);
  }
  const lists = new Array<readonly string[] | undefined>(people.rows.length);
  const alone = (at: number): readonly string[] => (lists[at] ??= Object.freeze([people.rows[at]!.person_id]));
  return { roles, exported, alone };
}

/** "At least one exported staff member is linked to it", for classes and teaching groups: the links of each, and each link's person. */
export interface StaffLinks {
  readonly rows: readonly { readonly person_id: string }[];
  readonly person: Int32Array;
  readonly of: Children;
}

export function staffLinks(rows: readonly { readonly person_id: string }[], person: Int32Array, parents: Int32Array, count: number): StaffLinks {
  return { rows, person, of: childrenOf(parents, count) };
}

const NO_STAFF = fail('no staff linked');

/** The exported teachers of the group at `at`, in id order; none when the rule fails. */
export function teacherRule(people: People, staff: StaffDecisions, links: StaffLinks, at: number, out: Out): readonly string[] {
  const { from, at: rows } = links.of;
  let first = -1;
  let teachers: number[] | undefined;
  for (let k = from[at]!; k < from[at + 1]!; k++) {
    const p = links.person[rows[k]!]!;
    if (p < 0 || staff.exported[p] !== 1) continue;
    if (first === -1 || first === p) first = p;
    else (teachers ??= [first]).push(p);
  }
  const teacherIds = teachers ? idsInOrder(people, teachers) : first === -1 ? NONE : staff.alone(first);
  if (out) {
    if (teacherIds.length > 0) out.push(pass(`${teacherIds.length} exported staff linked`));
    else {
      const linked = new Set<string>();
      for (let k = from[at]!; k < from[at + 1]!; k++) linked.add(links.rows[rows[k]!]!.person_id);
      out.push(linked.size === 0 ? NO_STAFF : fail(`${linked.size} staff linked, none of them exported`));
    }
  }
  return teacherIds;
}
