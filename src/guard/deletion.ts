/**
 * The deletion guard. The cloud removes whatever vanishes from the roster,
 * so a run that would remove too much, against the last accepted snapshot,
 * is held until a person approves it. Pure: snapshot, baseline and limits in,
 * a verdict out.
 */
import { REMOVAL_KINDS, type RemovalKind, type RemovalLimit, type RuleConfig } from '../configure/config';
import type { Snapshot } from '../deliver/snapshot';
import { given, joined, safe, type SafeText } from '../safe-text';
import { baselineOf, idsOf, own, STAFF, STUDENT, type Baseline, type BaselineGroup, type BaselinePerson, type IdList, type Manifest } from './baseline';
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
type Person = Content['persons'][number];
type Group = Content['groups'][number];

const hasRole = (p: Person, role: 'student' | 'staff') => (p.roles as readonly string[]).includes(role);

interface Diff { before: number | null; after: number; added: number; gone: unknown[] }

/**
 * Added and removed items of one kind, by id, between a baseline (null on the first run) and the next snapshot;
 * `nextOf` and `baseOf` pick the kind's items. Both sides are sorted by id in any snapshot we write, so they are
 * merged, with no set of a hundred thousand ids for either; sets compare them if either is not strictly ascending.
 */
function diffById<T extends { id: string }, B extends { id: string }>(next: readonly T[], nextOf: (x: T) => boolean, base: readonly B[] | null, baseOf: (x: B) => boolean): Diff {
  if (!base) {
    const after = new Set<string>();
    for (const x of next) if (nextOf(x)) after.add(x.id);
    return { before: null, after: after.size, added: after.size, gone: [] };
  }
  return mergeById(next, nextOf, base, baseOf) ?? setDiffById(next, nextOf, base, baseOf);
}

function setDiffById<T extends { id: string }, B extends { id: string }>(next: readonly T[], nextOf: (x: T) => boolean, base: readonly B[], baseOf: (x: B) => boolean): Diff {
  const after = new Set<string>();
  for (const x of next) if (nextOf(x)) after.add(x.id);
  const before = new Set<string>();
  const gone: B[] = [];
  for (const x of base) {
    if (!baseOf(x)) continue;
    before.add(x.id);
    if (!after.has(x.id)) gone.push(x);
  }
  let added = 0;
  for (const id of after) if (!before.has(id)) added++;
  return { before: before.size, after: after.size, added, gone };
}

/** diffById of two lists each strictly ascending by id (of the items picked); undefined when one is not. */
function mergeById<T extends { id: string }, B extends { id: string }>(next: readonly T[], nextOf: (x: T) => boolean, base: readonly B[], baseOf: (x: B) => boolean): Diff | undefined {
  const gone: B[] = [];
  let [i, j, after, before, added] = [0, 0, 0, 0, 0];
  let [lastNext, lastBase] = ['', ''];
  for (;;) {
    while (i < next.length && !nextOf(next[i]!)) i++;
    while (j < base.length && !baseOf(base[j]!)) j++;
    const n = next[i];
    const b = base[j];
    if (n === undefined && b === undefined) break;
    if (n !== undefined && (b === undefined || n.id <= b.id)) {
      if (after > 0 && !(lastNext < n.id)) return undefined;
      lastNext = n.id;
      after++;
      i++;
      if (b !== undefined && n.id === b.id) {
        if (before > 0 && !(lastBase < b.id)) return undefined;
        lastBase = b.id;
        before++;
        j++;
      } else added++;
    } else {
      if (before > 0 && !(lastBase < b!.id)) return undefined;
      lastBase = b!.id;
      before++;
      j++;
      gone.push(b!);
    }
  }
  return { before, after, added, gone };
}

const DOUBLE_QUOTE = 0x22;

/**
 * One baseline list against tonight's, both sorted, as a merge: the baseline's ids that are not tonight's go to
 * `gone`, in its order, and `counts` gets the baseline's number of ids and how many of tonight's are new. The
 * baseline list is its JSON text (IdList), walked in place: an id that tonight's list has at that point too costs
 * one comparison and no array. False, with `gone` and `counts` as they were, when either list is not strictly
 * ascending (then sets compare them).
 */
