/**
 * The deletion guard. The cloud removes whatever vanishes from the roster,
 * so a run that would remove too much, against the last accepted snapshot,
 * is held until a person approves it. Pure: snapshot, baseline and limits in,
 * a verdict out.
 */
import { REMOVAL_KINDS, type RemovalKind, type RemovalLimit, type RuleConfig } from '../configure/config';
import type { Snapshot } from '../deliver/snapshot';
import { given, joined, safe, type SafeText } from '../safe-text';
import type { Manifest } from './baseline';
import { schoolKey } from '../configure/unit-code';

export interface KindChange {
  /** In the baseline; null on the first run. */
  readonly before: number | null;
  readonly after: number;
  readonly added: number;
  readonly removed: number;
  readonly limit: RemovalLimit;
  readonly exceeded: boolean;
}

export interface RemovedPerson { readonly id: string; readonly role: 'student' | 'staff'; readonly schoolIds: readonly string[] }
export interface RemovedGroup { readonly id: string; readonly kind: 'class' | 'teaching'; readonly name: string; readonly schoolId: string }
export interface RemovedMembership { readonly groupId: string; readonly personId: string; readonly role: 'student' | 'teacher'; readonly schoolId: string }

export interface Removals {
  readonly persons: readonly RemovedPerson[];
  readonly groups: readonly RemovedGroup[];
  readonly memberships: readonly RemovedMembership[];
}

export interface GuardVerdict {
  readonly decision: 'pass' | 'hold';
  /** Why the run is held; counts and codes only, never a name. */
  readonly reasons: readonly SafeText[];
  /** Worth knowing but not a reason to hold (the first run, a school that had no students before either). */
  readonly notes: readonly SafeText[];
  readonly baseline: { readonly contentHash: string; readonly acceptedAt: string } | null;
  readonly changes: Readonly<Record<RemovalKind, KindChange>>;
  readonly removals: Removals;
}

type Content = Pick<Snapshot, 'schools' | 'persons' | 'groups'>;
type Person = Content['persons'][number] | Manifest['persons'][number];
type Group = Content['groups'][number] | Manifest['groups'][number];

const hasRole = (p: Person, role: 'student' | 'staff') => (p.roles as readonly string[]).includes(role);

interface Diff { before: number | null; after: number; added: number; gone: unknown[] }

/** Added and removed items of one kind, by id, between a baseline (null on the first run) and the next snapshot. */
function diffById<T extends { id: string }>(next: readonly T[], base: readonly T[] | null): Diff {
  const after = new Set(next.map((x) => x.id));
  if (!base) return { before: null, after: after.size, added: after.size, gone: [] };
  const before = new Set(base.map((x) => x.id));
  return { before: before.size, after: after.size, added: [...after].filter((id) => !before.has(id)).length, gone: base.filter((x) => !after.has(x.id)) };
}

/**
 * Memberships per group and role, compared a group at a time through one reused set: a large
 * municipality has near a million, and sets of them all, for both sides, were the run's peak of memory.
 */
function diffMemberships(next: readonly Group[], base: readonly Group[] | null): Diff {
  const count = (groups: readonly Group[]) => groups.reduce((n, g) => n + g.teacherIds.length + g.studentIds.length, 0);
  if (!base) return { before: null, after: count(next), added: count(next), gone: [] };
  const byId = (groups: readonly Group[]) => new Map(groups.map((g) => [g.id, g]));
  const [inNext, inBase] = [byId(next), byId(base)];
  const other = new Set<string>();
  /** Calls `each` for the ids that are not among `others` (undefined: the group is not on the other side). */
  const notAmong = (ids: readonly string[], others: readonly string[] | undefined, each: (personId: string) => void) => {
    other.clear();
    for (const id of others ?? []) other.add(id);
    for (const id of ids) if (!other.has(id)) each(id);
  };
  const missing = (from: readonly Group[], on: ReadonlyMap<string, Group>, each: (g: Group, personId: string, role: 'teacher' | 'student') => void) => {
    for (const g of from) {
      const o = on.get(g.id);
      notAmong(g.teacherIds, o?.teacherIds, (id) => each(g, id, 'teacher'));
      notAmong(g.studentIds, o?.studentIds, (id) => each(g, id, 'student'));
    }
  };
  const gone: RemovedMembership[] = [];
  missing(base, inNext, (g, personId, role) => gone.push({ groupId: g.id, personId, role, schoolId: g.schoolId }));
  let added = 0;
  missing(next, inBase, () => added++);
  return { before: count(base), after: count(next), added, gone };
}

function diff(next: Content, base: Manifest | null, kind: RemovalKind): Diff {
  switch (kind) {
    case 'students':
    case 'staff': {
      const role = kind === 'students' ? 'student' : 'staff';
      const having = (persons: readonly Person[]) => persons.filter((p) => hasRole(p, role));
      return diffById(having(next.persons), base && having(base.persons));
    }
    case 'classes':
    case 'teachingGroups': {
      const k = kind === 'classes' ? 'class' : 'teaching';
      const ofKind = (groups: readonly Group[]) => groups.filter((g) => g.kind === k);
      return diffById(ofKind(next.groups), base && ofKind(base.groups));
    }
    case 'memberships':
      return diffMemberships(next.groups, base?.groups ?? null);
  }
}

