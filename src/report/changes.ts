/**
 * What changed since the last delivered snapshot, person by person and
 * group by group, for the run report. Pure. A person removed whose identity
 * is now protected is counted among "not listed", never named.
 */
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { DIGEST_WIDTH, idsOf, STAFF, STUDENT, type Baseline, type BaselinePerson, type IdList } from '../guard/baseline';

/** The most entries a list keeps; the count says how many there were. A new school year changes tens of thousands. */
export const MAX_LISTED = 1000;

export interface Listed<T> {
  readonly total: number;
  readonly items: readonly T[];
}

export interface PersonChange {
  readonly id: string;
  /** Empty when the person is no longer in ProCapita. */
  readonly name: string;
  readonly roles: readonly ('student' | 'staff')[];
  /** School unit codes. */
  readonly schools: readonly string[];
  /** Class names; for a removed person, those of the last delivered snapshot. */
  readonly classes: readonly string[];
}

export interface GroupChange {
  readonly id: string;
  readonly name: string;
  readonly kind: 'class' | 'teaching';
  readonly school: string;
  readonly schoolForm: string;
  readonly students: number;
  readonly teachers: number;
  /** Set for a changed group: its name before, when it was renamed, and the members who came and went. */
  readonly renamedFrom?: string;
  readonly studentsAdded?: number;
  readonly studentsRemoved?: number;
  readonly teachersAdded?: number;
  readonly teachersRemoved?: number;
}

export interface Changes {
  readonly since: { readonly contentHash: string; readonly syncDate: string | null };
  readonly persons: {
    readonly added: Listed<PersonChange>;
    readonly removed: Listed<PersonChange>;
    /** Null when the baseline predates the digests that tell (an older version wrote it). */
    readonly changed: Listed<PersonChange> | null;
    /** Removed persons with a protected identity: counted, never listed. */
    readonly notListed: number;
  };
  readonly groups: { readonly added: Listed<GroupChange>; readonly removed: Listed<GroupChange>; readonly changed: Listed<GroupChange> };
}

class Lister<T> {
  total = 0;
  readonly items: T[] = [];
  add(make: () => T): void {
    if (this.total++ < MAX_LISTED) this.items.push(make());
  }
  done(): Listed<T> {
    return { total: this.total, items: this.items };
  }
}

const rolesOf = (bits: number): ('student' | 'staff')[] => [...(bits & STUDENT ? ['student' as const] : []), ...(bits & STAFF ? ['staff' as const] : [])];

/** How many of `after` are not in `before`, and the other way round. */
function memberDiff(before: readonly string[], after: readonly string[]): [added: number, removed: number] {
  const was = new Set(before);
  let added = 0;
  for (const id of after) if (!was.delete(id)) added++;
  return [added, was.size];
}

/** Whether a baseline list holds exactly `ids`, in order; its text form is compared in place, with no copy made. */
function sameIds(list: IdList, ids: readonly string[]): boolean {
  if (typeof list !== 'string') return list.length === ids.length && list.every((id, i) => id === ids[i]);
  let at = 0;
  for (const id of ids) {
    if (at > 0 && list.charCodeAt(at++) !== 0x2c) return false; // ,
    if (list.charCodeAt(at) !== 0x22 || !list.startsWith(id, at + 1) || list.charCodeAt(at + 1 + id.length) !== 0x22) return false;
    at += id.length + 2;
  }
  return at === list.length;
}

const ascending = (items: readonly { readonly id: string }[]) => items.every((x, i) => i === 0 || items[i - 1]!.id < x.id);

/**
 * Walks two lists by id: `both` for an id in each, `onlyNext` and `onlyBase` for the rest. Both are sorted by
 * id in any snapshot and baseline we write, so they are merged; a map pairs them when either is not.
 */
function pairById<N extends { readonly id: string }, B extends { readonly id: string }>(
  next: readonly N[],
  base: readonly B[],
  both: (n: N, i: number, b: B, j: number) => void,
  onlyNext: (n: N) => void,
  onlyBase: (b: B) => void,
): void {
  if (ascending(next) && ascending(base)) {
    let j = 0;
    next.forEach((n, i) => {
      while (j < base.length && base[j]!.id < n.id) onlyBase(base[j++]!);
      if (j < base.length && base[j]!.id === n.id) both(n, i, base[j]!, j++);
      else onlyNext(n);
    });
    while (j < base.length) onlyBase(base[j++]!);
    return;
  }
  const at = new Map(base.map((b, j) => [b.id, j]));
  next.forEach((n, i) => {
    const j = at.get(n.id);
    if (j === undefined) return onlyNext(n);
    at.delete(n.id);
    both(n, i, base[j]!, j);
  });
  for (const j of at.values()) onlyBase(base[j]!);
}

/**
 * Tonight's snapshot against the baseline (the last delivered one). `digests` are personDigests() of the
 * snapshot, `classes` its classesOfPersons(); `rows` gives the names of persons no longer delivered.
 */