function mergeDiff(text: string, ids: readonly string[], g: BaselineGroup, role: 'teacher' | 'student', gone: RemovedMembership[], counts: { added: number; before: number }): boolean {
  const start = gone.length;
  let [p, j, added, before] = [0, 0, 0, 0];
  let last = ''; // the baseline's id before the one at p
  while (p < text.length) {
    const n = ids[j];
    if (n !== undefined) {
      if (j > 0 && !(ids[j - 1]! < n)) return undone(gone, start);
      const end = p + 1 + n.length;
      if (text.charCodeAt(end) === DOUBLE_QUOTE && text.slice(p + 1, end) === n) {
        last = n;
        p = end + 2; // past `",`
        j++;
        before++;
        continue;
      }
    }
    const b = text.slice(p + 1, text.indexOf('"', p + 1));
    if (n !== undefined && n < b) {
      added++;
      j++;
      continue;
    }
    // Not tonight's: gone.
    if (before > 0 && !(last < b)) return undone(gone, start);
    gone.push({ groupId: g.id, personId: own(b), role, schoolId: g.schoolId });
    last = b;
    p += b.length + 3; // `"id",`
    before++;
  }
  for (; j < ids.length; j++, added++) if (j > 0 && !(ids[j - 1]! < ids[j]!)) return undone(gone, start);
  counts.added += added;
  counts.before += before;
  return true;
}

/** mergeDiff's way back: what it added to `gone` is taken out again. */
function undone(gone: RemovedMembership[], start: number): false {
  gone.length = start;
  return false;
}

/**
 * Memberships per group and role. A large municipality has near a million: tonight's sorted lists are merged with
 * the baseline's text (mergeDiff); others are compared a group at a time through one reused set, as sets of them
 * all, for both sides, were the run's peak of memory.
 */
function diffMemberships(next: readonly Group[], base: readonly BaselineGroup[] | null): Diff {
  let after = 0;
  for (const g of next) after += g.teacherIds.length + g.studentIds.length;
  if (!base) return { before: null, after, added: after, gone: [] };
  const inNext = new Map<string, Group>();
  for (const g of next) inNext.set(g.id, g);
  const inBase = new Map<string, BaselineGroup>();
  for (const g of base) inBase.set(g.id, g);
  // With an id twice on a side, groups do not pair one to one, so each side is compared as a whole.
  const paired = inNext.size === next.length && inBase.size === base.length;
  const gone: RemovedMembership[] = [];
  const counts = { added: 0, before: 0 };
  const other = new Set<string>();
  /** How many of the ids are not among `others` (undefined: the group is not on the other side); `g` and `role`: each goes to `gone`. */
  const notAmong = (ids: readonly string[], others: readonly string[] | undefined, g?: BaselineGroup, role?: 'teacher' | 'student'): number => {
    other.clear();
    for (const id of others ?? []) other.add(id);
    let n = 0;
    for (const id of ids) {
      if (other.has(id)) continue;
      n++;
      if (g) gone.push({ groupId: g.id, personId: own(id), role: role!, schoolId: g.schoolId });
    }
    return n;
  };
  /** One role's list of a baseline group against tonight's group (undefined: not there tonight). */
  const compare = (g: BaselineGroup, list: IdList, tonight: readonly string[] | undefined, role: 'teacher' | 'student') => {
    if (paired && tonight && typeof list === 'string' && mergeDiff(list, tonight, g, role, gone, counts)) return;
    const ids = idsOf(list);
    counts.before += ids.length;
    notAmong(ids, tonight, g, role);
    if (paired && tonight) counts.added += notAmong(tonight, ids);
  };
  for (const g of base) {
    const o = inNext.get(g.id);
    compare(g, g.teacherIds, o?.teacherIds, 'teacher');
    compare(g, g.studentIds, o?.studentIds, 'student');
  }
  for (const g of next) {
    const o = inBase.get(g.id);
    if (paired && o) continue; // counted above
    counts.added += notAmong(g.teacherIds, o && idsOf(o.teacherIds)) + notAmong(g.studentIds, o && idsOf(o.studentIds));
  }
  return { before: counts.before, after, added: counts.added, gone };
}

