/**
 * What changed since the last delivered snapshot, person by person and
 * group by group, for the run report. Pure. A person removed whose identity
 * is now protected is counted among "not listed", never named.
 */
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { DIGEST_WIDTH, idsOf, STAFF, STUDENT, type Baseline } from '../guard/baseline';

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

/** The ids of a list in the baseline's text form, quoted and joined, for a cheap comparison with tonight's. */
const listText = (ids: readonly string[]) => (ids.length === 0 ? '' : `"${ids.join('","')}"`);

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

  const before = new Map(baseline.persons.map((p, i) => [p.id, i]));
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
  snapshot.persons.forEach((p, i) => {
    const at = before.get(p.id);
    if (at === undefined) return added.add(() => now(p));
    if (old !== undefined && old.slice(at * DIGEST_WIDTH, (at + 1) * DIGEST_WIDTH) !== digests.slice(i * DIGEST_WIDTH, (i + 1) * DIGEST_WIDTH)) changed.add(() => now(p));
  });

  // Removed: in the baseline, not tonight. Named from tonight's rows, where most still are (deregistered, moved away).
  const tonight = new Set(snapshot.persons.map((p) => p.id));
  const gone = baseline.persons.filter((p) => !tonight.has(p.id));
  const goneIds = new Set(gone.map((p) => p.id));
  const rowOf = new Map<string, SourceRows['persons'][number]>();
  for (const r of rows.persons) if (goneIds.has(r.person_id)) rowOf.set(r.person_id, r);
  const lastClasses = new Map<string, string[]>();
  for (const g of baseline.groups) {
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

  const baseGroups = new Map(baseline.groups.map((g) => [g.id, g]));
  const groupsAdded = new Lister<GroupChange>();
  const groupsChanged = new Lister<GroupChange>();
  const group = (g: Snapshot['groups'][number]): GroupChange => ({
    id: g.id,
    name: g.name,
    kind: g.kind,
    school: code.get(g.schoolId) ?? '',
    schoolForm: g.schoolForm,
    students: g.studentIds.length,
    teachers: g.teacherIds.length,
  });
  for (const g of snapshot.groups) {
    const b = baseGroups.get(g.id);
    if (!b) {
      groupsAdded.add(() => group(g));
      continue;
    }
    const sameStudents = (typeof b.studentIds === 'string' ? b.studentIds : listText(b.studentIds)) === listText(g.studentIds);
    const sameTeachers = (typeof b.teacherIds === 'string' ? b.teacherIds : listText(b.teacherIds)) === listText(g.teacherIds);
    if (sameStudents && sameTeachers && b.name === g.name) continue;
    groupsChanged.add(() => {
      const [studentsAdded, studentsRemoved] = memberDiff(idsOf(b.studentIds), g.studentIds);
      const [teachersAdded, teachersRemoved] = memberDiff(idsOf(b.teacherIds), g.teacherIds);
      return { ...group(g), ...(b.name !== g.name ? { renamedFrom: b.name } : {}), studentsAdded, studentsRemoved, teachersAdded, teachersRemoved };
    });
  }
  const tonightGroups = new Set(snapshot.groups.map((g) => g.id));
  const groupsRemoved = new Lister<GroupChange>();
  for (const b of baseline.groups) {
    if (tonightGroups.has(b.id)) continue;
    groupsRemoved.add(() => ({
      id: b.id,
      name: b.name,
      kind: b.kind === 'class' ? 'class' : 'teaching',
      school: code.get(b.schoolId) ?? '',
      schoolForm: b.schoolForm,
      students: idsOf(b.studentIds).length,
      teachers: idsOf(b.teacherIds).length,
    }));
  }

  return {
    since: { contentHash: baseline.contentHash, syncDate: baseline.syncDate },
    persons: { added: added.done(), removed: removed.done(), changed: old === undefined ? null : changed.done(), notListed },
    groups: { added: groupsAdded.done(), removed: groupsRemoved.done(), changed: groupsChanged.done() },
  };
}
