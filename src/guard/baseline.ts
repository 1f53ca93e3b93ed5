import type { Snapshot } from '../deliver/snapshot';
import { pieceWriter, type PieceWriter } from '../json-pieces';

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

// A manifest record's keys in its order: JSON.stringify with them as its list writes the record natively,
// with no copy of it made first (toManifest's are built for the tests and small callers).
const SCHOOL_KEYS = ['id', 'code', 'name'];
const PERSON_KEYS = ['id', 'roles', 'schoolIds'];
const GROUP_KEYS = ['id', 'kind', 'name', 'schoolId', 'schoolForm', 'teacherIds', 'studentIds'];
/** Records a JSON.stringify call writes: fewer calls, and each text small enough for the young generation. */
const BATCH = 32;

/** `"key":[…]` of a list's records, each with only `keys`, as JSON.stringify of toManifest()'s list writes it. */
function writeRecords(out: PieceWriter, key: string, list: readonly object[], keys: string[]): void {
  out.write(`${JSON.stringify(key)}:[`);
  for (let i = 0; i < list.length; i += BATCH) {
    if (i > 0) out.write(',');
    out.write(JSON.stringify(list.slice(i, i + BATCH), keys).slice(1, -1));
  }
  out.write(']');
}

/** baseline.json: the JSON of toManifest(), a batch of records at a time, in pieces (src/json-pieces.ts). */
export function manifestJson(snapshot: Snapshot, acceptedAt: Date, importId: string | null): Buffer[] {
  const pieces: Buffer[] = [];
  const out = pieceWriter((bytes) => pieces.push(bytes));
  const head = JSON.stringify({ formatVersion: 1, contentHash: snapshot.contentHash, syncDate: snapshot.syncDate, acceptedAt: acceptedAt.toISOString(), importId });
  out.write(`${head.slice(0, -1)},`);
  writeRecords(out, 'schools', snapshot.schools, SCHOOL_KEYS);
  out.write(',');
  writeRecords(out, 'persons', snapshot.persons, PERSON_KEYS);
  out.write(',');
  writeRecords(out, 'groups', snapshot.groups, GROUP_KEYS);
  out.write('}');
  out.flush();
  return pieces;
}

/**
 * A list of person ids as the baseline holds it: an array, or, read from
 * baseline.json, the list's own JSON text between its brackets (`"a","b"`),
 * kept as one string. A large municipality has near a million memberships:
 * a string per id, and an array per list, were most of what reading the
 * baseline cost in time and memory. The text form only ever holds ids with
 * nothing escaped in them (printable ASCII but `"` and `\`).
 */
export type IdList = readonly string[] | string;

/** The ids of a list, as an array. */
export const idsOf = (list: IdList): readonly string[] => (typeof list !== 'string' ? list : list === '' ? [] : list.slice(1, -1).split('","'));

/** Role bits of a baseline person. */
export const STUDENT = 1;
export const STAFF = 2;

export interface BaselinePerson {
  readonly id: string;
  /** STUDENT | STAFF; other roles are not compared. */
  readonly roles: number;
  readonly schoolIds: IdList;
}

export interface BaselineGroup {
  readonly id: string;
  /** 'class' or 'teaching' in any file we wrote. */
  readonly kind: string;
  readonly name: string;
  readonly schoolId: string;
  readonly schoolForm: string;
  readonly teacherIds: IdList;
  readonly studentIds: IdList;
}