function diff(next: Content, base: Baseline | null, kind: RemovalKind): Diff {
  switch (kind) {
    case 'students':
    case 'staff': {
      const [role, bit] = kind === 'students' ? (['student', STUDENT] as const) : (['staff', STAFF] as const);
      return diffById(next.persons, (p) => hasRole(p, role), base?.persons ?? null, (p) => (p.roles & bit) !== 0);
    }
    case 'classes':
    case 'teachingGroups': {
      const k = kind === 'classes' ? 'class' : 'teaching';
      return diffById(next.groups, (g) => g.kind === k, base?.groups ?? null, (g) => g.kind === k);
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

/** Students per configured school unit and school form in the baseline, counted through the classes they are placed in. */
function studentsPerSchool(c: Baseline): Map<string, number> {
  const code = new Map(c.schools.map((s) => [s.id, s.code]));
  const sets = new Map<string, Set<string>>();
  for (const g of c.groups) {
    if (g.kind !== 'class') continue;
    const key = schoolKey(code.get(g.schoolId) ?? g.schoolId, g.schoolForm);
    const set = sets.get(key) ?? new Set<string>();
    idsOf(g.studentIds).forEach((id) => set.add(id));
    sets.set(key, set);
  }
  return new Map([...sets].map(([k, s]) => [k, s.size]));
}

/** The configured school units and school forms that have a student tonight: placed in one of their classes. */
function withStudents(c: Content): Set<string> {
  const code = new Map(c.schools.map((s) => [s.id, s.code]));
  const keys = new Set<string>();
  for (const g of c.groups) if (g.kind === 'class' && g.studentIds.length > 0) keys.add(schoolKey(code.get(g.schoolId) ?? g.schoolId, g.schoolForm));
  return keys;
}

/** A manifest (toManifest) or a read baseline (readBaseline), in the guard's form. */
function asBaseline(b: Baseline | Manifest): Baseline {
  if (!('formatVersion' in b)) return b;
  const baseline = baselineOf(b);
  if (!baseline) throw new Error('the manifest lacks a field the deletion guard reads'); // a bug: toManifest writes them all
  return baseline;
}

export function checkRemovals(
  next: Content,
  manifest: Baseline | Manifest | null,
  limits: Readonly<Record<RemovalKind, RemovalLimit>>,
  schools: RuleConfig['schools'],
): GuardVerdict {
  const reasons: SafeText[] = [];
  const notes: SafeText[] = [];
  const changes = {} as Record<RemovalKind, KindChange>;
  const removed = {} as Record<RemovalKind, unknown[]>;
  const baseline = manifest && asBaseline(manifest);

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
  const now = withStudents(next);
  // Counted only when a configured school has none tonight: it takes a string per student of the baseline.
  let counts: Map<string, number> | undefined;
  const then = baseline ? (key: string) => (counts ??= studentsPerSchool(baseline)).get(key) ?? 0 : null;
  const absent: SafeText[] = [];
  // Unit codes compare as the rules match them (a school configured as "krsk" is ProCapita's "KRSK"); messages show what the admin wrote.
  const active = new Set(next.schools.flatMap((s) => s.schoolForms.map((f) => schoolKey(s.code, f))));
  for (const s of schools) {
    const key = schoolKey(s.unitCode, s.schoolForm);
    const written = given(`${s.unitCode}/${s.schoolForm}`);
    if (now.has(key)) continue;
    // Closed, or unknown in ProCapita: the rules say why (explain); removals it causes are counted above.
    if (!active.has(key)) {
      absent.push(written);
      continue;
    }
    if (then && then(key) === 0) notes.push(safe`School ${written} has no students, as in the last accepted snapshot.`);
    else reasons.push(safe`configured school ${written} has no students${then ? safe` (it had ${then(key)})` : ''}`);
  }

  if (absent.length > 0) {
    notes.push(safe`Configured school${absent.length > 1 ? 's' : ''} ${joined(absent, ', ')} ${absent.length > 1 ? 'are' : 'is'} not in the snapshot: not active in ProCapita on the sync date, or an unknown code (explain shows which).`);
  }

  const persons: RemovedPerson[] = [
    ...(removed.students as BaselinePerson[]).map((p) => ({ id: own(p.id), role: 'student' as const, schoolIds: idsOf(p.schoolIds).map(own) })),
    ...(removed.staff as BaselinePerson[]).map((p) => ({ id: own(p.id), role: 'staff' as const, schoolIds: idsOf(p.schoolIds).map(own) })),
  ];
  const groups = ([...removed.classes, ...removed.teachingGroups] as BaselineGroup[]).map(({ id, kind, name, schoolId }) => ({ id, kind: kind as RemovedGroup['kind'], name, schoolId }));
  return {
    decision: reasons.length > 0 ? 'hold' : 'pass',
    reasons,
    notes,
    baseline: baseline ? { contentHash: baseline.contentHash, acceptedAt: baseline.acceptedAt } : null,
    changes,
    removals: { persons, groups, memberships: removed.memberships as RemovedMembership[] },
  };
}
