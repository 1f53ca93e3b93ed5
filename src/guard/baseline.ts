import type { Snapshot } from '../deliver/snapshot';

/**
 * What the cloud last accepted, reduced to what the deletion guard compares:
 * ids, roles, memberships and group names. No person names, no personnummer.
 */
export interface Manifest {
  readonly formatVersion: 1;
  readonly contentHash: string;
  readonly syncDate: string;
  readonly acceptedAt: string;
  /** The service's import id; null for a directory target. */
  readonly importId: string | null;
  readonly schools: readonly { readonly id: string; readonly code: string; readonly name: string }[];
  readonly persons: readonly { readonly id: string; readonly roles: readonly string[]; readonly schoolIds: readonly string[] }[];
  readonly groups: readonly {
    readonly id: string;
    readonly kind: 'class' | 'teaching';
    readonly name: string;
    readonly schoolId: string;
    readonly schoolForm: string;
    readonly teacherIds: readonly string[];
    readonly studentIds: readonly string[];
  }[];
}

export function toManifest(snapshot: Snapshot, acceptedAt: Date, importId: string | null): Manifest {
  return {
    formatVersion: 1,
    contentHash: snapshot.contentHash,
    syncDate: snapshot.syncDate,
    acceptedAt: acceptedAt.toISOString(),
    importId,
    schools: snapshot.schools.map(({ id, code, name }) => ({ id, code, name })),
    persons: snapshot.persons.map(({ id, roles, schoolIds }) => ({ id, roles, schoolIds })),
    groups: snapshot.groups.map(({ id, kind, name, schoolId, schoolForm, teacherIds, studentIds }) => ({ id, kind, name, schoolId, schoolForm, teacherIds, studentIds })),
  };
}
