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
  // Plain loops and one reused set: at 100,000 persons the flatMaps and a set per group of a shorter version cost a second.
  const seen = new Set<string>();
  /** How many of the ids are repeats. A snapshot's lists are sorted: one strictly ascending has none, and needs no set. */
  const repeats = (ids: readonly string[]): number => {
    let k = 1;
    while (k < ids.length && ids[k - 1]! < ids[k]!) k++;
    if (k >= ids.length) return 0;
    seen.clear();
    for (const id of ids) seen.add(id);
    return ids.length - seen.size;
  };
  const idsOf = (items: readonly { readonly id: string }[]) => items.map((x) => x.id);
  const unknown = (ids: readonly string[], known: ReadonlySet<string>): number => {
    let n = 0;
    for (const id of ids) if (!known.has(id)) n++;
    return n;
  };
  const [schoolIds, personIds, groupIds] = [idsOf(snapshot.schools), idsOf(snapshot.persons), idsOf(snapshot.groups)];

  const duplicates = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} listed twice`);
  };
  duplicates(safe`school(s)`, repeats(schoolIds));
  duplicates(safe`person(s)`, repeats(personIds));
  duplicates(safe`group(s)`, repeats(groupIds));
  let twice = 0;
  for (const g of snapshot.groups) twice += repeats(g.teacherIds) + repeats(g.studentIds);
  if (twice > 0) problems.push(safe`${twice} group member(s) listed twice in their group`);

  const schools = new Set(schoolIds);
  const persons = new Set(personIds);
  let members = 0;
  let groupSchools = 0;
  for (const g of snapshot.groups) {
    members += unknown(g.teacherIds, persons) + unknown(g.studentIds, persons);
    if (!schools.has(g.schoolId)) groupSchools++;
  }
  let personSchools = 0;
  for (const p of snapshot.persons) personSchools += unknown(p.schoolIds, schools);
  const missing = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} not in the snapshot`);
  };
  missing(safe`group member(s)`, members);
  missing(safe`school(s) of groups`, groupSchools);
  missing(safe`school(s) of persons`, personSchools);

  const read = (what: SafeText, n: number) => {
    if (n > 0) problems.push(safe`${n} ${what} that were not read from ProCapita`);
  };
  read(safe`person(s)`, unknown(personIds, new Set(rows.persons.map((p) => p.person_id))));
  const groupsRead = new Set(rows.classes.map((c) => c.class_id));
  for (const a of rows.activities) groupsRead.add(a.activity_id);
  read(safe`group(s)`, unknown(groupIds, groupsRead));
  read(safe`school(s)`, unknown(schoolIds, new Set(rows.schoolUnits.map((u) => u.unit_id))));

  const count = (what: SafeText, decided: number, sent: number) => {
    if (decided !== sent) problems.push(safe`${sent} ${what} where the rules included ${decided}`);
  };
  const included = (items: readonly { readonly included: boolean }[]) => {
    let n = 0;
    for (const x of items) if (x.included) n++;
    return n;
  };
  count(safe`persons`, included(decisions.persons), snapshot.persons.length);
  count(safe`groups`, included(decisions.groups), snapshot.groups.length);

  if (problems.length > 0) {
    throw new AppError(
      'consistencyGate',
      safe`Consistency gate stopped the run: the snapshot has ${joined(problems, '; ')}. Nothing was delivered. This is a bug in procapita-sync or odd data in ProCapita: report it with this message.`,
    );
  }
}