function exceeds(removed: number, before: number, limit: RemovalLimit): boolean {
  if (limit.count !== null && removed > limit.count) return true;
  return limit.percent !== null && before > 0 && (removed * 100) / before > limit.percent;
}

const KIND_WORDS: Record<RemovalKind, SafeText> = { students: safe`students`, staff: safe`staff`, classes: safe`classes`, teachingGroups: safe`teaching groups`, memberships: safe`memberships` };

/** One decimal, or two where one would round down onto the limit (10.04 % against 10 %). */
const shareText = (share: number, limit: RemovalLimit) => (limit.percent !== null && Number(share.toFixed(1)) <= limit.percent && share > limit.percent ? share.toFixed(2) : share.toFixed(1)) as `${number}`;

const limitText = (l: RemovalLimit): SafeText => joined([...(l.percent !== null ? [safe`${l.percent} %`] : []), ...(l.count !== null ? [l.count] : [])], ' or ') || safe`none`;

/** Students per configured school unit and school form, counted through the classes they are placed in. */
function studentsPerSchool(c: Content | Manifest): Map<string, number> {
  const code = new Map(c.schools.map((s) => [s.id, s.code]));
  const sets = new Map<string, Set<string>>();
  for (const g of c.groups as readonly Group[]) {
    if (g.kind !== 'class') continue;
    const key = schoolKey(code.get(g.schoolId) ?? g.schoolId, g.schoolForm);
    const set = sets.get(key) ?? new Set<string>();
    g.studentIds.forEach((id) => set.add(id));
    sets.set(key, set);
  }
  return new Map([...sets].map(([k, s]) => [k, s.size]));
}

export function checkRemovals(
  next: Content,
  baseline: Manifest | null,
  limits: Readonly<Record<RemovalKind, RemovalLimit>>,
  schools: RuleConfig['schools'],
): GuardVerdict {
  const reasons: SafeText[] = [];
  const notes: SafeText[] = [];
  const changes = {} as Record<RemovalKind, KindChange>;
  const removed = {} as Record<RemovalKind, unknown[]>;

  for (const kind of REMOVAL_KINDS) {
    const { before, after, added, gone } = diff(next, baseline, kind);
    const limit = limits[kind];
    const exceeded = before !== null && exceeds(gone.length, before, limit);
    changes[kind] = { before, after, added, removed: gone.length, limit, exceeded };
    removed[kind] = gone;
    if (exceeded) {
      const share = before! > 0 ? safe` (${shareText((gone.length * 100) / before!, limit)} %)` : '';
      reasons.push(safe`${gone.length} of ${before} ${KIND_WORDS[kind]} would be removed${share}; the limit is ${limitText(limit)}`);
    }
  }

  if (!baseline) notes.push(safe`First run: there is no accepted snapshot to compare with, so removals are not counted.`);

  if (next.persons.length === 0) reasons.push(safe`the snapshot is empty: no person would remain`);
  const now = studentsPerSchool(next);
  const then = baseline ? studentsPerSchool(baseline) : null;
  const absent: SafeText[] = [];
  // Unit codes compare as the rules match them (a school configured as "krsk" is ProCapita's "KRSK"); messages show what the admin wrote.
  const active = new Set(next.schools.flatMap((s) => s.schoolForms.map((f) => schoolKey(s.code, f))));
  for (const s of schools) {
    const key = schoolKey(s.unitCode, s.schoolForm);
    const written = given(`${s.unitCode}/${s.schoolForm}`);
    if ((now.get(key) ?? 0) > 0) continue;
    // Closed, or unknown in ProCapita: the rules say why (explain); removals it causes are counted above.
    if (!active.has(key)) {
      absent.push(written);
      continue;
    }
    if (then && (then.get(key) ?? 0) === 0) notes.push(safe`School ${written} has no students, as in the last accepted snapshot.`);
    else reasons.push(safe`configured school ${written} has no students${then ? safe` (it had ${then.get(key) ?? 0})` : ''}`);
  }

  if (absent.length > 0) {
    notes.push(safe`Configured school${absent.length > 1 ? 's' : ''} ${joined(absent, ', ')} ${absent.length > 1 ? 'are' : 'is'} not in the snapshot: not active in ProCapita on the sync date, or an unknown code (explain shows which).`);
  }

  const persons: RemovedPerson[] = [
    ...(removed.students as Person[]).map((p) => ({ id: p.id, role: 'student' as const, schoolIds: p.schoolIds })),
    ...(removed.staff as Person[]).map((p) => ({ id: p.id, role: 'staff' as const, schoolIds: p.schoolIds })),
  ];
  const groups = ([...removed.classes, ...removed.teachingGroups] as Group[]).map(({ id, kind, name, schoolId }) => ({ id, kind, name, schoolId }));
  return {
    decision: reasons.length > 0 ? 'hold' : 'pass',
    reasons,
    notes,
    baseline: baseline ? { contentHash: baseline.contentHash, acceptedAt: baseline.acceptedAt } : null,
    changes,
    removals: { persons, groups, memberships: removed.memberships as RemovedMembership[] },
  };
}
