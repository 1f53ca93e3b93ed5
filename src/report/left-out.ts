/**
 * Who and what the rules left out, per kind and reason, with the entries
 * behind each count: the run report's lists and its CSV. A person with a
 * protected (or unknown) identity is counted and never listed.
 */
import type { Check, Decisions, GroupDecision, PersonDecision, RoleDecision } from '../decide/decide';
import type { Reason } from '../decide/reasons';
import type { SourceRows } from '../extract/contract';

export const LEFT_OUT_KINDS = ['schoolUnits', 'students', 'staff', 'otherPersons', 'classes', 'teachingGroups'] as const;
export type LeftOutKind = (typeof LEFT_OUT_KINDS)[number];

export interface LeftOutEntry {
  readonly id: string;
  readonly name: string;
  /** The school unit's code, or empty when there is none to name. */
  readonly school: string;
  /** A person's class (students) or a group's school form. */
  readonly place: string;
  /** The checks that failed, with the dates that decided them, as `explain` prints them. */
  readonly rule: string;
}

export interface LeftOutSection {
  readonly kind: LeftOutKind;
  readonly reason: Reason;
  /** Everything left out for this reason, protected persons included. */
  readonly count: number;
  /** Not listed: a protected identity. */
  readonly notListed: number;
  /** The first `keep` of the listed entries (count − notListed of them); every one went to the sink. */
  readonly entries: readonly LeftOutEntry[];
}

/** Where every listed entry goes as it is made (the CSV file), so that only the page's first ones stay in memory. */
export type LeftOutSink = (kind: LeftOutKind, reason: Reason, entry: LeftOutEntry) => void;

const failed = (checks: readonly Check[]): string =>
  checks
    .filter((c) => !c.ok)
    .map((c) => c.text)
    .join('; ');

type Persons = SourceRows['persons'][number];

/** The newest row per person among `ids`, by start date: where a left-out person was last placed or employed. */
function newestBy<T extends { readonly person_id: string; readonly start_date: string | null }>(rows: readonly T[], ids: ReadonlySet<string>): Map<string, T> {
  const newest = new Map<string, T>();
  for (const r of rows) {
    if (!ids.has(r.person_id)) continue;
    const seen = newest.get(r.person_id);
    if (!seen || (r.start_date ?? '') > (seen.start_date ?? '')) newest.set(r.person_id, r);
  }
  return newest;
}

class Sections {
  private readonly byKey = new Map<string, { kind: LeftOutKind; reason: Reason; count: number; notListed: number; entries: LeftOutEntry[] }>();

  constructor(
    private readonly keep: number,
    private readonly sink: LeftOutSink | undefined,
  ) {}

  add(kind: LeftOutKind, reason: Reason, entry: (() => LeftOutEntry) | null): void {
    const key = `${kind}:${reason}`;
    let s = this.byKey.get(key);
    if (!s) this.byKey.set(key, (s = { kind, reason, count: 0, notListed: 0, entries: [] }));
    s.count++;
    if (!entry) {
      s.notListed++;
      return;
    }
    const listed = s.count - s.notListed;
    // Made only when something reads it: the rule's words cost a run of the rules.
    if (listed > this.keep && !this.sink) return;
    const e = entry();
    this.sink?.(kind, reason, e);
    if (listed <= this.keep) s.entries.push(e);
  }

  /** In LEFT_OUT_KINDS' order, then the largest count first, as the summary prints them. */
  list(): LeftOutSection[] {
    const rank = (k: LeftOutKind) => LEFT_OUT_KINDS.indexOf(k);
    return [...this.byKey.values()].sort((a, b) => rank(a.kind) - rank(b.kind) || b.count - a.count || (a.reason < b.reason ? -1 : 1));
  }
}

/**
 * What was left out, per kind and reason, from the decisions and tonight's rows, in LEFT_OUT_KINDS' order.
 * Each section keeps its first `keep` entries; `sink` gets every one. Pure but for what the sink does.
 */
export function leftOutOf(decisions: Decisions, rows: SourceRows, keep = Infinity, sink?: LeftOutSink): LeftOutSection[] {
  const sections = new Sections(keep, sink);
  const unitById = new Map(rows.schoolUnits.map((u) => [u.unit_id, u]));
  for (const s of decisions.schools) {
    if (s.included || !s.reason) continue;
    const unit = s.unitId ? unitById.get(s.unitId) : undefined;
    sections.add('schoolUnits', s.reason, () => ({ id: s.unitId ?? '', name: unit?.name ?? '', school: s.unitCode, place: s.schoolForm, rule: failed(s.checks) }));
  }

  // Rows only for the persons listed: a large municipality has a hundred thousand others.
  const listed = new Set<string>();
  const leftOutRole = (r: RoleDecision | undefined) => r !== undefined && !r.included && r.reason !== undefined;
  for (const d of decisions.persons) if (!d.protected && (leftOutRole(d.student) || leftOutRole(d.staff) || d.reason === 'no-role')) listed.add(d.personId);
  const person = new Map<string, Persons>();
  for (const p of rows.persons) if (listed.has(p.person_id)) person.set(p.person_id, p);
  const classes = new Map(rows.classes.map((c) => [c.class_id, c]));
  const placement = newestBy(rows.classPlacements, listed);
  const employment = newestBy(rows.employments, listed);
  const schoolOf = (id: string, role: 'student' | 'staff' | null): string => {
    const unitId = role === 'student' ? classes.get(placement.get(id)?.class_id ?? '')?.unit_id : role === 'staff' ? employment.get(id)?.unit_id : undefined;
    return unitId === undefined ? '' : (unitById.get(unitId)?.unit_code ?? '');
  };
  const nameOf = (id: string) => {
    const p = person.get(id);
    return `${p?.given_name ?? ''} ${p?.family_name ?? ''}`.trim();
  };
  const personEntry = (d: PersonDecision, role: 'student' | 'staff' | null, rule: string) => () => ({
    id: d.personId,
    name: nameOf(d.personId),
    school: schoolOf(d.personId, role),
    place: role === 'student' ? (classes.get(placement.get(d.personId)?.class_id ?? '')?.name ?? '') : '',
    rule,
  });
  // A pass per kind, so that the sink (the CSV file) gets them kind by kind.
  for (const role of ['student', 'staff'] as const) {
    for (const d of decisions.persons) {
      const r = d[role];
      if (!r || r.included || !r.reason) continue;
      sections.add(role === 'student' ? 'students' : 'staff', r.reason, d.protected ? null : () => personEntry(d, role, failed(r.checks))());
    }
  }
  for (const d of decisions.persons) if (d.reason === 'no-role' && !d.protected) sections.add('otherPersons', d.reason, personEntry(d, null, ''));

  const groupEntry = (g: GroupDecision) => () => ({ id: g.id, name: g.name, school: unitById.get(g.unitId)?.unit_code ?? '', place: g.schoolForm, rule: failed(g.checks) });
  for (const kind of ['class', 'teaching'] as const) {
    for (const g of decisions.groups) if (g.kind === kind && !g.included && g.reason) sections.add(kind === 'class' ? 'classes' : 'teachingGroups', g.reason, groupEntry(g));
  }
  return sections.list();
}