/** The baseline as the deletion guard compares with it: what baseline.json holds, minus what it never reads (syncDate, importId). */
export interface Baseline {
  readonly contentHash: string;
  readonly acceptedAt: string;
  readonly schools: Manifest['schools'];
  readonly persons: readonly BaselinePerson[];
  readonly groups: readonly BaselineGroup[];
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every(isString);
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const rolesOf = (roles: readonly string[]) => (roles.includes('student') ? STUDENT : 0) | (roles.includes('staff') ? STAFF : 0);

/**
 * A parsed manifest in the deletion guard's form; undefined when a record in
 * it lacks a field the guard reads, or has one of the wrong type (a damaged
 * or edited file). The top level is checked by the caller.
 */
export function baselineOf(m: { readonly contentHash: unknown; readonly acceptedAt?: unknown; readonly schools: readonly unknown[]; readonly persons: readonly unknown[]; readonly groups: readonly unknown[] }): Baseline | undefined {
  if (!isString(m.contentHash) || !isString(m.acceptedAt)) return undefined;
  const schools: Manifest['schools'][number][] = [];
  for (const s of m.schools) {
    if (!isRecord(s) || !isString(s.id) || !isString(s.code) || !isString(s.name)) return undefined;
    schools.push({ id: s.id, code: s.code, name: s.name });
  }
  const persons: BaselinePerson[] = [];
  for (const p of m.persons) {
    if (!isRecord(p) || !isString(p.id) || !isStrings(p.roles) || !isStrings(p.schoolIds)) return undefined;
    persons.push({ id: p.id, roles: rolesOf(p.roles), schoolIds: p.schoolIds });
  }
  const groups: BaselineGroup[] = [];
  for (const g of m.groups) {
    if (!isRecord(g) || !isString(g.id) || !isString(g.kind) || !isString(g.name) || !isString(g.schoolId) || !isString(g.schoolForm) || !isStrings(g.teacherIds) || !isStrings(g.studentIds)) return undefined;
    groups.push({ id: g.id, kind: g.kind, name: g.name, schoolId: g.schoolId, schoolForm: g.schoolForm, teacherIds: g.teacherIds, studentIds: g.studentIds });
  }
  return { contentHash: m.contentHash, acceptedAt: m.acceptedAt, schools, persons, groups };
}

// baseline.json exactly as manifestJson() writes it, record by record. The text is the file's bytes as Latin-1, one
// character per byte, which decodes several times faster than UTF-8; ids must then be printable ASCII (what UTF-8 and
// Latin-1 agree on), and other strings are decoded from UTF-8 one by one.
const ID = '"([\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*)"';
const LIST = '((?:"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*"(?:,"[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]*")*)?)';
const STRING = '"((?:[^"\\\\\\x00-\\x1f]|\\\\(?:["\\\\/bfnrt]|u[0-9a-fA-F]{4}))*)"';
const HEAD = new RegExp(`\\{"formatVersion":1,"contentHash":"(sha256:[0-9a-f]{64})","syncDate":${STRING},"acceptedAt":${STRING},"importId":(?:null|${STRING}),"schools":\\[`, 'y');
const SCHOOL = new RegExp(`\\{"id":${ID},"code":${STRING},"name":${STRING}\\}([,\\]])`, 'y');
const PERSON = new RegExp(`\\{"id":${ID},"roles":\\[${LIST}\\],"schoolIds":\\[${LIST}\\]\\}([,\\]])`, 'y');
const GROUP = new RegExp(`\\{"id":${ID},"kind":"(class|teaching)","name":${STRING},"schoolId":${ID},"schoolForm":${STRING},"teacherIds":\\[${LIST}\\],"studentIds":\\[${LIST}\\]\\}([,\\]])`, 'y');
const NOT_ASCII = /[^\x00-\x7f]/;
const EMPTY = /(?:)/;

/**
 * A copy of a string that holds no reference to the text it was cut from. A regular expression's captures are
 * slices of baseline.json's whole text, and V8 keeps all of it while one slice lives: what leaves the baseline
 * (the verdict's ids and names) must not keep the file's 50 MB alive through the delivery.
 */
export const own = (s: string): string => (' ' + s).slice(1);

/** A JSON string's content as read from Latin-1 text: its UTF-8 decoded, its escapes resolved. */
function decoded(raw: string): string {
  const text = NOT_ASCII.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  return text.includes('\\') ? (JSON.parse(`"${text}"`) as string) : text;
}

const ROLES: Readonly<Record<string, number>> = { '': 0, '"student"': STUDENT, '"staff"': STAFF, '"student","staff"': STUDENT | STAFF };

/**
 * baseline.json read without building its object tree, when it is exactly as
 * manifestJson() writes it (no white space, the keys in its order, ids of
 * printable ASCII); undefined otherwise, and the caller parses it as any JSON.
 * What it accepts is valid JSON, and gives what parsing it would give.
 */
export function readWrittenBaseline(bytes: Buffer): Baseline | undefined {
  const text = bytes.toString('latin1');
  HEAD.lastIndex = 0;
  const head = HEAD.exec(text);
  if (!head) return undefined;
  let at = HEAD.lastIndex;
  /** Each record of a list through its pattern, from `at`, just past its `[`, to just past its `]`; false when one does not match. */
  const each = (pattern: RegExp, record: (m: RegExpExecArray) => void): boolean => {
    if (text.charCodeAt(at) === 0x5d /* ] */) {
      at++;
      return true;
    }
    for (;;) {
      pattern.lastIndex = at;
      const m = pattern.exec(text);
      if (!m) return false;
      at = pattern.lastIndex;
      record(m);
      if (m[m.length - 1] === ']') return true;
    }
  };
  const schools: Manifest['schools'][number][] = [];
  const persons: BaselinePerson[] = [];
  const groups: BaselineGroup[] = [];
  const between = (key: string): boolean => {
    if (!text.startsWith(key, at)) return false;
    at += key.length;
    return true;
  };
  const ok =
    each(SCHOOL, (m) => schools.push({ id: own(m[1]!), code: own(decoded(m[2]!)), name: own(decoded(m[3]!)) })) &&
    between(',"persons":[') &&
    each(PERSON, (m) => {
      const roles = ROLES[m[2]!] ?? rolesOf(idsOf(m[2]!));
      persons.push({ id: m[1]!, roles, schoolIds: m[3]! });
    }) &&
    between(',"groups":[') &&
    // A group's own fields are copies (they reach the verdict and the review file); its lists stay slices of the text.
    each(GROUP, (m) => groups.push({ id: own(m[1]!), kind: own(m[2]!), name: own(decoded(m[3]!)), schoolId: own(m[4]!), schoolForm: own(decoded(m[5]!)), teacherIds: m[6]!, studentIds: m[7]! })) &&
    between('}') &&
    at === text.length;
  // V8 keeps the subject of the last successful match (RegExp.lastMatch): a match on another string lets the text go.
  EMPTY.exec('');
  if (!ok) return undefined;
  return { contentHash: own(head[1]!), acceptedAt: own(decoded(head[3]!)), schools, persons, groups };
}
