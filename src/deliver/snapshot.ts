import type { Hash } from 'node:crypto';
import { promisify } from 'node:util';
import type { Roster, RosterGroup, RosterPerson, RosterSchool } from '../decide/roster';
import { pieceWriter, writeList, type PieceWriter } from '../json-pieces';

export const FORMAT_VERSION = 1;


/** What leaves the building: the roster in snapshot format v1 (docs/snapshot-format.md). */
export interface Snapshot {
  readonly formatVersion: typeof FORMAT_VERSION;
  readonly agent: { readonly name: 'procapita-sync'; readonly version: string };
  readonly syncDate: Roster['syncDate'];
  readonly generatedAt: string;
  /** Identifies the snapshot: the same roster always gives the same hash. */
  readonly contentHash: string;
  readonly schools: Roster['schools'];
  readonly persons: Roster['persons'];
  readonly groups: Roster['groups'];
}

type Content = Pick<Roster, 'schools' | 'persons' | 'groups'>;

/** Every member a record of type T can have, each once: the compiler refuses a list that misses one. */
type AllKeys<T, K extends readonly (keyof T)[]> = Exclude<keyof T, K[number]> extends never ? K : never;

/**
 * The RFC 8785 canonical JSON of one kind of roster record: its members in
 * sorted order (UTF-16 code units, as Array.prototype.sort compares),
 * undefined ones left out, each value as JSON.stringify writes it (RFC 8785
 * takes strings and integers from ECMAScript). Roster records hold only
 * strings, null and lists of strings. Written per kind rather than by a
 * general walk: at 100,000 records the general one was a third of the run's
 * encoding time.
 */
function canonicalRecord<T extends object, const K extends readonly (keyof T & string)[]>(keys: AllKeys<T, K>): (record: T) => string {
  const sorted = [...keys].sort();
  const names = sorted.map((k) => `${JSON.stringify(k)}:`);
  return (record) => {
    let text = '{';
    for (let i = 0; i < sorted.length; i++) {
      const value = record[sorted[i]!];
      if (value === undefined) continue;
      text += (text.length === 1 ? '' : ',') + names[i]! + JSON.stringify(value);
    }
    return `${text}}`;
  };
}

const canonicalGroup = canonicalRecord<RosterGroup, ['id', 'kind', 'name', 'schoolId', 'schoolForm', 'startDate', 'endDate', 'teacherIds', 'studentIds']>([
  'id',
  'kind',
  'name',
  'schoolId',
  'schoolForm',
  'startDate',
  'endDate',
  'teacherIds',
  'studentIds',
]);
const canonicalPerson = canonicalRecord<RosterPerson, ['id', 'roles', 'givenName', 'familyName', 'email', 'personalNumber', 'schoolIds']>([
  'id',
  'roles',
  'givenName',
  'familyName',
  'email',
  'personalNumber',
  'schoolIds',
]);
const canonicalSchool = canonicalRecord<RosterSchool, ['id', 'code', 'name', 'schoolForms']>(['id', 'code', 'name', 'schoolForms']);

/** The content's members in canonical (sorted) order, `"groups":[…],"persons":[…],"schools":[…]`, a record at a time. */
function writeContent(content: Content, out: PieceWriter): void {
  writeList(out, 'groups', content.groups, canonicalGroup);
  out.write(',');
  writeList(out, 'persons', content.persons, canonicalPerson);
  out.write(',');
  writeList(out, 'schools', content.schools, canonicalSchool);
}

const CONTENT_HEAD = `{"formatVersion":${FORMAT_VERSION},`;
const digest = (hash: Hash) => `sha256:${hash.digest('hex')}`;

/**
 * sha256 over the RFC 8785 canonical JSON of the content. The sync date,
 * the clock and the agent's version are left out, so a re-run, or a later
 * night with nothing changed, gives the same hash and so the same import.
 */
export function contentHash(content: Content): string {
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(CONTENT_HEAD);
  const out = pieceWriter((bytes) => hash.update(bytes));
  writeContent(content, out);
  out.flush();
  return digest(hash.update('}'));
}

export function toSnapshot(roster: Roster, agentVersion: string, generatedAt: Date): Snapshot {
  return snapshotOf(roster, agentVersion, generatedAt, contentHash(roster));
}

function snapshotOf(roster: Roster, agentVersion: string, generatedAt: Date, hash: string): Snapshot {
  return {
    formatVersion: FORMAT_VERSION,
    agent: { name: 'procapita-sync', version: agentVersion },
    syncDate: roster.syncDate,
    generatedAt: generatedAt.toISOString(),
    contentHash: hash,
    schools: roster.schools,
    persons: roster.persons,
    groups: roster.groups,
  };
}

/** The snapshot file's bytes, made once: the JSON for a folder, or its gzip for the upload. */
export type SnapshotBody = { readonly kind: 'json'; readonly pieces: readonly Buffer[] } | { readonly kind: 'gzip'; readonly bytes: Promise<Buffer> };

export interface EncodedSnapshot {
  readonly snapshot: Snapshot;
  readonly body: SnapshotBody;
}

/**
 * Serialises the snapshot once, compact and never pretty-printed, and streams
 * the text at the same time into the content hash and into the file's bytes;
 * for an upload, gzip then compresses them on libuv's thread pool while the run goes on.
 * The content is written in its canonical form, so the hash is taken over the
 * very bytes that are sent; contentHash comes last, as it is known only then.
 */
export function encodeSnapshot(roster: Roster, agentVersion: string, generatedAt: Date, into: SnapshotBody['kind']): EncodedSnapshot {
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(CONTENT_HEAD);
  const pieces: Buffer[] = [];
  const emit = (bytes: Buffer) => void pieces.push(bytes);

  const agent = JSON.stringify({ name: 'procapita-sync', version: agentVersion });
  emit(Buffer.from(`${CONTENT_HEAD}"agent":${agent},"syncDate":${JSON.stringify(roster.syncDate)},"generatedAt":${JSON.stringify(generatedAt.toISOString())},`, 'utf8'));
  // The content goes to the hash and out as the same bytes, encoded once.
  const content = pieceWriter((bytes) => {
    hash.update(bytes);
    emit(bytes);
  });
  writeContent(roster, content);
  content.flush();
  const contentHashValue = digest(hash.update('}'));
  emit(Buffer.from(`,"contentHash":${JSON.stringify(contentHashValue)}}`, 'utf8'));
  const snapshot = snapshotOf(roster, agentVersion, generatedAt, contentHashValue);
  if (into === 'json') return { snapshot, body: { kind: 'json', pieces } };
  // One task on libuv's thread pool, not a stream: a stream hands each piece back to the main thread,
  // which the guard stage keeps busy, so it compressed at half speed. Level 1: on large, 26.7 MB in
  // 0.76 s against level 6's 25.9 MB in 1.37 s, and the upload waits for the last byte.
  const bytes = promisify(process.getBuiltinModule('node:zlib').gzip)(Buffer.concat(pieces), { level: 1 });
  // Rejections are the reader's (uploadSnapshot awaits it); this only keeps an unread one from crashing the process.
  bytes.catch(() => undefined);
  return { snapshot, body: { kind: 'gzip', bytes } };
}
