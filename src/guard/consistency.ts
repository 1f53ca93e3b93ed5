import type { Decisions } from '../decide/decide';
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { AppError } from '../errors';
import { joined, safe, type SafeText } from '../safe-text';

/**
 * The snapshot holds together: no id twice, every id a group or person
 * refers to is in it, everything in it was read from ProCapita, and its
 * counts are the decisions' counts. Counts and kinds only in the message.
 */
export function checkConsistency(snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>, decisions: Decisions, rows: SourceRows): void {
  const problems: SafeText[] = [];
  const duplicates = (what: SafeText, ids: readonly string[]) => {
    const n = ids.length - new Set(ids).size;
    if (n > 0) problems.push(safe`${n} ${what} listed twice`);
  };
  duplicates(safe`school(s)`, snapshot.schools.map((s) => s.id));
  duplicates(safe`person(s)`, snapshot.persons.map((p) => p.id));
  duplicates(safe`group(s)`, snapshot.groups.map((g) => g.id));
  const twice = snapshot.groups.reduce((n, g) => n + g.teacherIds.length - new Set(g.teacherIds).size + g.studentIds.length - new Set(g.studentIds).size, 0);
  if (twice > 0) problems.push(safe`${twice} group member(s) listed twice in their group`);

  const schools = new Set(snapshot.schools.map((s) => s.id));
  const persons = new Set(snapshot.persons.map((p) => p.id));
  const missing = (what: SafeText, ids: readonly string[], known: Set<string>) => {
    const n = ids.filter((id) => !known.has(id)).length;
    if (n > 0) problems.push(safe`${n} ${what} not in the snapshot`);
  };
  missing(safe`group member(s)`, snapshot.groups.flatMap((g) => g.teacherIds.concat(g.studentIds)), persons);
  missing(safe`school(s) of groups`, snapshot.groups.map((g) => g.schoolId), schools);
  missing(safe`school(s) of persons`, snapshot.persons.flatMap((p) => p.schoolIds), schools);

  const read = (ids: readonly string[], known: Set<string>, what: SafeText) => {
    const n = ids.filter((id) => !known.has(id)).length;
    if (n > 0) problems.push(safe`${n} ${what} that were not read from ProCapita`);
  };
  read(snapshot.persons.map((p) => p.id), new Set(rows.persons.map((p) => p.person_id)), safe`person(s)`);
  read(snapshot.groups.map((g) => g.id), new Set([...rows.classes.map((c) => c.class_id), ...rows.activities.map((a) => a.activity_id)]), safe`group(s)`);
  read(snapshot.schools.map((s) => s.id), new Set(rows.schoolUnits.map((u) => u.unit_id)), safe`school(s)`);

  const count = (what: SafeText, decided: number, sent: number) => {
    if (decided !== sent) problems.push(safe`${sent} ${what} where the rules included ${decided}`);
  };
  count(safe`persons`, decisions.persons.filter((d) => d.included).length, snapshot.persons.length);
  count(safe`groups`, decisions.groups.filter((g) => g.included).length, snapshot.groups.length);

  if (problems.length > 0) {
    throw new AppError(
      'consistencyGate',
      safe`Consistency gate stopped the run: the snapshot has ${joined(problems, '; ')}. Nothing was delivered. This is a bug in procapita-sync or odd data in ProCapita: report it with this message.`,
    );
  }
}
