import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REMOVAL_KINDS, type RemovalKind, type RemovalLimit } from '../../src/configure/config';
import type { Role } from '../../src/decide/decide';
import type { RosterGroup, RosterPerson, RosterSchool } from '../../src/decide/roster';
import { toSnapshot } from '../../src/deliver/snapshot';
import { AppError } from '../../src/errors';
import { DIGEST_WIDTH, manifestJson, personDigests, readWrittenBaseline, toManifest, type Baseline, type Manifest } from '../../src/guard/baseline';
import { checkRemovals } from '../../src/guard/deletion';
import { formatReview } from '../../src/guard/review';
import { readBaseline } from '../../src/guard/state';
import { FixtureBuilder } from '../support/builder';
import { rosterGroup, rosterPerson } from '../support/roster-records';

/**
 * baseline.json as the deletion guard reads it: a file as manifestJson()
 * writes it is read without its object tree (readWrittenBaseline), any other
 * is parsed; either way the verdict and the review file are the ones the
 * manifest itself gives, and a damaged file is one message.
 */

const U1 = 'unit-1';
const U2 = 'unit-2';
const schools: RosterSchool[] = [
  { id: U1, code: 'KRSK', name: 'Krokslätts "skola"', schoolForms: ['GR'] },
  { id: U2, code: 'EKGY', name: 'Ekdalens gymnasium \u001b[31m', schoolForms: ['GY'] },
];
const person = (id: string, roles: Role[], schoolIds = [U1]): RosterPerson => rosterPerson(id, roles, schoolIds);
const group = (id: string, kind: 'class' | 'teaching', name: string, teacherIds: string[], studentIds: string[], schoolId = U1): RosterGroup =>
  rosterGroup({ id, kind, name, schoolId, schoolForm: schoolId === U1 ? 'GR' : 'GY', teacherIds, studentIds });
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
const students = ids('s', 40);
const teachers = ids('t', 4);

const before = {
  schools,
  persons: [...teachers.map((id) => person(id, ['staff'])), ...students.map((id, i) => person(id, i % 9 === 0 ? ['student', 'staff'] : ['student'], i % 2 ? [U1, U2] : [U1]))].sort((a, b) => (a.id < b.id ? -1 : 1)),
  groups: [
    group('c1', 'class', '7A – åk 7', [teachers[0]!], students.slice(0, 20)),
    group('c2', 'class', 'NA26\\b', [teachers[1]!], students.slice(20), U2),
    group('g1', 'teaching', 'Sv2 "åk 7"', [teachers[2]!, teachers[3]!], students.filter((_, i) => i % 3 === 0)),
    group('g2', 'teaching', 'Idrott', [teachers[3]!], students.filter((_, i) => i % 4 === 1)),
  ],
};
const gone = new Set(students.filter((_, i) => i % 5 === 0));
/** Tonight: every fifth student gone, a new student in c1, g2 gone, a new group, and one list out of order. */
const after = {
  schools,
  persons: [...before.persons.filter((p) => !gone.has(p.id)), person('s999', ['student'])],
  groups: [
    ...before.groups
      .filter((g) => g.id !== 'g2')
      .map((g) => ({ ...g, studentIds: [...g.studentIds.filter((id) => !gone.has(id)), ...(g.id === 'c1' ? ['s999'] : [])] }))
      .map((g) => (g.id === 'g1' ? { ...g, studentIds: [...g.studentIds].reverse() } : g)),
    group('g3', 'teaching', 'Ny', [teachers[0]!], students.slice(1, 4)),
  ],
};

const LIMIT: RemovalLimit = { percent: 10, count: 500 };
const LIMITS = Object.fromEntries(REMOVAL_KINDS.map((k) => [k, LIMIT])) as Record<RemovalKind, RemovalLimit>;
const CONFIGURED = [
  { unitCode: 'KRSK', schoolForm: 'GR' },
  { unitCode: 'EKGY', schoolForm: 'GY' },
];
const acceptedAt = new Date('2026-08-31T02:00:00Z');
const manifest: Manifest = toManifest(toSnapshot({ syncDate: '2026-08-31', ...before }, '0.1.0', acceptedAt), acceptedAt, 'imp-1');
const written = Buffer.concat(manifestJson(toSnapshot({ syncDate: '2026-08-31', ...before }, '0.1.0', acceptedAt), acceptedAt, 'imp-1'));
const rows = new FixtureBuilder().rows;
const held = { contentHash: 'sha256:held', heldAt: '2026-09-01T02:00:05.000Z', syncDate: '2026-09-01' };

