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
  // Plain loops and one reused set: at 100,000 persons the arrays and sets of a shorter version cost a second.
  const seen = new Set<string>();
  /** How many of the ids are repeats. */
  const repeats = (ids: Iterable<string>): number => {
    seen.clear();
    let n = 0;
    for (const id of ids) {
      if (seen.has(id)) n++;
      else seen.add(id);
    }
    return n;
  };
  const ids = function* <T>(items: readonly T[], of: (item: T) => string | readonly string[]) {
    for (const item of items) {
      const id = of(item);
      if (typeof id === 'string') yield id;
      else yield* id;
    }
  };
  const duplicates = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} listed twice`);
  };
  duplicates(safe`school(s)`, repeats(ids(snapshot.schools, (s) => s.id)));
  duplicates(safe`person(s)`, repeats(ids(snapshot.persons, (p) => p.id)));
  duplicates(safe`group(s)`, repeats(ids(snapshot.groups, (g) => g.id)));
  let twice = 0;
  for (const g of snapshot.groups) twice += repeats(g.teacherIds) + repeats(g.studentIds);
  if (twice > 0) problems.push(safe`${twice} group member(s) listed twice in their group`);

  const schools = new Set(ids(snapshot.schools, (s) => s.id));
  const persons = new Set(ids(snapshot.persons, (p) => p.id));
  const unknown = (list: Iterable<string>, known: ReadonlySet<string>): number => {
    let n = 0;
    for (const id of list) if (!known.has(id)) n++;
    return n;
  };
  const missing = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} not in the snapshot`);
  };
  missing(safe`group member(s)`, unknown(ids(snapshot.groups, (g) => g.teacherIds), persons) + unknown(ids(snapshot.groups, (g) => g.studentIds), persons));
  missing(safe`school(s) of groups`, unknown(ids(snapshot.groups, (g) => g.schoolId), schools));
  missing(safe`school(s) of persons`, unknown(ids(snapshot.persons, (p) => p.schoolIds), schools));

  const read = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} that were not read from ProCapita`);
  };
  read(safe`person(s)`, unknown(ids(snapshot.persons, (p) => p.id), new Set(ids(rows.persons, (p) => p.person_id))));
  const groupsRead = new Set(ids(rows.classes, (c) => c.class_id));
  for (const a of rows.activities) groupsRead.add(a.activity_id);
  read(safe`group(s)`, unknown(ids(snapshot.groups, (g) => g.id), groupsRead));
  read(safe`school(s)`, unknown(ids(snapshot.schools, (s) => s.id), new Set(ids(rows.schoolUnits, (u) => u.unit_id))));

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
