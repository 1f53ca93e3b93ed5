/** Roster records for the guard stage's tests: only what a test varies is given, the rest is a fixed school year. */
import type { Role } from '../../src/decide/decide';
import type { RosterGroup, RosterPerson } from '../../src/decide/roster';

export const rosterPerson = (id: string, roles: Role[], schoolIds: string[]): RosterPerson => ({ id, roles, givenName: 'x', familyName: 'x', email: null, schoolIds });

export const rosterGroup = (g: Pick<RosterGroup, 'id' | 'kind' | 'name' | 'schoolId' | 'schoolForm' | 'teacherIds' | 'studentIds'>): RosterGroup => ({
  startDate: '2026-08-17',
  endDate: '2027-06-11',
  ...g,
});
