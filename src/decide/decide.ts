/**
 * The eligibility rules: a pure function of (source rows, rule configuration,
 * sync date). Every person and group gets a decision whose checks record each
 * rule it was tested against, so `explain` can answer "why isn't this pupil in Teams?".
 * The rules are specified in docs/rules.md; each of its sections has its own
 * file here, and decide() puts them together in the order they depend on
 * each other: schools, staff, classes, students, teaching groups.
 */
import type { RuleConfig } from '../configure/config';
import type { CalendarDate, SourceRows } from '../extract/contract';
import { positionsFor, type RowPositions } from '../extract/positions';
import { procapitaAddress, type AddressOf } from './address';
import { datesFor } from './checks';
import { classGroups, decideClasses } from './classes';
import type { Decisions, GroupDecision } from './decisions';
import { decidePersons, identities } from './identity';
import { inKeyOrder } from './rows-index';
import { decideSchools } from './school-units';
import { decideStaff } from './staff';
import { decideStudents } from './students';
import { decideTeachingGroups } from './teaching-groups';

export type { Check, Decisions, GroupDecision, PersonDecision, Role, RoleDecision, SchoolDecision } from './decisions';
export { hasPortalMarker } from './teaching-groups';

/** `positions`: where the link rows' parents are, as the extract stage worked them out; found here when not given. */
export function decide(rows: SourceRows, rules: RuleConfig, syncDate: CalendarDate, addressOf: AddressOf = procapitaAddress, positions?: RowPositions): Decisions {
  const at = positionsFor(rows, positions);
  const dates = datesFor(syncDate, rules);
  const schools = decideSchools(rows, rules, dates);
  const people = identities(rows, rules, addressOf);
  const staff = decideStaff(rows, dates, schools, people, at);
  // Classes take their teachers now, and their students once the students are decided.
  const classes = decideClasses(rows, dates, schools, people, at, staff);
  const students = decideStudents(rows, dates, schools, classes, people, at);
  const persons = decidePersons(people, at, students.roles, staff.roles);
  // Classes, then teaching groups, each in id order.
  const byId = (g: GroupDecision) => g.id;
  const groups = [...inKeyOrder(classGroups(classes, dates, students.studentsOfClass), byId), ...inKeyOrder(decideTeachingGroups(rows, rules, dates, schools, people, at, staff, classes, students), byId)];

  return {
    syncDate,
    schools: schools.schools,
    persons: persons.persons,
    groups,
    warnings: [...schools.warnings, ...persons.warnings],
  };
}
