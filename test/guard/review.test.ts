import { describe, expect, it } from 'vitest';
import type { RemovalKind, RemovalLimit } from '../../src/configure/config';
import type { RosterGroup, RosterSchool } from '../../src/decide/roster';
import { contentHash, toSnapshot } from '../../src/deliver/snapshot';
import { toManifest } from '../../src/guard/baseline';
import { checkRemovals } from '../../src/guard/deletion';
import { formatReview } from '../../src/guard/review';
import { FixtureBuilder } from '../support/builder';
import { rosterGroup, rosterPerson } from '../support/roster-records';

/**
 * The review file of a held run. Who was in the last accepted snapshot is
 * known by id; names come from ProCapita as read tonight, where four of the
 * removed persons are now protected (levels 1, 2, 3 and NULL), and one is
 * gone altogether.
 */

const LIMIT: RemovalLimit = { percent: 10, count: 500 };
const LIMITS = { students: LIMIT, staff: LIMIT, classes: LIMIT, teachingGroups: LIMIT, memberships: LIMIT } satisfies Record<RemovalKind, RemovalLimit>;
const CONFIGURED = [
  { unitCode: 'KRSK', schoolForm: 'GR' },
  { unitCode: 'EKGY', schoolForm: 'GY' },
];

const b = new FixtureBuilder();
const U1 = 'unit-0001-krsk';
const U2 = 'unit-0002-ekgy';
const tove = b.person({ given: 'Tove', family: 'Lärare', personalNumber: '198001011234' });
const olle = b.person({ given: 'Olle', family: 'Berg', personalNumber: '198509230028' });
const anna = b.person({ given: 'Anna', family: 'Ek', personalNumber: '201003150017' });
const stina = b.person({ given: 'Stina', family: 'Kvar', personalNumber: '201004040040' });
const saga = b.person({ given: 'Saga', family: 'Stannar', personalNumber: '200902020055' });
const hidden = [
  { level: 1, given: 'Klara', family: 'Skyddsdotter', pnr: '201307070308' },
  { level: 2, given: 'Vera', family: 'Hemligsson', pnr: '201308080314' },
  { level: 3, given: 'Tore', family: 'Dolde', pnr: '197912240323' },
  { level: null, given: 'Idun', family: 'Okändsson', pnr: '201310100332' },
].map((p) => ({ ...p, id: b.person({ given: p.given, family: p.family, personalNumber: p.pnr, protectedLevel: p.level }) }));
const [klara, vera, tore, idun] = hidden.map((p) => p.id) as [string, string, string, string];
/** In the baseline, no longer in ProCapita at all. */
const gone = 'deadbeef-0000-4000-8000-00000000dead';
const rows = b.rows;

const person = rosterPerson;
const group = (id: string, kind: 'class' | 'teaching', name: string, schoolId: string, teacherIds: string[], studentIds: string[]): RosterGroup =>
  rosterGroup({ id, kind, name, schoolId, schoolForm: schoolId === U1 ? 'GR' : 'GY', teacherIds, studentIds });

const schools: RosterSchool[] = [
  { id: U1, code: 'KRSK', name: 'Krokslätts skola', schoolForms: ['GR'] },
  { id: U2, code: 'EKGY', name: 'Ekdalens gymnasium', schoolForms: ['GY'] },
];
const C7B = 'class-7b';
const SV2 = 'group-sv2';
const NA = 'class-na26a';
const before = {
  schools,
  persons: [
    person(tove, ['staff'], [U1]),
    person(tore, ['staff'], [U1]),
    person(olle, ['staff'], [U1, U2]),
    person(anna, ['student'], [U1]),
    person(klara, ['student'], [U1]),
    person(vera, ['student'], [U1]),
    person(idun, ['student'], [U1]),
    person(gone, ['student'], [U2]),
    person(stina, ['student'], [U1]),
    person(saga, ['student'], [U2]),
  ],
  groups: [
    group(C7B, 'class', '7B', U1, [tove], [anna, klara, vera, idun, gone, stina]),
    group(SV2, 'teaching', 'Sv2 åk 7', U1, [tore], [anna, klara]),
    group(NA, 'class', 'NA26a', U2, [olle], [gone, saga]),
  ],
};
const after = {
  schools,
  persons: [person(tove, ['staff'], [U1]), person(stina, ['student'], [U1]), person(saga, ['student'], [U2])],
  groups: [group(C7B, 'class', '7B', U1, [tove], [stina]), group(NA, 'class', 'NA26a', U2, [], [saga])],
};
const acceptedAt = new Date('2026-08-31T02:00:00Z');
const baseline = toManifest(toSnapshot({ syncDate: '2026-08-31', ...before }, '0.1.0', acceptedAt), acceptedAt, 'imp-41');
const verdict = checkRemovals(after, baseline, LIMITS, CONFIGURED);
const held = { contentHash: contentHash(after), heldAt: '2026-09-01T02:00:05.000Z', syncDate: '2026-09-01' };
const review = formatReview(verdict, held, baseline, rows);