export function changesSince(
  snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>,
  digests: string,
  classes: ReadonlyMap<string, readonly string[]>,
  baseline: Baseline,
  rows: Pick<SourceRows, 'persons'>,
): Changes {
  const code = new Map<string, string>([...baseline.schools, ...snapshot.schools].map((s) => [s.id, s.code]));
  const className = new Map<string, string>();
  for (const g of baseline.groups) if (g.kind === 'class') className.set(g.id, g.name);
  for (const g of snapshot.groups) if (g.kind === 'class') className.set(g.id, g.name);

  const added = new Lister<PersonChange>();
  const changed = new Lister<PersonChange>();
  const now = (p: Snapshot['persons'][number]): PersonChange => ({
    id: p.id,
    name: `${p.givenName} ${p.familyName}`.trim(),
    roles: p.roles.filter((r): r is 'student' | 'staff' => r === 'student' || r === 'staff'),
    schools: p.schoolIds.map((id) => code.get(id) ?? ''),
    classes: (classes.get(p.id) ?? []).map((id) => className.get(id) ?? ''),
  });
  const old = baseline.personDigests;
  const sameDigest = (i: number, j: number) => {
    for (let k = 0; k < DIGEST_WIDTH; k++) if (old!.charCodeAt(j * DIGEST_WIDTH + k) !== digests.charCodeAt(i * DIGEST_WIDTH + k)) return false;
    return true;
  };
  // Removed: in the baseline, not tonight. Named from tonight's rows, where most still are (deregistered, moved away).
  const gone: BaselinePerson[] = [];
  pairById(
    snapshot.persons,
    baseline.persons,
    (p, i, _b, j) => {
      if (old !== undefined && !sameDigest(i, j)) changed.add(() => now(p));
    },
    (p) => added.add(() => now(p)),
    (b) => gone.push(b),
  );
  const goneIds = new Set(gone.map((p) => p.id));
  const rowOf = new Map<string, SourceRows['persons'][number]>();
  if (gone.length > 0) for (const r of rows.persons) if (goneIds.has(r.person_id)) rowOf.set(r.person_id, r);
  const lastClasses = new Map<string, string[]>();
  for (const g of gone.length > 0 ? baseline.groups : []) {
    if (g.kind !== 'class') continue;
    for (const id of idsOf(g.studentIds)) if (goneIds.has(id)) (lastClasses.get(id) ?? lastClasses.set(id, []).get(id)!).push(g.name);
  }
  const removed = new Lister<PersonChange>();
  let notListed = 0;
  for (const p of gone) {
    const row = rowOf.get(p.id);
    if (row && row.protected_identity !== 0) {
      notListed++;
      continue;
    }
    removed.add(() => ({
      id: p.id,
      name: row ? `${row.given_name ?? ''} ${row.family_name ?? ''}`.trim() : '',
      roles: rolesOf(p.roles),
      schools: idsOf(p.schoolIds).map((id) => code.get(id) ?? ''),
      classes: lastClasses.get(p.id) ?? [],
    }));
  }

  const groupsAdded = new Lister<GroupChange>();
  const groupsChanged = new Lister<GroupChange>();
  const groupsRemoved = new Lister<GroupChange>();
  const group = (g: Snapshot['groups'][number]): GroupChange => ({
    id: g.id,
    name: g.name,
    kind: g.kind,
    school: code.get(g.schoolId) ?? '',
    schoolForm: g.schoolForm,
    students: g.studentIds.length,
    teachers: g.teacherIds.length,
  });
  // Classes come before teaching groups, each kind sorted by id: paired kind by kind, they merge.
  const ofKind = <T extends { readonly kind: string }>(list: readonly T[], kind: string) => list.filter((x) => x.kind === kind);
  for (const kind of ['class', 'teaching'] as const) {
    pairById(
      ofKind(snapshot.groups, kind),
      ofKind(baseline.groups, kind),
      (g, _i, b) => {
        if (b.name === g.name && sameIds(b.studentIds, g.studentIds) && sameIds(b.teacherIds, g.teacherIds)) return;
        groupsChanged.add(() => {
          const [studentsAdded, studentsRemoved] = memberDiff(idsOf(b.studentIds), g.studentIds);
          const [teachersAdded, teachersRemoved] = memberDiff(idsOf(b.teacherIds), g.teacherIds);
          return { ...group(g), ...(b.name !== g.name ? { renamedFrom: b.name } : {}), studentsAdded, studentsRemoved, teachersAdded, teachersRemoved };
        });
      },
      (g) => groupsAdded.add(() => group(g)),
      (b) =>
        groupsRemoved.add(() => ({
          id: b.id,
          name: b.name,
          kind: b.kind === 'class' ? 'class' : 'teaching',
          school: code.get(b.schoolId) ?? '',
          schoolForm: b.schoolForm,
          students: idsOf(b.studentIds).length,
          teachers: idsOf(b.teacherIds).length,
        })),
    );
  }

  return {
    since: { contentHash: baseline.contentHash, syncDate: baseline.syncDate },
    persons: { added: added.done(), removed: removed.done(), changed: old === undefined ? null : changed.done(), notListed },
    groups: { added: groupsAdded.done(), removed: groupsRemoved.done(), changed: groupsChanged.done() },
  };
}
