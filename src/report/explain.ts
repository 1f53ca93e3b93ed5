import type { Check, Decisions, GroupDecision, PersonDecision, RoleDecision } from '../decide/decide';
import { REASONS } from '../decide/reasons';
import type { SourceRows } from '../extract/contract';
import { comparableDigits, looksLikePersonalNumber, maskPersonalNumber } from '../personal-number';
import { printable } from '../printable';

const MAX_MATCHES = 20;

const checkLine = (c: Check): string => `    ${c.ok ? '✓' : '✗'} ${c.text}`;

function roleBlock(role: 'student' | 'staff', r: RoleDecision): string[] {
  const verdict = r.included ? `included as ${role}` : `excluded as ${role}: ${REASONS[r.reason!]} (${r.reason})`;
  return [`  ${verdict}`, ...r.checks.map(checkLine)];
}

function memberships(personId: string, groups: readonly GroupDecision[]): string[] {
  const names = (kind: GroupDecision['kind'], role: 'teacherIds' | 'studentIds') =>
    groups.filter((g) => g.included && g.kind === kind && g[role].includes(personId)).map((g) => g.name);
  const lists: [string, string[]][] = [
    ['student in classes', names('class', 'studentIds')],
    ['student in teaching groups', names('teaching', 'studentIds')],
    ['teacher in classes', names('class', 'teacherIds')],
    ['teacher in teaching groups', names('teaching', 'teacherIds')],
  ];
  return lists.filter(([, list]) => list.length > 0).map(([label, list]) => `  ${label}: ${list.join(', ')}`);
}

function explainPerson(d: PersonDecision, rows: Map<string, SourceRows['persons'][number]>, groups: readonly GroupDecision[], shownQuery: string): string[] {
  // A protected person is shown by the query and the verdict only: no name, and no GUID the user did not type.
  if (d.protected) return [`person ${d.personId === shownQuery.toLowerCase() ? d.personId : shownQuery}`, '  excluded: protected identity'];
  const p = rows.get(d.personId)!;
  const lines = [`person ${d.personId} ${p.given_name ?? ''} ${p.family_name ?? ''}`.trimEnd()];
  lines.push(`  verdict: ${d.included ? 'included' : 'excluded'}`);
  if (d.reason === 'no-role') lines.push(`  excluded: ${REASONS['no-role']} in ProCapita (${d.reason})`);
  if (d.student) lines.push(...roleBlock('student', d.student));
  if (d.staff) lines.push(...roleBlock('staff', d.staff));
  if (d.included) lines.push(...memberships(d.personId, groups));
  return lines;
}

function explainGroup(g: GroupDecision, unitCodes: Map<string, string>): string[] {
  const kind = g.kind === 'class' ? 'class' : 'teaching group';
  const where = `${unitCodes.get(g.unitId) ?? g.unitId} ${g.schoolForm}`;
  const verdict = g.included
    ? `included: ${g.teacherIds.length} teacher${g.teacherIds.length === 1 ? '' : 's'}, ${g.studentIds.length} student${g.studentIds.length === 1 ? '' : 's'}`
    : `excluded: ${REASONS[g.reason!]} (${g.reason})`;
  return [`${kind} ${g.name} (${g.id}) at ${where}, ${g.startDate ?? 'no start date'} – ${g.endDate ?? 'no end date'}`, `  verdict: ${verdict}`, ...g.checks.map(checkLine)];
}

/**
 * Answers "why is (or isn't) this person or group in the roster?".
 * QUERY is a GUID, a personnummer or a name fragment. A name never finds a
 * protected person; their GUID or personnummer finds only "protected identity",
 * shown under the query (the personnummer masked), never under a GUID the user did not type.
 */
export function formatExplain(query: string, decisions: Decisions, rows: SourceRows): string {
  const q = query.trim().toLowerCase();
  const persons = new Map(rows.persons.map((p) => [p.person_id, p]));
  const unitCodes = new Map(rows.schoolUnits.map((u) => [u.unit_id, u.unit_code]));
  const byPnr = looksLikePersonalNumber(q);
  const digits = comparableDigits(q);

  const personMatches = decisions.persons.filter((d) => {
    const p = persons.get(d.personId)!;
    if (d.personId === q) return true;
    if (byPnr) return p.personal_number !== null && comparableDigits(p.personal_number) === digits;
    if (d.protected || q.length < 2) return false;
    return `${p.given_name ?? ''} ${p.family_name ?? ''}`.toLowerCase().includes(q);
  });
  const groupMatches = byPnr ? [] : decisions.groups.filter((g) => g.id === q || (q.length >= 2 && g.name.toLowerCase().includes(q)));

  const shownQuery = byPnr ? maskPersonalNumber(query) : query.trim();
  const all = [...personMatches.map((d) => explainPerson(d, persons, decisions.groups, shownQuery)), ...groupMatches.map((g) => explainGroup(g, unitCodes))];
  if (all.length === 0) {
    return printable(`Nothing matches "${shownQuery}" on ${decisions.syncDate}. Search by GUID, personnummer, or at least two letters of a name.`);
  }
  const lines = [`Sync date ${decisions.syncDate}: ${all.length} match${all.length === 1 ? '' : 'es'} for "${shownQuery}"`, ''];
  for (const block of all.slice(0, MAX_MATCHES)) lines.push(...block, '');
  if (all.length > MAX_MATCHES) lines.push(`… and ${all.length - MAX_MATCHES} more. Narrow the query, or search by GUID.`);
  // Names and group names go to a terminal: escape sequences in them are shown, not run.
  return lines.map(printable).join('\n').trimEnd();
}