function needles(p: { id: string; given: string; family: string; pnr: string }): string[] {
  return [p.id, p.id.toUpperCase(), p.given, p.family, `${p.given} ${p.family}`, p.pnr, p.pnr.slice(2), `${p.pnr.slice(0, 8)}-${p.pnr.slice(8)}`, `${p.pnr.slice(2, 8)}-${p.pnr.slice(8)}`];
}

describe('the review file of a held run', () => {
  it('is held for the reasons it lists', () => {
    expect(verdict.decision).toBe('hold');
    expect(verdict.removals.persons.map((p) => p.id)).toEqual([anna, klara, vera, idun, gone, tore, olle]);
  });

  it('says what is held, why, and how to release it; lists counts per school, then removals by id and name', () => {
    expect(review).toBe(
      [
        'procapita-sync: held snapshot, for review',
        '',
        `Snapshot ${held.contentHash}`,
        'Sync date 2026-09-01, held at 2026-09-01T02:00:05.000Z.',
        `Compared with the snapshot accepted at 2026-08-31T02:00:00.000Z (${baseline.contentHash}).`,
        '',
        'Held because:',
        '  - 5 of 7 students would be removed (71.4 %); the limit is 10 % or 500',
        '  - 2 of 3 staff would be removed (66.7 %); the limit is 10 % or 500',
        '  - 1 of 1 teaching groups would be removed (100.0 %); the limit is 10 % or 500',
        '  - 10 of 13 memberships would be removed (76.9 %); the limit is 10 % or 500',
        '',
        'Nothing was delivered. If these removals are right, release exactly this snapshot with',
        `  procapita-sync approve ${held.contentHash} --config <your config file>`,
        'and it is delivered by the next run, if ProCapita still gives the same snapshot then.',
        '',
        'Removals per school:',
        '  School unit                Students  Staff  Classes  Teaching groups  Memberships',
        '  Ekdalens gymnasium (EKGY)         1      1        0                0            2',
        '  Krokslätts skola (KRSK)           4      2        0                1            8',
        '',
        'Persons who would be removed:',
        `  student  ${anna}  Anna Ek`,
        `  student  ${gone}  (no longer in ProCapita)`,
        `  staff    ${olle}  Olle Berg`,
        '',
        'Groups that would be removed:',
        `  teaching  ${SV2}  Sv2 åk 7  (Krokslätts skola (KRSK))`,
        '',
        'Memberships that would end:',
        `  7B (${C7B}): student ${anna}  Anna Ek`,
        `  7B (${C7B}): student ${gone}  (no longer in ProCapita)`,
        `  Sv2 åk 7 (${SV2}): student ${anna}  Anna Ek`,
        `  NA26a (${NA}): teacher ${olle}  Olle Berg`,
        `  NA26a (${NA}): student ${gone}  (no longer in ProCapita)`,
        '',
        // 4 persons (Klara, Vera, Tore, Idun) and 5 memberships (three in 7B, Tore's and Klara's in Sv2).
        '9 further removal(s) are counted above but not listed, to protect the persons concerned.',
        '',
      ].join('\n'),
    );
  });

  it.each(hidden.map((p) => [`level ${p.level}`, p] as const))('never shows a person now protected (%s): not by name, id or personnummer', (_level, p) => {
    for (const n of needles(p)) expect(review, `${n} leaked`).not.toContain(n);
  });

  it('shows no personnummer of anyone, protected or not', () => {
    for (const r of rows.persons) {
      const pnr = r.personal_number!;
      for (const n of [pnr, pnr.slice(2), `${pnr.slice(0, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}-${pnr.slice(8)}`]) expect(review).not.toContain(n);
    }
  });

  it('a person the baseline had but ProCapita no longer has is listed by id, as such', () => {
    expect(review.split('\n').filter((l) => l.includes(gone))).toEqual([
      `  student  ${gone}  (no longer in ProCapita)`,
      `  7B (${C7B}): student ${gone}  (no longer in ProCapita)`,
      `  NA26a (${NA}): student ${gone}  (no longer in ProCapita)`,
    ]);
  });

  it('with only protected persons removed, lists none of them and counts them all', () => {
    const onlyHidden = {
      schools,
      persons: before.persons.filter((p) => !hidden.some((h) => h.id === p.id)),
      groups: [
        group(C7B, 'class', '7B', U1, [tove], [anna, gone, stina]),
        group(SV2, 'teaching', 'Sv2 åk 7', U1, [olle], [anna]),
        group(NA, 'class', 'NA26a', U2, [olle], [gone, saga]),
      ],
    };
    const v = checkRemovals(onlyHidden, baseline, LIMITS, CONFIGURED);
    expect(v.decision).toBe('hold');
    const text = formatReview(v, { ...held, contentHash: contentHash(onlyHidden) }, baseline, rows);
    expect(text).not.toContain('Persons who would be removed:');
    expect(text).not.toContain('Memberships that would end:');
    // Four persons; Klara, Vera and Idun in 7B, Klara and Tore in Sv2. Olle's new membership in Sv2 is an addition.
    expect(text.endsWith('\n\n9 further removal(s) are counted above but not listed, to protect the persons concerned.\n')).toBe(true);
    for (const p of hidden) for (const n of needles(p)) expect(text).not.toContain(n);
  });

  it('of a first run held for an empty snapshot: no comparison, no removals listed', () => {
    const empty = { schools: [], persons: [], groups: [] };
    const v = checkRemovals(empty, null, LIMITS, CONFIGURED);
    const text = formatReview(v, { ...held, contentHash: contentHash(empty) }, null, rows);
    expect(text).toBe(
      [
        'procapita-sync: held snapshot, for review',
        '',
        `Snapshot ${contentHash(empty)}`,
        'Sync date 2026-09-01, held at 2026-09-01T02:00:05.000Z.',
        'There is no accepted snapshot to compare with.',
        '',
        'Held because:',
        '  - the snapshot is empty: no person would remain',
        '',
        'Nothing was delivered. If these removals are right, release exactly this snapshot with',
        `  procapita-sync approve ${contentHash(empty)} --config <your config file>`,
        'and it is delivered by the next run, if ProCapita still gives the same snapshot then.',
        '',
      ].join('\n'),
    );
  });
});

