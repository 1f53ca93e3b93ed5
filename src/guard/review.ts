import type { SourceRows } from '../extract/contract';
import { printable } from '../printable';
import { table } from '../text-table';
import type { Baseline } from './baseline';
import type { GuardVerdict } from './deletion';

/**
 * The review file of a held run: what would be removed, per school and
 * kind, then each removal by id and name, for a person to check before
 * approving. Names come from ProCapita as read tonight. A person whose
 * identity is protected, or whose level is unknown, is never listed, not
 * even by id: only counted among "not listed".
 */
export function formatReview(verdict: GuardVerdict, held: { contentHash: string; heldAt: string; syncDate: string }, baseline: Pick<Baseline, 'schools'> & { readonly groups: readonly { readonly id: string; readonly name: string }[] } | null, rows: Pick<SourceRows, 'persons'>): string {
  const { persons, groups, memberships } = verdict.removals;
  // Only the rows of the persons removed: a large municipality has a hundred thousand others.
  const wanted = new Set<string>();
  for (const p of persons) wanted.add(p.id);
  for (const m of memberships) wanted.add(m.personId);
  const person = new Map<string, SourceRows['persons'][number]>();
  for (const p of rows.persons) if (wanted.has(p.person_id)) person.set(p.person_id, p);
  const hidden = (id: string) => {
    const p = person.get(id);
    return p !== undefined && p.protected_identity !== 0;
  };
  const nameOf = (id: string) => {
    const p = person.get(id);
    return p ? `${p.given_name ?? ''} ${p.family_name ?? ''}`.trim() || '(no name)' : '(no longer in ProCapita)';
  };
  const school = new Map((baseline?.schools ?? []).map((s) => [s.id, s]));
  const schoolText = (id: string) => (school.get(id) ? `${school.get(id)!.name} (${school.get(id)!.code})` : id);

  const lines = [
    'procapita-sync: held snapshot, for review',
    '',
    `Snapshot ${held.contentHash}`,
    `Sync date ${held.syncDate}, held at ${held.heldAt}.`,
    verdict.baseline ? `Compared with the snapshot accepted at ${verdict.baseline.acceptedAt} (${verdict.baseline.contentHash}).` : 'There is no accepted snapshot to compare with.',
    '',
    'Held because:',
    ...verdict.reasons.map((r) => `  - ${r}`),
    '',
    'Nothing was delivered. If these removals are right, release exactly this snapshot with',
    `  procapita-sync approve ${held.contentHash} --config <your config file>`,
    'and it is delivered by the next run, if ProCapita still gives the same snapshot then.',
  ];

  const perSchool = new Map<string, Record<'students' | 'staff' | 'classes' | 'teachingGroups' | 'memberships', number>>();
  const bump = (id: string, kind: 'students' | 'staff' | 'classes' | 'teachingGroups' | 'memberships') => {
    const row = perSchool.get(id) ?? { students: 0, staff: 0, classes: 0, teachingGroups: 0, memberships: 0 };
    row[kind]++;
    perSchool.set(id, row);
  };
  for (const p of persons) for (const s of p.schoolIds) bump(s, p.role === 'student' ? 'students' : 'staff');
  for (const g of groups) bump(g.schoolId, g.kind === 'class' ? 'classes' : 'teachingGroups');
  for (const m of memberships) bump(m.schoolId, 'memberships');
  if (perSchool.size > 0) {
    const body = [...perSchool].sort(([a], [b]) => (schoolText(a) < schoolText(b) ? -1 : 1)).map(([id, n]) => [schoolText(id), ...[n.students, n.staff, n.classes, n.teachingGroups, n.memberships].map(String)]);
    lines.push('', 'Removals per school:', ...table([['School unit', 'Students', 'Staff', 'Classes', 'Teaching groups', 'Memberships'], ...body], new Set([1, 2, 3, 4, 5])).map((l) => `  ${l}`));
  }

  const listed = persons.filter((p) => !hidden(p.id));
  const listedMemberships = memberships.filter((m) => !hidden(m.personId));
  const notListed = persons.length - listed.length + memberships.length - listedMemberships.length;
  const group = new Map((baseline?.groups ?? []).map((g) => [g.id, g]));
  // A line at a time, not pushed as spread arguments: a list of a few hundred thousand overflowed the stack.
  const section = <T>(items: readonly T[], title: string, line: (x: T) => string) => {
    if (items.length === 0) return;
    lines.push('', title);
    for (const x of items) lines.push(line(x));
  };
  section(listed, 'Persons who would be removed:', (p) => `  ${p.role === 'student' ? 'student' : 'staff  '}  ${p.id}  ${nameOf(p.id)}`);
  section(groups, 'Groups that would be removed:', (g) => `  ${g.kind === 'class' ? 'class   ' : 'teaching'}  ${g.id}  ${g.name}  (${schoolText(g.schoolId)})`);
  section(listedMemberships, 'Memberships that would end:', (m) => `  ${group.get(m.groupId)?.name ?? m.groupId} (${m.groupId}): ${m.role} ${m.personId}  ${nameOf(m.personId)}`);
  if (notListed > 0) lines.push('', `${notListed} further removal(s) are counted above but not listed, to protect the persons concerned.`);
  // Names come from ProCapita: escape sequences and bidi controls in them are shown, not run.
  return `${lines.map(printable).join('\n')}\n`;
}