const dir = mkdtempSync(join(tmpdir(), 'baseline-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** readBaseline of a state folder whose baseline.json holds `content`. */
async function read(content: string | Buffer): Promise<Baseline | undefined> {
  const folder = mkdtempSync(join(dir, 'state-'));
  writeFileSync(join(folder, 'baseline.json'), content);
  return readBaseline(folder);
}

function expectSameAsManifest(baseline: Baseline) {
  for (const next of [after, before, { schools: [], persons: [], groups: [] }]) {
    const expected = checkRemovals(next, manifest, LIMITS, CONFIGURED);
    const verdict = checkRemovals(next, baseline, LIMITS, CONFIGURED);
    expect(verdict).toEqual(expected);
    expect(formatReview(verdict, held, baseline, rows)).toBe(formatReview(expected, held, manifest, rows));
  }
}

describe('baseline.json as manifestJson writes it', () => {
  it('is the JSON of toManifest', () => {
    expect(written.toString('utf8')).toBe(JSON.stringify(manifest));
  });

  it('is read without parsing it, and gives the verdict and review file of the manifest itself', async () => {
    expect(readWrittenBaseline(written)).toBeDefined();
    const baseline = (await read(written))!;
    expect(baseline.contentHash).toBe(manifest.contentHash);
    expect(baseline.acceptedAt).toBe('2026-08-31T02:00:00.000Z');
    // What the unchanged-roster rule counts from (src/deliver/unchanged.ts).
    expect(baseline.syncDate).toBe('2026-08-31');
    expect(baseline.schools).toEqual(manifest.schools);
    const v = checkRemovals(after, baseline, LIMITS, CONFIGURED);
    expect(v.changes.memberships).toMatchObject({ before: 69, removed: 22, added: 5 }); // by hand: 4 + 4 + 3 and all 11 of g2; s999, and g3's 4
    expectSameAsManifest(baseline);
  });

  it('with its lists out of order, or an id twice, still gives what the manifest gives', async () => {
    const odd = toManifest(toSnapshot({ syncDate: '2026-08-31', ...before }, '0.1.0', acceptedAt), acceptedAt, 'imp-1');
    const text = JSON.stringify({ ...odd, groups: odd.groups.map((g, i) => ({ ...g, studentIds: i === 0 ? [...g.studentIds].reverse() : i === 1 ? [...g.studentIds, g.studentIds[0]] : g.studentIds })) });
    expect(readWrittenBaseline(Buffer.from(text))).toBeDefined();
    const baseline = (await read(text))!;
    const m = JSON.parse(text) as Manifest;
    for (const next of [after, before]) expect(checkRemovals(next, baseline, LIMITS, CONFIGURED)).toEqual(checkRemovals(next, m, LIMITS, CONFIGURED));
  });
});

describe("the persons' digests, which tell the run report who changed", () => {
  const digestAt = (d: string, i: number) => d.slice(i * DIGEST_WIDTH, (i + 1) * DIGEST_WIDTH);

  it('one per person, in the baseline as written and as parsed', async () => {
    expect(manifest.personDigests).toMatch(new RegExp(`^[0-9a-f]{${before.persons.length * DIGEST_WIDTH}}$`));
    expect((await read(written))!.personDigests).toBe(manifest.personDigests);
    expect((await read(JSON.stringify(manifest, null, 2)))!.personDigests).toBe(manifest.personDigests);
  });

  it('change with a name, an e-mail address, a school or a class, and only for that person', () => {
    const base = personDigests(before);
    const at = before.persons.findIndex((p) => p.id === students[0]);
    const renamed = { ...before, persons: before.persons.map((p, i) => (i === at ? { ...p, familyName: 'Annat' } : p)) };
    const mailed = { ...before, persons: before.persons.map((p, i) => (i === at ? { ...p, email: 'ny@skola.example' } : p)) };
    const moved = { ...before, groups: before.groups.map((g) => (g.id === 'c1' ? { ...g, studentIds: g.studentIds.filter((id) => id !== students[0]) } : g.id === 'c2' ? { ...g, studentIds: [...g.studentIds, students[0]!] } : g)) };
    for (const changed of [renamed, mailed, moved]) {
      const d = personDigests(changed);
      expect(digestAt(d, at)).not.toBe(digestAt(base, at));
      expect(d.slice(0, at * DIGEST_WIDTH) + d.slice((at + 1) * DIGEST_WIDTH)).toBe(base.slice(0, at * DIGEST_WIDTH) + base.slice((at + 1) * DIGEST_WIDTH));
    }
    // A teaching group is not a class: joining one changes no digest (the group's own change shows it).
    expect(personDigests({ ...before, groups: before.groups.map((g) => (g.id === 'g2' ? { ...g, studentIds: [...g.studentIds, students[0]!] } : g)) })).toBe(base);
  });

  it('absent from a baseline an older version wrote, or when they do not fit the persons: the guard reads it as before', async () => {
    const { personDigests: _, ...older } = manifest;
    const olderText = Buffer.from(JSON.stringify(older));
    expect(readWrittenBaseline(olderText)).toBeDefined();
    expect(readWrittenBaseline(olderText)!.personDigests).toBeUndefined();
    expectSameAsManifest((await read(olderText))!);
    const short = (await read(JSON.stringify({ ...manifest, personDigests: manifest.personDigests!.slice(DIGEST_WIDTH) })))!;
    expect(short.personDigests).toBeUndefined();
    expectSameAsManifest(short);
  });
});

describe('any other baseline.json is parsed, with the same result', () => {
  it.each([
    ['pretty-printed', JSON.stringify(manifest, null, 2)],
    ['with a byte-order mark', `\uFEFF${JSON.stringify(manifest)}`],
    ['with its keys in another order', JSON.stringify({ ...manifest, groups: manifest.groups.map(({ studentIds, ...rest }) => ({ studentIds, ...rest })) })],
    ['with an id that JSON escapes', JSON.stringify({ ...manifest, groups: manifest.groups.map((g, i) => (i === 0 ? { ...g, studentIds: [...g.studentIds, 'x"\\y'] } : g)) })],
  ])('%s', async (_, text) => {
    expect(readWrittenBaseline(Buffer.from(text))).toBeUndefined();
    const baseline = (await read(text))!;
    const m = JSON.parse(text.replace(/^\uFEFF/, '')) as Manifest;
    for (const next of [after, before]) expect(checkRemovals(next, baseline, LIMITS, CONFIGURED)).toEqual(checkRemovals(next, m, LIMITS, CONFIGURED));
    expect(baseline.syncDate).toBe('2026-08-31');
  });

  it('without a sync date (edited by hand): read, with none, so that the next roster is sent', async () => {
    const { syncDate: _, ...rest } = manifest;
    const baseline = (await read(JSON.stringify(rest, null, 2)))!;
    expect(baseline.contentHash).toBe(manifest.contentHash);
    expect(baseline.syncDate).toBeNull();
  });
});

describe('a damaged baseline.json', () => {
  const text = written.toString('utf8');
  it.each([
    ['cut short', text.slice(0, text.length / 2)],
    ['empty', ''],
    ['not JSON', 'garbage'],
    ['another format version', text.replace('"formatVersion":1', '"formatVersion":2')],
    ['no contentHash', JSON.stringify({ ...manifest, contentHash: undefined })],
    ['a group without its student list', JSON.stringify({ ...manifest, groups: manifest.groups.map((g, i) => (i === 1 ? { ...g, studentIds: undefined } : g)) })],
    ['a person whose roles are not a list', JSON.stringify({ ...manifest, persons: manifest.persons.map((p, i) => (i === 3 ? { ...p, roles: 'student' } : p)) })],
    ['a number for an id', text.replace('"s001"', '1')],
  ])('%s: says it is damaged, and what to do, naming no value from it', async (_, content) => {
    const err = (await read(content).catch((e: unknown) => e)) as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('outputFailed');
    expect(err.message).toMatch(/^The state file \S+baseline\.json \(the last accepted snapshot\) is damaged\. Move it aside; the next run then treats the state as missing\.$/);
    expect(err.message).not.toMatch(/s0\d\d|KRSK|Krokslätt/);
  });

  it('none there: undefined', async () => {
    expect(await readBaseline(join(dir, 'nowhere'))).toBeUndefined();
  });
});
