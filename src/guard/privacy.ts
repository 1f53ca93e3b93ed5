import type { RuleConfig } from '../configure/config';
import type { Roster } from '../decide/roster';
import type { SourceRows } from '../extract/contract';
import { AppError } from '../errors';

/**
 * The last look before anything is written: a second line behind the rules,
 * checked against the source rows rather than the decisions. Its messages
 * count, never name: what it guards must not leak through it.
 */
export function checkPrivacy(roster: Roster, rows: SourceRows, rules: RuleConfig): void {
  const level = new Map(rows.persons.map((p) => [p.person_id, p.protected_identity]));
  const ids = new Set(roster.persons.map((p) => p.id));
  const problems: string[] = [];

  const protectedCount = roster.persons.filter((p) => level.get(p.id) !== 0).length;
  if (protectedCount > 0) problems.push(`${protectedCount} person(s) with a protected or unknown identity level`);
  if (!rules.exportPersonalNumber && roster.persons.some((p) => 'personalNumber' in p)) {
    problems.push('personnummer although the configuration does not export them');
  }
  const dangling = roster.groups.reduce((n, g) => n + [...g.teacherIds, ...g.studentIds].filter((id) => !ids.has(id)).length, 0);
  if (dangling > 0) problems.push(`${dangling} group member(s) who are not exported persons`);

  if (problems.length > 0) {
    throw new AppError(
      'privacyGate',
      `Privacy gate stopped the run: the outgoing roster held ${problems.join('; ')}. Nothing was written. This is a bug in procapita-sync: please report it with this message.`,
    );
  }
}