describe('the review file shows control characters in names escaped', () => {
  const hostile = '\u001b[31mRöd\u001b[0m \u001b]0;titel\u0007\u202eEk\r\n';
  const rowsWithEscapes = { ...rows, persons: rows.persons.map((p) => (p.person_id === anna ? { ...p, given_name: hostile, family_name: 'Ek\u0085\u2066' } : p)) };
  const baselineWithEscapes = {
    ...baseline,
    schools: baseline.schools.map((s) => (s.id === U1 ? { ...s, name: `Krok\u001b[2Jslätt` } : s)),
    groups: baseline.groups.map((g) => (g.id === SV2 ? { ...g, name: `Sv2\u009b31m \u200fåk 7\u0000` } : g)),
  };
  const text = formatReview(verdict, held, baselineWithEscapes, rowsWithEscapes);

  it('holds no raw control, escape or bidi character but the line breaks', () => {
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
    expect(text).not.toContain('\u001b');
  });

  it('shows them as visible escapes, where they were', () => {
    expect(text).toContain(`  student  ${anna}  \\x1b[31mRöd\\x1b[0m \\x1b]0;titel\\x07\\u{202e}Ek\\x0d\\x0a Ek\\x85\\u{2066}`);
    expect(text).toContain(`  Sv2\\x9b31m \\u{200f}åk 7\\x00 (${SV2}): student ${anna}  \\x1b[31mRöd`);
    expect(text).toContain(`  teaching  ${SV2}  Sv2 åk 7  (Krok\\x1b[2Jslätt (KRSK))`);
  });
});

describe('a review file of a few hundred thousand removals', () => {
  it('is written, a line each (pushed as spread arguments, they overflowed the stack)', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => `p-${String(i).padStart(6, '0')}`);
    const big = { schools, persons: [person(tove, ['staff'], [U1])], groups: [group(C7B, 'class', '7B', U1, [tove], many)] };
    const bigBaseline = toManifest(toSnapshot({ syncDate: '2026-08-31', ...big }, '0.1.0', acceptedAt), acceptedAt, 'imp-42');
    const v = checkRemovals({ ...big, groups: [group(C7B, 'class', '7B', U1, [tove], [])] }, bigBaseline, LIMITS, CONFIGURED);
    expect(v.removals.memberships).toHaveLength(300_000);
    const text = formatReview(v, held, bigBaseline, rows);
    expect(text.split('\n').filter((l) => l.startsWith('  7B (')).length).toBe(300_000);
  });
});
