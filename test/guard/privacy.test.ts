import { describe, expect, it } from 'vitest';
import { decide } from '../../src/decide/decide';
import { buildRoster, type Roster } from '../../src/decide/roster';
import { AppError } from '../../src/errors';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { checkPrivacy } from '../../src/guard/privacy';
import { DEMO_DATE, demoFixture, demoRules } from '../support/cli';
import { ours } from '../../src/safe-text';

const rules = demoRules();

const rows = fixtureToRows(demoFixture(), ours('demo'));
const roster = buildRoster(decide(rows, rules, DEMO_DATE), rows, rules);
const vera = rows.persons.find((p) => p.given_name === 'Vera')!;

function gateError(r: Roster, config: Parameters<typeof checkPrivacy>[2] = rules): AppError {
  try {
    checkPrivacy(r, rows, config);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the privacy gate let the roster through');
}

describe('privacy gate', () => {
  it('lets the rules\' own roster through', () => {
    expect(() => checkPrivacy(roster, rows, rules)).not.toThrow();
  });

  it('stops a protected person slipped in after the decide stage, and names no one', () => {
    const bad: Roster = {
      ...roster,
      persons: [...roster.persons, { id: vera.person_id, roles: ['student'], givenName: 'Vera', familyName: 'Skydd', email: null, schoolIds: [] }],
    };
    const err = gateError(bad);
    expect(err.exitCode).toBe(7);
    expect(err.message).toBe(
      'Privacy gate stopped the run: the outgoing snapshot held 1 person(s) with a protected or unknown identity level. Nothing was delivered. This is a bug in procapita-sync or an unexpected value in ProCapita: please report it with this message.',
    );
  });

  it('stops a personnummer the configuration does not export', () => {
    const bad: Roster = { ...roster, persons: roster.persons.map((p, i) => (i === 0 ? { ...p, personalNumber: '201301019999' } : p)) };
    expect(gateError(bad).message).toMatch(/held a personnummer field although the configuration does not export them\./);
    expect(gateError(bad).message).not.toContain('201301019999');
  });

  it('stops a protected person kept as a group member', () => {
    const group = roster.groups[0]!;
    const bad: Roster = { ...roster, groups: [{ ...group, studentIds: [...group.studentIds, vera.person_id] }, ...roster.groups.slice(1)] };
    expect(gateError(bad).message).toMatch(/held 1 group membership\(s\) of such persons\./);
  });

  const anna = rows.persons.find((p) => p.protected_identity === 0 && p.personal_number)!;

  it.each([
    ['in a family name', 'family names', (p: Roster['persons'][number]) => ({ ...p, familyName: `${p.familyName} ${anna.personal_number}` })],
    ['in 10-digit form in an e-mail address', 'e-mail local parts', (p: Roster['persons'][number]) => ({ ...p, email: `${anna.personal_number!.replace(/\D/g, '').slice(2)}@skola.example` })],
  ])('stops a personnummer %s when none are exported', (_name, kind, edit) => {
    const bad: Roster = { ...roster, persons: roster.persons.map((p, i) => (i === 0 ? edit(p) : p)) };
    const err = gateError(bad);
    expect(err.message).toContain(`held 1 personnummer in ${kind}.`);
    expect(err.message).not.toContain(anna.personal_number!.slice(-4));
  });

  it('with personnummer exported: lets them through in their field, but not a protected person\'s anywhere', () => {
    const on = { ...rules, exportPersonalNumber: true };
    const exported = buildRoster(decide(rows, on, DEMO_DATE), rows, on);
    expect(exported.persons.some((p) => p.personalNumber)).toBe(true);
    expect(() => checkPrivacy(exported, rows, on)).not.toThrow();
    const bad: Roster = { ...exported, persons: exported.persons.map((p, i) => (i === 0 ? { ...p, email: `${vera.personal_number}@x.example` } : p)) };
    expect(() => checkPrivacy(bad, rows, on)).toThrow(/held 1 personnummer in e-mail local parts\./);
  });
});

/** Klara Skydd of the demo: protected, 20130707-0308. */
const klara = rows.persons.find((p) => p.given_name === 'Klara')!;
/** A valid personnummer of no one in the demo, e.g. a guardian's, whom ProCapita over SQL never reads. */
const outsider = '19811228-9874';

/** Klara's number in every common writing. */
const writings = ['201307070308', '1307070308', '20130707-0308', '130707-0308', '130707+0308', '20130707 0308', '130707 0308', '20130707.0308', '2013.07.07-0308', '13.07.07-0308'];

/** Puts a text into one exported field of the demo roster, and names the field kind the gate reports. */
const fields: [string, (r: Roster, text: string) => Roster][] = [
  ['given names', (r, t) => ({ ...r, persons: r.persons.map((p, i) => (i === 1 ? { ...p, givenName: `${p.givenName} ${t}` } : p)) })],
  ['family names', (r, t) => ({ ...r, persons: r.persons.map((p, i) => (i === 1 ? { ...p, familyName: `${t}${p.familyName}` } : p)) })],
  ['e-mail local parts', (r, t) => ({ ...r, persons: r.persons.map((p, i) => (i === 1 ? { ...p, email: `${t}@elev.kommun.se` } : p)) })],
  ['group names', (r, t) => ({ ...r, groups: r.groups.map((g, i) => (i === 1 ? { ...g, name: `${g.name} (${t})` } : g)) })],
  ['school names', (r, t) => ({ ...r, schools: r.schools.map((s, i) => (i === 0 ? { ...s, name: `${t} ${s.name}` } : s)) })],
  ['school codes', (r, t) => ({ ...r, schools: r.schools.map((s, i) => (i === 0 ? { ...s, code: t } : s)) })],
];

/** The message names the kind and count, and nothing of the number, nor any GUID. */
function expectCountedOnly(err: AppError, kind: string, count = 1) {
  expect(err.exitCode).toBe(7);
  expect(err.message).toContain(`held ${count} personnummer in ${kind}.`);
  for (const part of ['0308', '130707', '9874', '811228']) expect(err.message).not.toContain(part);
  expect(err.message).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
}

describe('privacy gate: a personnummer in any writing, whoever it belongs to', () => {
  describe.each(fields)('in %s', (kind, put) => {
    it.each(writings)('with export off, stops %s and counts it by field kind', (written) => {
      expectCountedOnly(gateError(put(roster, written), rules), kind);
    });

    it.each(writings)('with export on, stops the protected person\'s %s', (written) => {
      const on = { ...rules, exportPersonalNumber: true };
      const exported = buildRoster(decide(rows, on, DEMO_DATE), rows, on);
      expectCountedOnly(gateError(put(exported, written), on), kind);
    });

    it('with export off, stops the number of someone not in ProCapita (a guardian)', () => {
      expect(rows.persons.some((p) => p.personal_number?.endsWith('9874'))).toBe(false);
      expectCountedOnly(gateError(put(roster, outsider), rules), kind);
    });

    it.each(['Sal 1234', 'GR 2026-09-01', '070-123 45 67', '0701234567', '20130707-0309'])('lets the ordinary digits %s through', (text) => {
      expect(() => checkPrivacy(put(roster, text), rows, rules)).not.toThrow();
    });
  });

  it('with export on, lets a number that is not a protected person\'s through in a name', () => {
    const on = { ...rules, exportPersonalNumber: true };
    const exported = buildRoster(decide(rows, on, DEMO_DATE), rows, on);
    expect(() => checkPrivacy(fields[0]![1](exported, outsider), rows, on)).not.toThrow();
  });

  it('with export on, stops a protected person\'s number in the personnummer field itself', () => {
    const on = { ...rules, exportPersonalNumber: true };
    const exported = buildRoster(decide(rows, on, DEMO_DATE), rows, on);
    const bad = { ...exported, persons: exported.persons.map((p, i) => (i === 1 ? { ...p, personalNumber: klara.personal_number } : p)) };
    expectCountedOnly(gateError(bad, on), 'personnummer fields');
  });

  it('counts per field kind in one message', () => {
    const bad = fields[0]![1](fields[0]![1](fields[2]![1](roster, outsider), '130707 0308'), '20130707.0308');
    const err = gateError(bad, rules);
    expect(err.message).toBe(
      'Privacy gate stopped the run: the outgoing snapshot held 2 personnummer in given names, 1 in e-mail local parts. Nothing was delivered. Remove the personnummer from those fields in ProCapita, the mapping table or Active Directory. If your e-mail addresses are built from personnummer on purpose, see export.allowPersonalNumberInEmail in `procapita-sync help configuration`.',
    );
  });
});

describe('privacy gate: e-mail addresses built from the personnummer', () => {
  const built = (r: Roster) => ({ ...r, persons: r.persons.map((p, i) => (i < 3 ? { ...p, email: `${rows.persons.find((q) => q.person_id === p.id)!.personal_number}@elev.kommun.se` } : p)) });

  it('stops them when export.allowPersonalNumberInEmail is off, saying which field and how many', () => {
    const err = gateError(built(roster), rules);
    expectCountedOnly(err, 'e-mail local parts', 3);
    expect(err.message).toContain('see export.allowPersonalNumberInEmail in `procapita-sync help configuration`');
  });

  it('lets them through when it is on', () => {
    expect(() => checkPrivacy(built(roster), rows, { ...rules, allowPersonalNumberInEmail: true })).not.toThrow();
  });

  it('still stops a protected person\'s number in an e-mail local part when it is on, and a number anywhere else', () => {
    const allow = { ...rules, allowPersonalNumberInEmail: true };
    expectCountedOnly(gateError(fields[2]![1](built(roster), klara.personal_number!), allow), 'e-mail local parts');
    expectCountedOnly(gateError(fields[0]![1](built(roster), outsider), allow), 'given names');
    const domain = { ...roster, persons: roster.persons.map((p, i) => (i === 5 ? { ...p, email: `anna@${outsider.replace('-', '')}.kommun.se` } : p)) };
    expectCountedOnly(gateError(built(domain), allow), 'e-mail domains');
  });
});
