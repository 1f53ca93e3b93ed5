import type { Check, Decisions, GroupDecision, PersonDecision, RoleDecision } from '../decide/decide';
import { REASONS } from '../decide/reasons';
import type { SourceRows } from '../extract/contract';
import { comparableDigits, looksLikePersonalNumber } from '../personal-number';
import { printable } from '../printable';
import { unitCodeKey } from '../configure/unit-code';
import { formatRange } from '../decide/dates';
import { schoolOverview } from './overview';

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

function explainPerson(d: PersonDecision, rows: Map<string, SourceRows['persons'][number]>, groups: readonly GroupDecision[]): string[] {
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
 * A school unit by its code: each school form ProCapita has for it, with its dates, whether the configuration
 * names it, and whether it is in the snapshot, and why not. Counts only: no person.
 */
function explainUnit(code: string, decisions: Decisions, rows: SourceRows): string[] {
  const key = unitCodeKey(code);
  const D = decisions.syncDate;
  const forms = schoolOverview(rows, D).filter((f) => unitCodeKey(f.unitCode) === key);
  const configured = decisions.schools.filter((s) => unitCodeKey(s.unitCode) === key);
  const lines: string[] = [];
  const units = [...new Map(forms.map((f) => [f.unitId, f])).values()];
  for (const u of units) {
    const active = u.unitStart !== null && u.unitStart <= D && (u.unitEnd === null || u.unitEnd >= D);
    lines.push(`school unit ${u.unitCode} ${u.name} (${u.unitId}), ${formatRange(u.unitStart, u.unitEnd)}: ${active ? 'active' : 'not active'} on ${D}`);
    for (const f of forms.filter((x) => x.unitId === u.unitId)) {
      const decision = configured.find((s) => s.schoolForm === f.schoolForm && (s.unitId === null || s.unitId === u.unitId));
      const placed = `${f.students} student${f.students === 1 ? '' : 's'} placed in its classes on ${D}`;
      lines.push(`  school form ${f.schoolForm}, ${formatRange(f.formStart, f.formEnd)}: ${placed}`);
      if (!decision) lines.push(`    not configured: not in the snapshot. To include it, add { "unitCode": "${u.unitCode}", "schoolForm": "${f.schoolForm}" } to schools (or pick it in the setup wizard).`);
      else if (decision.included) lines.push('    configured, and in the snapshot');
      else lines.push(`    configured, but not in the snapshot: ${REASONS[decision.reason!]} (${decision.reason})`, ...decision.checks.map(checkLine));
    }
  }
  // Configured forms ProCapita does not have for the unit, or a code it does not have at all.
  for (const s of configured.filter((c) => !forms.some((f) => f.schoolForm === c.schoolForm))) {
    if (lines.length === 0) lines.push(`school unit ${s.unitCode}: not in ProCapita`);
    lines.push(`  school form ${s.schoolForm}: configured, but not in the snapshot: ${REASONS[s.reason!]} (${s.reason})`, ...s.checks.map(checkLine));
  }
  return lines;
}

/**
 * Answers "why is (or isn't) this person or group in the roster?".
 * QUERY is a GUID, a personnummer or a name fragment. Nothing finds a
 * person with a protected (or unknown) identity level, and the answer is the
 * same as for someone not in ProCapita at all, so that explain cannot tell
 * who is protected. The query itself is never repeated: it may be their GUID.
 */
export function formatExplain(query: string, decisions: Decisions, rows: SourceRows): string {
  const q = query.trim().toLowerCase();
  const persons = new Map(rows.persons.map((p) => [p.person_id, p]));
  const unitCodes = new Map(rows.schoolUnits.map((u) => [u.unit_id, u.unit_code]));
  const byPnr = looksLikePersonalNumber(q);
  const digits = comparableDigits(q);

  const personMatches = decisions.persons.filter((d) => {
    if (d.protected) return false;
    const p = persons.get(d.personId)!;
    if (d.personId === q) return true;
    if (byPnr) return p.personal_number !== null && comparableDigits(p.personal_number) === digits;
    if (q.length < 2) return false;
    return `${p.given_name ?? ''} ${p.family_name ?? ''}`.toLowerCase().includes(q);
  });
  const groupMatches = byPnr ? [] : decisions.groups.filter((g) => g.id === q || (q.length >= 2 && g.name.toLowerCase().includes(q)));

  const unit = byPnr ? [] : explainUnit(q, decisions, rows);
  const all = [...(unit.length > 0 ? [unit] : []), ...personMatches.map((d) => explainPerson(d, persons, decisions.groups)), ...groupMatches.map((g) => explainGroup(g, unitCodes))];
  if (all.length === 0) {
    return `Nothing that may be shown matches on ${decisions.syncDate}. Search by GUID, personnummer, a school unit's code, or at least two letters of a name. A person with a protected identity is never shown, whatever the search: ask the school's registrar.`;
  }
  const lines = [`Sync date ${decisions.syncDate}: ${all.length} match${all.length === 1 ? '' : 'es'}`, ''];
  for (const block of all.slice(0, MAX_MATCHES)) lines.push(...block, '');
  if (all.length > MAX_MATCHES) lines.push(`… and ${all.length - MAX_MATCHES} more. Narrow the query, or search by GUID.`);
  // Names and group names go to a terminal: escape sequences in them are shown, not run.
  return lines.map(printable).join('\n').trimEnd();
}
