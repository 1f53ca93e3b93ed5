import type { Snapshot } from '../deliver/snapshot';
import { pieceWriter, writeList } from '../json-pieces';

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

const manifestSchool = ({ id, code, name }: Snapshot['schools'][number]): Manifest['schools'][number] => ({ id, code, name });
const manifestPerson = ({ id, roles, schoolIds }: Snapshot['persons'][number]): Manifest['persons'][number] => ({ id, roles, schoolIds });
const manifestGroup = ({ id, kind, name, schoolId, schoolForm, teacherIds, studentIds }: Snapshot['groups'][number]): Manifest['groups'][number] => ({
  id,
  kind,
  name,
  schoolId,
  schoolForm,
  teacherIds,
  studentIds,
});

export function toManifest(snapshot: Snapshot, acceptedAt: Date, importId: string | null): Manifest {
  return {
    formatVersion: 1,
    contentHash: snapshot.contentHash,
    syncDate: snapshot.syncDate,
    acceptedAt: acceptedAt.toISOString(),
    importId,
    schools: snapshot.schools.map(manifestSchool),
    persons: snapshot.persons.map(manifestPerson),
    groups: snapshot.groups.map(manifestGroup),
  };
}

/** baseline.json: the JSON of toManifest(), a record at a time, in pieces (src/json-pieces.ts). */
export function manifestJson(snapshot: Snapshot, acceptedAt: Date, importId: string | null): Buffer[] {
  const pieces: Buffer[] = [];
  const out = pieceWriter((bytes) => pieces.push(bytes));
  const head = JSON.stringify({ formatVersion: 1, contentHash: snapshot.contentHash, syncDate: snapshot.syncDate, acceptedAt: acceptedAt.toISOString(), importId });
  out.write(`${head.slice(0, -1)},`);
  writeList(out, 'schools', snapshot.schools, (x) => JSON.stringify(manifestSchool(x)));
  out.write(',');
  writeList(out, 'persons', snapshot.persons, (x) => JSON.stringify(manifestPerson(x)));
  out.write(',');
  writeList(out, 'groups', snapshot.groups, (x) => JSON.stringify(manifestGroup(x)));
  out.write('}');
  out.flush();
  return pieces;
}
