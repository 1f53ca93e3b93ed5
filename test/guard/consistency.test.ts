import { describe, expect, it } from 'vitest';
import { decide, type Decisions } from '../../src/decide/decide';
import { buildRoster, type Roster } from '../../src/decide/roster';
import { AppError } from '../../src/errors';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { checkConsistency } from '../../src/guard/consistency';
import { DEMO_DATE, demoFixture, demoRules } from '../support/cli';
import { ours } from '../../src/safe-text';

const rules = demoRules();

const rows = fixtureToRows(demoFixture(), ours('demo'));
const decisions = decide(rows, rules, DEMO_DATE);
const roster = buildRoster(decisions, rows, rules);

const byName = (given: string) => rows.persons.find((p) => p.given_name === given)!;
const groupNamed = (name: string) => roster.groups.find((g) => g.name === name)!;
/** Erik Avliden is in ProCapita but not in the roster: he is deceased. */
const erik = byName('Erik');
/** Lindens förskola is in ProCapita but not configured. */
const lifs = rows.schoolUnits.find((u) => u.unit_code === 'LIFS')!.unit_id;
const FRESH = 'c0ffee00-0000-4000-8000-000000000001';

const message = (problems: string) =>
  `Consistency gate stopped the run: the snapshot has ${problems}. Nothing was delivered. This is a bug in procapita-sync or odd data in ProCapita: report it with this message.`;

function gateError(r: Pick<Roster, 'schools' | 'persons' | 'groups'>, d: Decisions = decisions): AppError {
  try {
    checkConsistency(r, d, rows);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the consistency gate let the roster through');
}

/** No person's id, name or personnummer, in any spelling, is in the text. */
function expectNoPerson(text: string) {
  for (const p of rows.persons) {
    const pnr = p.personal_number!;
    for (const n of [p.person_id, p.person_id.toUpperCase(), `${p.given_name} ${p.family_name}`, pnr, pnr.slice(2), `${pnr.slice(0, 8)}-${pnr.slice(8)}`]) {
      expect(text, `${n} in the message`).not.toContain(n);
    }
    expect(text).not.toMatch(new RegExp(`(?<!\\p{L})(${p.given_name}|${p.family_name})(?!\\p{L})`, 'u'));
  }
}

/** A person's id replaced everywhere by another. */
function renamePerson(r: Roster, from: string, to: string): Roster {
  const swap = (ids: readonly string[]) => ids.map((id) => (id === from ? to : id));
  return {
    ...r,
    persons: r.persons.map((p) => (p.id === from ? { ...p, id: to } : p)),
    groups: r.groups.map((g) => ({ ...g, teacherIds: swap(g.teacherIds), studentIds: swap(g.studentIds) })),
  };
}

describe('consistency gate', () => {
  it("lets the rules' own roster through", () => {
    expect(roster.persons).toHaveLength(21);
    expect(roster.groups).toHaveLength(10);
    expect(() => checkConsistency(roster, decisions, rows)).not.toThrow();
  });

  const hugo = roster.persons.find((p) => p.id === byName('Hugo').person_id)!;
  const sara = byName('Sara').person_id;
  const cases: [string, () => [Pick<Roster, 'schools' | 'persons' | 'groups'>, Decisions?], string][] = [
    ['a person listed twice', () => [{ ...roster, persons: [...roster.persons, hugo] }], '1 person(s) listed twice; 22 persons where the rules included 21'],
    ['a group listed twice', () => [{ ...roster, groups: [...roster.groups, groupNamed('7A')] }], '1 group(s) listed twice; 11 groups where the rules included 10'],
    ['a school listed twice', () => [{ ...roster, schools: [...roster.schools, roster.schools[0]!] }], '1 school(s) listed twice'],
    [
      'a pupil twice in one class',
      () => [{ ...roster, groups: roster.groups.map((g) => (g.name === '7A' ? { ...g, studentIds: [...g.studentIds, g.studentIds[0]!] } : g)) }],
      '1 group member(s) listed twice in their group',
    ],
    [
      'a group member who is not in the snapshot',
      () => [{ ...roster, groups: roster.groups.map((g) => (g.name === '7A' ? { ...g, studentIds: [...g.studentIds, erik.person_id] } : g)) }],
      '1 group member(s) not in the snapshot',
    ],
    [
      "a group's school that is not in the snapshot",
      () => [{ ...roster, groups: roster.groups.map((g) => (g.name === 'Ma 7A' ? { ...g, schoolId: lifs } : g)) }],
      '1 school(s) of groups not in the snapshot',
    ],
    [
      "a person's school that is not in the snapshot",
      () => [{ ...roster, persons: roster.persons.map((p) => (p.id === hugo.id ? { ...p, schoolIds: [...p.schoolIds, lifs] } : p)) }],
      '1 school(s) of persons not in the snapshot',
    ],
    ['a person who was not read from ProCapita', () => [renamePerson(roster, sara, FRESH)], '1 person(s) that were not read from ProCapita'],
    [
      'a group that was not read from ProCapita',
      () => [{ ...roster, groups: roster.groups.map((g) => (g.name === '7B' ? { ...g, id: FRESH } : g)) }],
      '1 group(s) that were not read from ProCapita',
    ],
    [
      'a school that was not read from ProCapita',
      () => {
        const old = roster.schools.find((s) => s.code === 'EKGY')!.id;
        const swap = (id: string) => (id === old ? FRESH : id);
        return [
          {
            schools: roster.schools.map((s) => ({ ...s, id: swap(s.id) })),
            persons: roster.persons.map((p) => ({ ...p, schoolIds: p.schoolIds.map(swap) })),
            groups: roster.groups.map((g) => ({ ...g, schoolId: swap(g.schoolId) })),
          },
        ];
      },
      '1 school(s) that were not read from ProCapita',
    ],
    [
      'more persons than the rules included',
      () => [roster, { ...decisions, persons: decisions.persons.map((d) => (d.personId === hugo.id ? { ...d, included: false } : d)) }],
      '21 persons where the rules included 20',
    ],
    [
      'fewer groups than the rules included',
      () => [{ ...roster, groups: roster.groups.filter((g) => g.name !== 'Ke TE26b') }],
      '9 groups where the rules included 10',
    ],
    [
      'several problems at once, each counted',
      () => [{ ...roster, persons: [...roster.persons, hugo, hugo], groups: roster.groups.map((g) => ({ ...g, teacherIds: [...g.teacherIds, erik.person_id] })) }],
      '2 person(s) listed twice; 10 group member(s) not in the snapshot; 23 persons where the rules included 21',
    ],
  ];

  it.each(cases)('%s: exit code 14, counted, naming no one', (_name, make, problems) => {
    const [snapshot, d] = make();
    const err = gateError(snapshot, d);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('consistencyGate');
    expect(err.exitCode).toBe(14);
    expect(err.message).toBe(message(problems));
    expectNoPerson(err.message);
    expect(err.message).not.toContain(FRESH);
    expect(err.message).not.toContain(lifs);
  });
});
