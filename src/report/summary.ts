import type { Decisions, RoleDecision } from '../decide/decide';
import { REASONS, type Reason } from '../decide/reasons';
import type { Roster } from '../decide/roster';
import type { EmailStats } from '../enrich/email';
import { table } from '../text-table';

function countReasons<T>(items: readonly T[], reasonOf: (item: T) => Reason | undefined): [Reason, number][] {
  const counts = new Map<Reason, number>();
  for (const item of items) {
    const reason = reasonOf(item);
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}


/**
 * The text printed after a run: what went out per school, and how many were
 * left out and why. Counts only: no names, no ids.
 */
export function formatSummary(decisions: Decisions, roster: Roster, email: EmailStats): string {
  const lines: string[] = [];
  const header = ['School unit', 'Forms', 'Students', 'Staff', 'Classes', 'Teaching groups'];
  const perUnit = new Map(roster.schools.map((s) => [s.id, { students: 0, staff: 0, classes: 0, teaching: 0 }]));
  for (const d of decisions.persons) {
    if (d.student?.included) for (const u of d.student.unitIds) perUnit.get(u)!.students++;
    if (d.staff?.included) for (const u of d.staff.unitIds) perUnit.get(u)!.staff++;
  }
  for (const g of roster.groups) perUnit.get(g.schoolId)![g.kind === 'class' ? 'classes' : 'teaching']++;
  const body = roster.schools.map((s) => {
    const n = perUnit.get(s.id)!;
    return [`${s.name} (${s.code})`, s.schoolForms.join(', '), String(n.students), String(n.staff), String(n.classes), String(n.teaching)];
  });
  const total = [
    'Total',
    '',
    String(roster.persons.filter((p) => p.roles.includes('student')).length),
    String(roster.persons.filter((p) => p.roles.includes('staff')).length),
    String(roster.groups.filter((g) => g.kind === 'class').length),
    String(roster.groups.filter((g) => g.kind === 'teaching').length),
  ];
  lines.push(`Sync date ${decisions.syncDate}`, '');
  if (body.length === 0) lines.push('No configured school unit is active on this date: nothing to export.', '');
  else lines.push(...table([header, ...body, total], new Set([2, 3, 4, 5])), '');

  const roleReason = (role: 'student' | 'staff') => (d: (typeof decisions.persons)[number]) => {
    const r: RoleDecision | undefined = d[role];
    return r && !r.included ? r.reason : undefined;
  };
  const sections: [string, [Reason, number][]][] = [
    ['school units', countReasons(decisions.schools, (s) => s.reason)],
    ['students', countReasons(decisions.persons, roleReason('student'))],
    ['staff', countReasons(decisions.persons, roleReason('staff'))],
    ['other persons', countReasons(decisions.persons, (d) => (d.reason === 'no-role' ? d.reason : undefined))],
    ['classes', countReasons(decisions.groups.filter((g) => g.kind === 'class'), (g) => g.reason)],
    ['teaching groups', countReasons(decisions.groups.filter((g) => g.kind === 'teaching'), (g) => g.reason)],
  ];
  const leftOut = sections.filter(([, counts]) => counts.length > 0);
  if (leftOut.length > 0) {
    lines.push('Left out (reason code: count)');
    for (const [label, counts] of leftOut) {
      lines.push(`  ${label}`);
      const width = Math.max(...counts.map(([, n]) => String(n).length));
      for (const [reason, n] of counts) lines.push(`    ${String(n).padStart(width)}  ${reason}: ${REASONS[reason]}`);
    }
    lines.push('');
  }

  const invalid = email.invalidInProCapita > 0 ? ` (${email.invalidInProCapita} held an invalid address in ProCapita)` : '';
  lines.push(`E-mail: ${email.fromProCapita} from ProCapita, ${email.fromMapping} from the mapping table, ${email.none} without an address${invalid}`);

  if (decisions.warnings.length > 0) {
    lines.push('', 'Warnings');
    for (const w of decisions.warnings) lines.push(`  ! ${w}`);
  }
  return lines.join('\n');
}
