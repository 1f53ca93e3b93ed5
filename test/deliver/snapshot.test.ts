import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { buildRoster, type Roster } from '../../src/decide/roster';
import { fixtureToRows } from '../../src/extract/fixture-source';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { contentHash, encodeSnapshot, toSnapshot } from '../../src/deliver/snapshot';
import { manifestJson, toManifest } from '../../src/guard/baseline';
import { generateMunicipality } from '../demo/generate';
import { ours } from '../../src/safe-text';

const schema = JSON.parse(readFileSync(new URL('../../assets/snapshot-v1.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function medium(exportPersonalNumber = false): Roster {
  const { fixture, schools, syncDate } = generateMunicipality('medium');
  const rules: RuleConfig = { schools, leadDays: { staff: 14, students: 1 }, teachingGroups: { select: 'notesMarker' }, exportPersonalNumber, allowPersonalNumberInEmail: false, requireEmail: false };
  const rows = fixtureToRows(fixture, ours('medium'));
  return buildRoster(decide(rows, rules, syncDate), rows, rules);
}

describe('snapshot format v1', () => {
  const roster = medium();
  const snapshot = toSnapshot(roster, '0.1.0', new Date('2026-09-01T16:30:00Z'));

  it('validates against assets/snapshot-v1.schema.json, with and without personnummer', () => {
    expect(validate(snapshot), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(validate(toSnapshot(medium(true), '0.1.0', new Date()))).toBe(true);
    expect(validate({ ...snapshot, excluded: [] })).toBe(false);
    expect(validate({ ...snapshot, persons: [{ ...snapshot.persons[0], reason: 'protected-identity' }] })).toBe(false);
  });

  it('every reference resolves', () => {
    const persons = new Set(snapshot.persons.map((p) => p.id));
    const schools = new Set(snapshot.schools.map((s) => s.id));
    expect(snapshot.persons.length).toBeGreaterThan(5000);
    for (const p of snapshot.persons) for (const id of p.schoolIds) expect(schools.has(id)).toBe(true);
    for (const g of snapshot.groups) {
      expect(schools.has(g.schoolId)).toBe(true);
      for (const id of [...g.teacherIds, ...g.studentIds]) expect(persons.has(id)).toBe(true);
    }
  });

  it('the content hash ignores the clock, the sync date, the agent and key order, and follows the content', () => {
    const later = toSnapshot({ ...roster, syncDate: '2026-09-02' }, '0.2.0', new Date('2027-01-01T00:00:00Z'));
    expect(later.contentHash).toBe(snapshot.contentHash);
    const reordered = { groups: roster.groups, persons: roster.persons.map((p) => Object.fromEntries(Object.entries(p).reverse())), schools: roster.schools } as unknown as Roster;
    expect(contentHash(reordered)).toBe(snapshot.contentHash);
    const renamed = { ...roster, persons: roster.persons.map((p, i) => (i === 0 ? { ...p, givenName: `${p.givenName}x` } : p)) };
    expect(contentHash(renamed)).not.toBe(snapshot.contentHash);
    expect(snapshot.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('is serialised once: the file is compact JSON whose content is the canonical text the hash is taken over, and the upload is its gzip', async () => {
    const at = new Date('2026-09-01T16:30:00Z');
    const json = encodeSnapshot(roster, '0.1.0', at, 'json');
    const gzip = encodeSnapshot(roster, '0.1.0', at, 'gzip');
    if (json.body.kind !== 'json' || gzip.body.kind !== 'gzip') throw new Error('wrong body kinds');
    const file = Buffer.concat(json.body.pieces).toString('utf8');
    expect(json.body.pieces.length).toBeGreaterThan(1);
    expect(gunzipSync(await gzip.body.bytes).toString('utf8')).toBe(file);
    // The library's RFC 8785 text, and its hash: the same as before the hand-written serialiser.
    const canonical = canonicalize({ formatVersion: 1, schools: roster.schools, persons: roster.persons, groups: roster.groups })!;
    const expected = `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
    expect(json.snapshot.contentHash).toBe(expected);
    expect(contentHash(roster)).toBe(expected);
    expect(file).toBe(`{"formatVersion":1,"agent":{"name":"procapita-sync","version":"0.1.0"},"syncDate":"${roster.syncDate}","generatedAt":"2026-09-01T16:30:00.000Z",${canonical.slice('{"formatVersion":1,'.length, -1)},"contentHash":"${expected}"}`);
    expect(JSON.parse(file)).toEqual(json.snapshot);
    expect(json.snapshot).toEqual(snapshot);
  });

  it('baseline.json is written in pieces, and is the JSON of the manifest', () => {
    const at = new Date('2026-09-01T02:00:00Z');
    const pieces = manifestJson(snapshot, at, 'imp_1');
    expect(pieces.length).toBeGreaterThan(1);
    expect(Buffer.concat(pieces).toString('utf8')).toBe(JSON.stringify(toManifest(snapshot, at, 'imp_1')));
    expect(Buffer.concat(manifestJson(snapshot, at, null)).toString('utf8')).toBe(JSON.stringify(toManifest(snapshot, at, null)));
  });
});
