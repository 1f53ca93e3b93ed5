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
  /** personDigests() of the snapshot: tells the run report which persons changed. Absent in baselines from before 0.2. */
  readonly personDigests?: string;
}

type DigestContent = Pick<Snapshot, 'persons' | 'groups'>;
/** Hex digits per person in personDigests. */
export const DIGEST_WIDTH = 8;

/** FNV-1a, 32 bits, of `text` and a separator after it, from `h`: a change detector for the run report, not a protection. */
function fnv1a(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0x1f, 0x01000193);
}
const FNV_START = 0x811c9dc5;

/** Each person's classes, by id: a move between classes is a change the report shows. */
export function classesOfPersons(content: Pick<Snapshot, 'groups'>): Map<string, string[]> {
  const classes = new Map<string, string[]>();
  for (const g of content.groups) {
    if (g.kind !== 'class') continue;
    for (const id of g.studentIds) {
      const list = classes.get(id);
      if (list) list.push(g.id);
      else classes.set(id, [g.id]);
    }
  }
  return classes;
}

const NO_CLASSES: readonly string[] = [];

/**
 * One digest per person, in the snapshot's order, of what the report calls a change: name, e-mail, roles,
 * schools and classes. DIGEST_WIDTH hex digits each, in one string: the baseline keeps it so that the next run
 * can say who changed without keeping anyone's name.
 */
