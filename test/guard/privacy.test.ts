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

function gateError(r: Roster): AppError {
  try {
    checkPrivacy(r, rows, rules);
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
    ['in a family name', (p: Roster['persons'][number]) => ({ ...p, familyName: `${p.familyName} ${anna.personal_number}` })],
    ['in 10-digit form in an e-mail address', (p: Roster['persons'][number]) => ({ ...p, email: `${anna.personal_number!.replace(/\D/g, '').slice(2)}@skola.example` })],
  ])('stops a personnummer %s when none are exported', (_name, edit) => {
    const bad: Roster = { ...roster, persons: roster.persons.map((p, i) => (i === 0 ? edit(p) : p)) };
    const err = gateError(bad);
    expect(err.message).toMatch(/held 1 personnummer in other fields\./);
    expect(err.message).not.toContain(anna.personal_number!.slice(-4));
  });

  it('with personnummer exported: lets them through in their field, but not a protected person\'s anywhere', () => {
    const on = { ...rules, exportPersonalNumber: true };
    const exported = buildRoster(decide(rows, on, DEMO_DATE), rows, on);
    expect(exported.persons.some((p) => p.personalNumber)).toBe(true);
    expect(() => checkPrivacy(exported, rows, on)).not.toThrow();
    const bad: Roster = { ...exported, persons: exported.persons.map((p, i) => (i === 0 ? { ...p, email: `${vera.personal_number}@x.example` } : p)) };
    expect(() => checkPrivacy(bad, rows, on)).toThrow(/held 1 personnummer in other fields\./);
  });
});
