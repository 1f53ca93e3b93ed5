/**
 * last-run.json: what the last run did, for `status`, for support and for
 * monitoring scripts. Counts, codes and messages written for the admin; no
 * personal data.
 */
import type { RemovalKind } from '../configure/config';
import type { Snapshot } from '../deliver/snapshot';
import { AppError, EXIT_CODE_MEANINGS, type ExitCodeName } from '../errors';
import type { GuardVerdict, KindChange } from '../guard/deletion';
import type { RefreshOutcome } from '../enrich/ad-refresh';
import type { SafeText } from '../safe-text';

export interface Counts {
  readonly schools: number;
  readonly students: number;
  readonly staff: number;
  readonly classes: number;
  readonly teachingGroups: number;
  readonly memberships: number;
}

export interface RunReport {
  readonly formatVersion: 1;
  readonly agentVersion: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly exitCode: number;
  readonly exitName: ExitCodeName;
  /** unchanged: the snapshot was the last delivered one, and was not sent again (src/deliver/unchanged.ts). */
  readonly outcome: 'delivered' | 'unchanged' | 'held' | 'failed';
  readonly syncDate: string;
  readonly target: 'https' | 'directory' | null;
  readonly contentHash: string | null;
  readonly counts: Counts | null;
  /** Against the last accepted snapshot; null before there is one, or when the run failed before comparing. */
  readonly changes: Readonly<Record<RemovalKind, Omit<KindChange, 'limit' | 'exceeded'>>> | null;
  readonly guard: {
    readonly decision: 'pass' | 'hold' | 'released';
    readonly reasons: readonly SafeText[];
    readonly notes: readonly SafeText[];
    readonly baselineHash: string | null;
    readonly approval: { readonly approvedBy: SafeText; readonly approvedAt: SafeText } | null;
  } | null;
  readonly delivery: { readonly importId: SafeText | null; readonly status: SafeText; readonly attempts: number } | null;
  /** sent, not sent, or failed (why). */
  readonly heartbeat: SafeText;
  readonly warnings: readonly SafeText[];
  /** The e-mail mapping table the run used: when it was built, and tonight's refresh (src/enrich/ad-refresh.ts). Absent without email.mappingFile, when the run ended before reading it, and in older files. */
  readonly mappingTable?: { readonly builtAt: string | null; readonly refresh: RefreshOutcome };
  readonly error: { readonly code: ExitCodeName; readonly message: SafeText } | null;
  /** The run's HTML report (src/report/report-files.ts); null when it could not be written. Absent before 0.2. */
  readonly report?: string | null;
}

export function countsOf(s: Pick<Snapshot, 'schools' | 'persons' | 'groups'>): Counts {
  return {
    schools: s.schools.length,
    students: s.persons.filter((p) => p.roles.includes('student')).length,
    staff: s.persons.filter((p) => p.roles.includes('staff')).length,
    classes: s.groups.filter((g) => g.kind === 'class').length,
    teachingGroups: s.groups.filter((g) => g.kind === 'teaching').length,
    memberships: s.groups.reduce((n, g) => n + g.teacherIds.length + g.studentIds.length, 0),
  };
}

export function changesOf(verdict: GuardVerdict): RunReport['changes'] {
  if (!verdict.baseline) return null;
  return Object.fromEntries(Object.entries(verdict.changes).map(([k, c]) => [k, { before: c.before, after: c.after, added: c.added, removed: c.removed }])) as RunReport['changes'];
}

const when = (iso: string) => new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm' });
const KIND_LABELS: Record<RemovalKind, string> = { students: 'students', staff: 'staff', classes: 'classes', teachingGroups: 'teaching groups', memberships: 'memberships' };

/** The report as `status` prints it. */
export function formatStatus(r: RunReport, extra: { lock?: string; heldFile?: string; configPath: string }): string {
  const seconds = Math.round((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
  const outcome = { delivered: 'delivered', unchanged: 'unchanged, not sent again', held: 'HELD by the deletion guard', failed: 'FAILED' }[r.outcome];
  const lines = [
    `Last run: ${outcome} (exit code ${r.exitCode}, ${EXIT_CODE_MEANINGS[r.exitName] ?? r.exitName})`,
    `  Started ${when(r.startedAt)}, took ${seconds} s; sync date ${r.syncDate}; procapita-sync ${r.agentVersion}.`,
  ];
  // The run lock, if there is one: who holds it, its age, and whether a run would take it over.
  if (extra.lock) lines.push(`  ${extra.lock}`);
  // A held run's reasons are listed under the guard below.
  if (r.error && r.outcome !== 'held') lines.push(`  Error: ${r.error.message}`);
  if (r.counts) {
    const c = r.counts;
    lines.push(`  Snapshot ${r.contentHash}: ${c.schools} schools, ${c.students} students, ${c.staff} staff, ${c.classes} classes, ${c.teachingGroups} teaching groups, ${c.memberships} memberships.`);
  }
  if (r.changes) {
    const parts = (Object.keys(KIND_LABELS) as RemovalKind[]).map((k) => `${KIND_LABELS[k]} +${r.changes![k].added} −${r.changes![k].removed}`);
    lines.push(`  Changes since the last accepted snapshot: ${parts.join(', ')}.`);
  }
  if (r.guard) {
    const g = r.guard;
    const decision = g.decision === 'pass' ? 'passed' : g.decision === 'released' ? `held, and released by the approval of ${g.approval?.approvedBy} at ${g.approval ? when(g.approval.approvedAt) : '?'}` : 'held';
    lines.push(`  Deletion guard: ${decision}.`, ...g.reasons.map((x) => `    - ${x}`), ...g.notes.map((x) => `    ${x}`));
  }
  if (r.delivery) lines.push(r.delivery.importId ? `  Upload: import ${r.delivery.importId}, ${r.delivery.status}, after ${r.delivery.attempts} attempt(s).` : r.outcome === 'unchanged' ? `  Not sent: ${r.delivery.status}.` : `  Written: ${r.delivery.status}.`);
  if (r.mappingTable) {
    const t = r.mappingTable;
    const refresh = { none: 'kept by hand', manual: 'rebuilt only by ad-mapping build', succeeded: 'rebuilt from Active Directory by this run', failed: "this run's rebuild from Active Directory failed, so the previous one was used (see the warnings)", kept: 'used as it is' }[t.refresh];
    lines.push(`  E-mail mapping table: ${t.builtAt ? `built ${when(t.builtAt)}` : 'none yet'}; ${refresh}.`);
  }
  lines.push(`  Heartbeat: ${r.heartbeat}.`);
  if (r.warnings.length > 0) lines.push('  Warnings:', ...r.warnings.map((w) => `    - ${w}`));
  if (r.report) lines.push(`  Report: ${r.report}`);
  if (r.outcome === 'held' && r.contentHash) {
    lines.push('', `To release it: read ${extra.heldFile ?? 'the review file'}, then run`, `  procapita-sync approve ${r.contentHash} --config ${extra.configPath}`);
  }
  return lines.join('\n');
}

/** `unchanged`: a good run that sent nothing, as its snapshot was the last delivered one. */
export const outcomeOf = (code: ExitCodeName, unchanged = false): RunReport['outcome'] => (code === 'ok' ? (unchanged ? 'unchanged' : 'delivered') : code === 'heldByGuard' ? 'held' : 'failed');
export const exitNameOf = (err: unknown): ExitCodeName => (err instanceof AppError ? err.code : 'internal');