export function personDigests(content: DigestContent, classes = classesOfPersons(content)): string {
  const parts: string[] = new Array<string>(content.persons.length);
  let i = 0;
  for (const p of content.persons) {
    let h = fnv1a(fnv1a(fnv1a(FNV_START, p.givenName), p.familyName), p.email ?? '');
    for (const r of p.roles) h = fnv1a(h, r);
    h = fnv1a(h, '');
    for (const s of p.schoolIds) h = fnv1a(h, s);
    h = fnv1a(h, '');
    for (const c of classes.get(p.id) ?? NO_CLASSES) h = fnv1a(h, c);
    parts[i++] = (h >>> 0).toString(16).padStart(DIGEST_WIDTH, '0');
  }
  return parts.join('');
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
    personDigests: personDigests(snapshot),
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
export function manifestJson(snapshot: Snapshot, acceptedAt: Date, importId: string | null, digests = personDigests(snapshot)): Buffer[] {
  const pieces: Buffer[] = [];
  const out = pieceWriter((bytes) => pieces.push(bytes));
  const head = JSON.stringify({ formatVersion: 1, contentHash: snapshot.contentHash, syncDate: snapshot.syncDate, acceptedAt: acceptedAt.toISOString(), importId });
  out.write(`${head.slice(0, -1)},`);
  writeRecords(out, 'schools', snapshot.schools, SCHOOL_KEYS);
  out.write(',');
  writeRecords(out, 'persons', snapshot.persons, PERSON_KEYS);
  out.write(',');
  writeRecords(out, 'groups', snapshot.groups, GROUP_KEYS);
  out.write(`,"personDigests":${JSON.stringify(digests)}}`);
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

/** The baseline as the deletion guard compares with it: what baseline.json holds, minus what it never reads (importId). */
export interface Baseline {
  readonly contentHash: string;
  /** The delivered snapshot's sync date; null when the file has none that is a string (edited by hand). */
  readonly syncDate: string | null;
  readonly acceptedAt: string;
  readonly schools: Manifest['schools'];
  readonly persons: readonly BaselinePerson[];
  readonly groups: readonly BaselineGroup[];
  /** Manifest['personDigests'], when it is there and fits the persons. */
  readonly personDigests?: string;
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
export function baselineOf(m: {
  readonly contentHash: unknown;
  readonly syncDate?: unknown;
  readonly acceptedAt?: unknown;
  readonly schools: readonly unknown[];
  readonly persons: readonly unknown[];
  readonly groups: readonly unknown[];
  readonly personDigests?: unknown;
}): Baseline | undefined {
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
  return { contentHash: m.contentHash, syncDate: isString(m.syncDate) ? m.syncDate : null, acceptedAt: m.acceptedAt, schools, persons, groups, ...digestsFitting(m.personDigests, persons.length) };
}

/** The digests, if they are one per person; a damaged list only costs the report its "changed" list. */
const digestsFitting = (d: unknown, persons: number): { personDigests?: string } =>
  isString(d) && d.length === persons * DIGEST_WIDTH && /^[0-9a-f]*$/.test(d) ? { personDigests: d } : {};

const ROLES: Readonly<Record<string, number>> = { '': 0, '"student"': STUDENT, '"staff"': STAFF, '"student","staff"': STUDENT | STAFF };

/**
 * A copy of a string that holds no reference to a longer text it was cut from: V8 keeps all of a text while a
 * slice of it lives, and what leaves the baseline (the verdict's ids) must not keep a list's text alive.
 */
export const own = (s: string): string => (' ' + s).slice(1);

const [QUOTE, BACKSLASH, COMMA, OPEN, CLOSE, OPEN_BRACE, CLOSE_BRACE, SPACE] = [0x22, 0x5c, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x20];
/** The bytes that may follow a backslash in JSON, but u. */
const ESCAPES = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74]);
// Matched against the bytes as Latin-1, where any byte above 0x7f is a character these leave out.
const ID_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const LIST_TEXT = /^(?:"[\x20\x21\x23-\x5b\x5d-\x7e]*"(?:,"[\x20\x21\x23-\x5b\x5d-\x7e]*")*)?$/;
const isHex = (c: number | undefined) => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/**
 * baseline.json read straight from its bytes, without building its object tree, when it is exactly as
 * manifestJson() writes it (no white space, the keys in its order, ids of printable ASCII); undefined otherwise,
 * and the caller parses it as any JSON. What it accepts is valid JSON, and gives what parsing it would give.
 * No string of the whole file is made: each list of ids becomes one string, the rest is read in place.
 */
export function readWrittenBaseline(bytes: Buffer): Baseline | undefined {
  let at = 0;
  /** Past `text` (ASCII) if it is next. */
  const literal = (text: string): boolean => {
    for (let k = 0; k < text.length; k++) if (bytes[at + k] !== text.charCodeAt(k)) return false;
    at += text.length;
    return true;
  };
  /** The text from an `open` byte to the next `close` byte, if it matches `pattern` (as Latin-1). */
  const delimited = (open: number, close: number, pattern: RegExp) => (): string | undefined => {
    const end = bytes[at] === open ? bytes.indexOf(close, at + 1) : -1;
    if (end < 0) return undefined;
    const text = bytes.toString('latin1', at + 1, end);
    if (!pattern.test(text)) return undefined;
    at = end + 1;
    return text;
  };
  /** An id, `"…"` of printable ASCII but `"` and `\`. */
  const id = delimited(QUOTE, QUOTE, ID_TEXT);
  /** A JSON string, from UTF-8 and with its escapes resolved. */
  const string = (): string | undefined => {
    if (bytes[at] !== QUOTE) return undefined;
    let escaped = false;
    for (let k = at + 1; k < bytes.length; k++) {
      const c = bytes[k]!;
      if (c === QUOTE) {
        const text = bytes.toString('utf8', at + 1, k);
        at = k + 1;
        return escaped ? (JSON.parse(`"${text}"`) as string) : text;
      }
      if (c < SPACE) return undefined;
      if (c !== BACKSLASH) continue;
      escaped = true;
      const e = bytes[++k];
      if (e === 0x75 /* u */) {
        if (!(isHex(bytes[k + 1]) && isHex(bytes[k + 2]) && isHex(bytes[k + 3]) && isHex(bytes[k + 4]))) return undefined;
        k += 4;
      } else if (e === undefined || !ESCAPES.has(e)) return undefined;
    }
    return undefined;
  };
  /** `[` ids `]`: the ids' text between the brackets (IdList). A `]` in an id would cut the list short inside it, and the pattern then refuses it. */
  const list = delimited(OPEN, CLOSE, LIST_TEXT);
  /** `[` records `]`, each read by `record`; false when one is not as written. */
  const each = (record: () => boolean): boolean => {
    if (bytes[at++] !== OPEN) return false;
    const start = at;
    while (bytes[at] !== CLOSE) {
      if (at > start && bytes[at++] !== COMMA) return false;
      if (bytes[at++] !== OPEN_BRACE || !record() || bytes[at++] !== CLOSE_BRACE) return false;
    }
    at++;
    return true;
  };

  if (!literal('{"formatVersion":1,"contentHash":"sha256:')) return undefined;
  for (let k = 0; k < 64; k++) {
    const c = bytes[at + k];
    if (c === undefined || !((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return undefined;
  }
  const contentHash = bytes.toString('latin1', at - 7, at + 64);
  at += 64;
  const syncDate = literal('","syncDate":') ? string() : undefined;
  if (syncDate === undefined || !literal(',"acceptedAt":')) return undefined;
  const acceptedAt = string();
  if (acceptedAt === undefined || !literal(',"importId":') || (!literal('null') && string() === undefined) || !literal(',"schools":')) return undefined;

  const schools: Manifest['schools'][number][] = [];
  const persons: BaselinePerson[] = [];
  const groups: BaselineGroup[] = [];
  let digests: string | undefined;
  const ok =
    each(() => {
      const [sid, code, name] = [literal('"id":') && id(), literal(',"code":') && string(), literal(',"name":') && string()];
      if (sid === undefined || sid === false || code === undefined || code === false || name === undefined || name === false) return false;
      schools.push({ id: sid, code, name });
      return true;
    }) &&
    literal(',"persons":') &&
    each(() => {
      const pid = literal('"id":') && id();
      const roles = pid !== undefined && pid !== false && literal(',"roles":') ? list() : undefined;
      const schoolIds = roles !== undefined && literal(',"schoolIds":') ? list() : undefined;
      if (schoolIds === undefined) return false;
      persons.push({ id: pid as string, roles: ROLES[roles!] ?? rolesOf(idsOf(roles!)), schoolIds });
      return true;
    }) &&
    literal(',"groups":') &&
    each(() => {
      const gid = literal('"id":') && id();
      if (gid === undefined || gid === false) return false;
      const kind = literal(',"kind":"class"') ? 'class' : literal(',"kind":"teaching"') ? 'teaching' : undefined;
      const name = kind && literal(',"name":') ? string() : undefined;
      const schoolId = name !== undefined && literal(',"schoolId":') ? id() : undefined;
      const schoolForm = schoolId !== undefined && literal(',"schoolForm":') ? string() : undefined;
      const teacherIds = schoolForm !== undefined && literal(',"teacherIds":') ? list() : undefined;
      const studentIds = teacherIds !== undefined && literal(',"studentIds":') ? list() : undefined;
      if (studentIds === undefined) return false;
      groups.push({ id: gid, kind: kind!, name: name!, schoolId: schoolId!, schoolForm: schoolForm!, teacherIds: teacherIds!, studentIds });
      return true;
    }) &&
    (digests = literal(',"personDigests":') ? string() : '') !== undefined &&
    literal('}') &&
    at === bytes.length;
  return ok ? { contentHash, syncDate, acceptedAt, schools, persons, groups, ...digestsFitting(digests || undefined, persons.length) } : undefined;
}
