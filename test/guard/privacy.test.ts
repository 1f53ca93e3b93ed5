import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { buildRoster, type Roster } from '../../src/decide/roster';
import { AppError } from '../../src/errors';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { checkPrivacy } from '../../src/guard/privacy';
import { DEMO_DATE, demoFixture } from '../support/cli';

const rules: RuleConfig = {
  schools: [
    { unitCode: 'BJSK', schoolForm: 'GR' },
    { unitCode: 'EKGY', schoolForm: 'GY' },
  ],
  leadDays: { staff: 14, students: 1 },
  teachingGroups: { select: 'notesMarker' },
  exportPersonalNumber: false,
  requireEmail: false,
};

const rows = fixtureToRows(demoFixture(), 'demo');
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
      'Privacy gate stopped the run: the outgoing roster held 1 person(s) with a protected or unknown identity level. Nothing was written. This is a bug in procapita-sync: please report it with this message.',
    );
  });

  it('stops a personnummer the configuration does not export', () => {
    const bad: Roster = { ...roster, persons: roster.persons.map((p, i) => (i === 0 ? { ...p, personalNumber: '201301019999' } : p)) };
    expect(gateError(bad).message).toMatch(/held personnummer although the configuration does not export them\./);
    expect(gateError(bad).message).not.toContain('201301019999');
  });

  it('stops a group member who is not an exported person', () => {
    const group = roster.groups[0]!;
    const bad: Roster = { ...roster, groups: [{ ...group, studentIds: [...group.studentIds, vera.person_id] }, ...roster.groups.slice(1)] };
    expect(gateError(bad).message).toMatch(/held 1 group member\(s\) who are not exported persons\./);
  });
});
