import type { Decisions } from '../decide/decide';
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { AppError } from '../errors';

/**
 * The snapshot holds together: no id twice, every id a group or person
 * refers to is in it, everything in it was read from ProCapita, and its
 * counts are the decisions' counts. Counts and kinds only in the message.
 */
export function checkConsistency(snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>, decisions: Decisions, rows: SourceRows): void {
  const problems: string[] = [];
  const duplicates = (what: string, ids: readonly string[]) => {
    const n = ids.length - new Set(ids).size;
    if (n > 0) problems.push(`${n} ${what} listed twice`);
  };
  duplicates('school(s)', snapshot.schools.map((s) => s.id));
  duplicates('person(s)', snapshot.persons.map((p) => p.id));
  duplicates('group(s)', snapshot.groups.map((g) => g.id));
  const twice = snapshot.groups.reduce((n, g) => n + g.teacherIds.length - new Set(g.teacherIds).size + g.studentIds.length - new Set(g.studentIds).size, 0);
  if (twice > 0) problems.push(`${twice} group member(s) listed twice in their group`);

  const schools = new Set(snapshot.schools.map((s) => s.id));
  const persons = new Set(snapshot.persons.map((p) => p.id));
  const missing = (what: string, ids: readonly string[], known: Set<string>) => {
    const n = ids.filter((id) => !known.has(id)).length;
    if (n > 0) problems.push(`${n} ${what} not in the snapshot`);
  };
  missing('group member(s)', snapshot.groups.flatMap((g) => g.teacherIds.concat(g.studentIds)), persons);
  missing('school(s) of groups', snapshot.groups.map((g) => g.schoolId), schools);
  missing('school(s) of persons', snapshot.persons.flatMap((p) => p.schoolIds), schools);

  const read = (ids: readonly string[], known: Set<string>, what: string) => {
    const n = ids.filter((id) => !known.has(id)).length;
    if (n > 0) problems.push(`${n} ${what} that were not read from ProCapita`);
  };
  read(snapshot.persons.map((p) => p.id), new Set(rows.persons.map((p) => p.person_id)), 'person(s)');
  read(snapshot.groups.map((g) => g.id), new Set([...rows.classes.map((c) => c.class_id), ...rows.activities.map((a) => a.activity_id)]), 'group(s)');
  read(snapshot.schools.map((s) => s.id), new Set(rows.schoolUnits.map((u) => u.unit_id)), 'school(s)');

  const count = (what: string, decided: number, sent: number) => {
    if (decided !== sent) problems.push(`${sent} ${what} where the rules included ${decided}`);
  };
  count('persons', decisions.persons.filter((d) => d.included).length, snapshot.persons.length);
  count('groups', decisions.groups.filter((g) => g.included).length, snapshot.groups.length);

  if (problems.length > 0) {
    throw new AppError(
      'consistencyGate',
      `Consistency gate stopped the run: the snapshot has ${problems.join('; ')}. Nothing was delivered. This is a bug in procapita-sync or odd data in ProCapita: report it with this message.`,
    );
  }
}
