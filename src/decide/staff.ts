/**
 * docs/rules.md, "Staff": a person with employments is exported as staff
 * when the shared rules hold (identity, deceased, e-mail) and an employment
 * at a unit with at least one included school form has start ≤ D + staff
 * lead and end empty or ≥ D. Classes and teaching groups take their teachers
 * from the staff exported here.
 */
import type { EmploymentRow, SourceRows } from '../extract/contract';
import { fail, pass, type Check, type Dates } from './checks';
import { formatRange } from './dates';
import type { RoleDecision } from './decisions';
import { recordRole, type Identities } from './identity';
import { groupBy, sortedIds } from './rows-index';
import type { IncludedSchools } from './school-units';

export interface StaffDecisions {
  readonly decisions: Map<string, RoleDecision>;
  readonly exported: ReadonlySet<string>;
}

export function decideStaff(rows: SourceRows, dates: Dates, schools: IncludedSchools, { startRole }: Identities): StaffDecisions {
  const { D, staffFrom, staffLead } = dates;
  const { unitIncluded, unitLabel } = schools;
  const decisions = new Map<string, RoleDecision>();
  const exported = new Set<string>();

  const employmentCheck = (e: EmploymentRow): Check => {
    const what = () => `employment at ${unitLabel(e.unit_id)}`;
    if (!unitIncluded(e.unit_id)) return fail(() => `${what()} (${formatRange(e.start_date, e.end_date)}): ${unitLabel(e.unit_id)} is not an included school`);
    if (e.start_date === null) return fail(() => `${what()} has no start date`);
    if (e.start_date > staffFrom) return fail(() => `${what()} starts ${e.start_date}, after ${staffFrom} (${staffLead})`);
    if (e.end_date !== null && e.end_date < D) return fail(() => `${what()} ended ${e.end_date} (before ${D})`);
    if (e.start_date > D) return pass(() => `${what()} starts ${e.start_date}, within the lead time (on or before ${staffFrom}, ${staffLead})`);
    return pass(() => `${what()} is active (${formatRange(e.start_date, e.end_date)})`);
  };

  for (const [personId, employments] of groupBy(rows.employments, (e) => e.person_id)) {
    const start = startRole(personId, decisions);
    if (!start) continue;
    const { checks } = start;
    let reason = start.reason;
    const employmentChecks = employments.map((e) => ({ e, check: employmentCheck(e) }));
    checks.push(...employmentChecks.map((x) => x.check));
    const active = employmentChecks.filter((x) => x.check.ok);
    if (active.length === 0) {
      // employment-school-not-included only when every employment is at a unit that is not included.
      reason ??= employments.some((e) => unitIncluded(e.unit_id)) ? 'no-active-employment' : 'employment-school-not-included';
    }
    recordRole(decisions, exported, personId, reason, checks, active.map((x) => x.e.unit_id));
  }
  return { decisions, exported };
}

/** "At least one exported staff member is linked to it": for classes and teaching groups. */
const NO_STAFF = fail('no staff linked');

export function teacherCheck(exported: ReadonlySet<string>, linked: readonly { person_id: string }[] | undefined): { check: Check; teacherIds: string[] } {
  const linkedIds = sortedIds((linked ?? []).map((l) => l.person_id));
  const teacherIds = linkedIds.filter((id) => exported.has(id));
  if (teacherIds.length > 0) return { check: pass(() => `${teacherIds.length} exported staff linked`), teacherIds };
  const count = linkedIds.length;
  return {
    check: count === 0 ? NO_STAFF : fail(() => `${count} staff linked, none of them exported`),
    teacherIds,
  };
}
