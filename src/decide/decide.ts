/**
 * The eligibility rules: a pure function of (source rows, rule configuration,
 * sync date). Every person and group gets a decision that records each rule
 * it was tested against, so `explain` can answer "why isn't this pupil in Teams?".
 * The rules are specified in docs/rules.md; each of its sections has its own
 * file here, and decide() puts them together in the order they depend on
 * each other: schools, staff, classes, students, teaching groups.
 */
import type { RuleConfig } from '../configure/config';
import type { CalendarDate, SourceRows } from '../extract/contract';
import { procapitaAddress, type AddressOf } from './address';
import { datesFor } from './checks';
import { classGroups, decideClasses } from './classes';
import type { Decisions } from './decisions';
import { decidePersons, identities } from './identity';
import { decideSchools } from './school-units';
import { decideStaff } from './staff';
import { decideStudents } from './students';
import { decideTeachingGroups } from './teaching-groups';
import { sortBy } from './rows-index';

export type { Check, Decisions, GroupDecision, PersonDecision, Role, RoleDecision, SchoolDecision } from './decisions';
export { hasPortalMarker } from './teaching-groups';

export function decide(rows: SourceRows, rules: RuleConfig, syncDate: CalendarDate, addressOf: AddressOf = procapitaAddress): Decisions {
  const dates = datesFor(syncDate, rules);
  const schools = decideSchools(rows, rules, dates);
  const people = identities(rows, rules, addressOf);
  const staff = decideStaff(rows, dates, schools, people);
  // Classes take their teachers now, and their students once the students are decided.
  const classes = decideClasses(rows, dates, schools, staff.exported);
  const students = decideStudents(rows, dates, schools, classes, people);
  const groups = [...classGroups(classes, dates, students.studentsOfClass), ...decideTeachingGroups(rows, rules, dates, schools, staff.exported, students)];
  const persons = decidePersons(rows, people.identity, students.decisions, staff.decisions);

  return {
    syncDate,
    schools: schools.schools,
    persons: sortBy(persons.persons, (p) => p.personId),
    groups: sortBy(groups, (g) => `${g.kind}|${g.id}`),
    warnings: [...schools.warnings, ...persons.warnings],
  };
}
