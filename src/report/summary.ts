import type { RuleConfig } from '../configure/config';
import type { Decisions, RoleDecision } from '../decide/decide';
import { REASONS, type Reason } from '../decide/reasons';
import type { Roster } from '../decide/roster';
import type { EmailStats } from '../enrich/email';
import { printable } from '../printable';
import { safe } from '../safe-text';
import { table } from '../text-table';
import type { SchoolFormOverview } from './overview';

function countReasons<T>(items: readonly T[], reasonOf: (item: T) => Reason | undefined): [Reason, number][] {
  const counts = new Map<Reason, number>();
  for (const item of items) {
    const reason = reasonOf(item);
    if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}


/** The words of the summary; the default is English. The setup wizard passes its own language's. */
export interface SummaryWords {
  readonly syncDate: (date: string) => string;
  readonly column: {
    readonly schoolUnit: string;
    readonly forms: string;
    readonly students: string;
    readonly staff: string;
    readonly classes: string;
    readonly teachingGroups: string;
  };
  readonly total: string;
  readonly noActiveUnit: string;
  readonly leftOut: string;
  /** The headings of the left-out list, per kind. */
  readonly kind: {
    readonly schoolUnits: string;
    readonly students: string;
    readonly staff: string;
    readonly otherPersons: string;
    readonly classes: string;
    readonly teachingGroups: string;
  };
  /** The text after each reason code. */
  readonly reasons: Readonly<Record<Reason, string>>;
  readonly email: (fromProCapita: number, fromMapping: number, none: number, invalidInProCapita: number) => string;
  /** Shown when export.allowPersonalNumberInEmail is on. */
  readonly personalNumberInEmail: string;
  readonly warnings: string;
  /** The heading of the school units and forms with students that the configuration leaves out. */
  readonly unconfigured: string;
  readonly unconfiguredLine: (code: string, form: string, name: string, students: number) => string;
}

/** The line of the summary, and of the log, while export.allowPersonalNumberInEmail is on. */
export const PERSONAL_NUMBER_IN_EMAIL = safe`Personnummer are allowed in e-mail addresses (local part): export.allowPersonalNumberInEmail is on.`;

export const ENGLISH_SUMMARY: SummaryWords = {
  syncDate: (date: string) => `Sync date ${date}`,
  column: { schoolUnit: 'School unit', forms: 'Forms', students: 'Students', staff: 'Staff', classes: 'Classes', teachingGroups: 'Teaching groups' },
  total: 'Total',
  noActiveUnit: 'No configured school unit is active on this date: nothing to export.',
  leftOut: 'Left out (reason code: count)',
  kind: { schoolUnits: 'school units', students: 'students', staff: 'staff', otherPersons: 'other persons', classes: 'classes', teachingGroups: 'teaching groups' },
  reasons: REASONS,
  email: (fromProCapita: number, fromMapping: number, none: number, invalid: number) =>
    `E-mail: ${fromProCapita} from ProCapita, ${fromMapping} from the mapping table, ${none} without an address${invalid > 0 ? ` (${invalid} held an invalid address in ProCapita)` : ''}`,
  personalNumberInEmail: PERSONAL_NUMBER_IN_EMAIL,
  warnings: 'Warnings',
  unconfigured: 'Not configured, but with students placed in their classes today (explain UNITCODE shows more):',
  unconfiguredLine: (code: string, form: string, name: string, students: number) => `${code} ${form} ${name}: ${students} student${students === 1 ? '' : 's'}`,
};

/** One row of the per-school table: what goes out for a school unit. */
export interface SchoolRow {
  readonly code: string;
  readonly name: string;
  readonly forms: readonly string[];
  readonly students: number;
  readonly staff: number;
  readonly classes: number;
  readonly teachingGroups: number;
}

/** What goes out per school unit, in the roster's order. */
export function schoolRows(decisions: Pick<Decisions, 'persons'>, roster: Pick<Roster, 'schools' | 'groups'>): SchoolRow[] {
  const perUnit = new Map(roster.schools.map((s) => [s.id, { students: 0, staff: 0, classes: 0, teachingGroups: 0 }]));
  for (const d of decisions.persons) {
    if (d.student?.included) for (const u of d.student.unitIds) perUnit.get(u)!.students++;
    if (d.staff?.included) for (const u of d.staff.unitIds) perUnit.get(u)!.staff++;
  }
  for (const g of roster.groups) perUnit.get(g.schoolId)![g.kind === 'class' ? 'classes' : 'teachingGroups']++;
  return roster.schools.map((s) => ({ code: s.code, name: s.name, forms: s.schoolForms, ...perUnit.get(s.id)! }));
}

/**
 * The text printed after a run: what went out per school, and how many were
 * left out and why. Counts only: no names, no ids.
 */
export function formatSummary(
  decisions: Decisions,
  roster: Roster,
  email: EmailStats,
  words: SummaryWords = ENGLISH_SUMMARY,
  rules: Pick<RuleConfig, 'allowPersonalNumberInEmail'> = { allowPersonalNumberInEmail: false },
  schools: readonly SchoolRow[] = schoolRows(decisions, roster),
  unconfigured: readonly SchoolFormOverview[] = [],
): string {
  const lines: string[] = [];
  const c = words.column;
  const header = [c.schoolUnit, c.forms, c.students, c.staff, c.classes, c.teachingGroups];
  const body = schools.map((s) => [`${s.name} (${s.code})`, s.forms.join(', '), String(s.students), String(s.staff), String(s.classes), String(s.teachingGroups)]);
  const total = [
    words.total,
    '',
    String(roster.persons.filter((p) => p.roles.includes('student')).length),
    String(roster.persons.filter((p) => p.roles.includes('staff')).length),
    String(roster.groups.filter((g) => g.kind === 'class').length),
    String(roster.groups.filter((g) => g.kind === 'teaching').length),
  ];
  lines.push(words.syncDate(decisions.syncDate), '');
  if (body.length === 0) lines.push(words.noActiveUnit, '');
  else lines.push(...table([header, ...body, total], new Set([2, 3, 4, 5])), '');

  const roleReason = (role: 'student' | 'staff') => (d: (typeof decisions.persons)[number]) => {
    const r: RoleDecision | undefined = d[role];
    return r && !r.included ? r.reason : undefined;
  };
  const sections: [string, [Reason, number][]][] = [
    [words.kind.schoolUnits, countReasons(decisions.schools, (s) => s.reason)],
    [words.kind.students, countReasons(decisions.persons, roleReason('student'))],
    [words.kind.staff, countReasons(decisions.persons, roleReason('staff'))],
    [words.kind.otherPersons, countReasons(decisions.persons, (d) => (d.reason === 'no-role' ? d.reason : undefined))],
    [words.kind.classes, countReasons(decisions.groups.filter((g) => g.kind === 'class'), (g) => g.reason)],
    [words.kind.teachingGroups, countReasons(decisions.groups.filter((g) => g.kind === 'teaching'), (g) => g.reason)],
  ];
  const leftOut = sections.filter(([, counts]) => counts.length > 0);
  if (leftOut.length > 0) {
    lines.push(words.leftOut);
    for (const [label, counts] of leftOut) {
      lines.push(`  ${label}`);
      const width = Math.max(...counts.map(([, n]) => String(n).length));
      for (const [reason, n] of counts) lines.push(`    ${String(n).padStart(width)}  ${reason}: ${words.reasons[reason]}`);
    }
    lines.push('');
  }

  if (unconfigured.length > 0) {
    lines.push(words.unconfigured);
    for (const u of unconfigured) lines.push(`  ! ${words.unconfiguredLine(u.unitCode, u.schoolForm, u.name, u.students)}`);
    lines.push('');
  }

  lines.push(words.email(email.fromProCapita, email.fromMapping, email.none, email.invalidInProCapita));
  if (rules.allowPersonalNumberInEmail) lines.push(words.personalNumberInEmail);

  if (decisions.warnings.length > 0) {
    lines.push('', words.warnings);
    for (const w of decisions.warnings) lines.push(`  ! ${w}`);
  }
  // School names and the warnings' labels come from ProCapita.
  return lines.map(printable).join('\n');
}
