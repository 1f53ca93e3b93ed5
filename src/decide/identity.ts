/**
 * docs/rules.md, rules 1–3 of "Student" and "Staff", which both roles share:
 * no protected identity, not deceased, and an e-mail address when
 * requireEmail is on. Also the person's verdict as a whole ("A person with
 * both placements and employments …", "no-role").
 */
import type { RuleConfig } from '../configure/config';
import type { PersonRow, SourceRows } from '../extract/contract';
import { safe, type SafeText } from '../safe-text';
import type { AddressOf } from './address';
import { fail, pass, type Check } from './checks';
import type { PersonDecision, RoleDecision } from './decisions';
import type { Reason } from './reasons';
import { sortedIds } from './rows-index';

// Shared by every person they hold for: the same words need no copy per person.
const NOT_PROTECTED = pass('no protected identity (level 0)');
const DECEASED = fail('marked as deceased');
const NOT_DECEASED = pass('not marked as deceased');
const NO_EMAIL = fail('has no valid e-mail address in ProCapita or the mapping table, and requireEmail is on');

/** Levels 1, 2 and 3 exclude; a NULL or unknown level also excludes, to be safe. */
function identityReason(p: PersonRow): Reason | undefined {
  if (p.protected_identity === 0) return undefined;
  if (p.protected_identity === 1 || p.protected_identity === 2 || p.protected_identity === 3) return 'protected-identity';
  return 'protected-identity-unknown';
}

export interface RoleStart {
  readonly person: PersonRow;
  readonly checks: Check[];
  readonly reason?: Reason;
}

/** Records one role's verdict: an included person is exported, at the units of the rows that made them eligible. */
export function recordRole(into: Map<string, RoleDecision>, exported: Set<string>, personId: string, reason: Reason | undefined, checks: Check[], unitIds: readonly string[]): void {
  const included = reason === undefined;
  if (included) exported.add(personId);
  // slice: an array filled by push has room to spare, and there are 100,000 of these.
  into.set(personId, { included, ...(reason ? { reason } : {}), checks: checks.slice(), unitIds: included ? sortedIds(unitIds) : [] });
}

export interface Identities {
  readonly identity: ReadonlyMap<string, Reason | undefined>;
  /**
   * What both roles start with: the person's row and the identity, deceased
   * and e-mail checks. Undefined when there is no person row, or when the
   * identity is protected; then the verdict alone is recorded in `into`.
   */
  readonly startRole: (personId: string, into: Map<string, RoleDecision>) => RoleStart | undefined;
}

export function identities(rows: SourceRows, rules: RuleConfig, addressOf: AddressOf): Identities {
  const personsById = new Map(rows.persons.map((p) => [p.person_id, p]));
  const identity = new Map<string, Reason | undefined>();
  for (const p of rows.persons) identity.set(p.person_id, identityReason(p));

  const startRole = (personId: string, into: Map<string, RoleDecision>): RoleStart | undefined => {
    const person = personsById.get(personId);
    if (!person) return undefined; // a placement or employment without a person row has no one to export
    const idReason = identity.get(personId);
    if (idReason) {
      into.set(personId, { included: false, reason: idReason, checks: [], unitIds: [] });
      return undefined;
    }
    const checks = [NOT_PROTECTED];
    let reason: Reason | undefined;
    if (person.deceased) {
      checks.push(DECEASED);
      reason = 'deceased';
    } else checks.push(NOT_DECEASED);
    if (rules.requireEmail) {
      const address = addressOf(person);
      if (address) {
        const { source } = address;
        checks.push(pass(() => `has an e-mail address from ${source}`));
      } else {
        checks.push(NO_EMAIL);
        reason ??= 'no-email';
      }
    }
    return reason ? { person, checks, reason } : { person, checks };
  };
  return { identity, startRole };
}

/** Exported if either role holds; a person with neither role is left out as no-role. */
export function decidePersons(
  rows: SourceRows,
  identity: ReadonlyMap<string, Reason | undefined>,
  students: ReadonlyMap<string, RoleDecision>,
  staff: ReadonlyMap<string, RoleDecision>,
): { persons: PersonDecision[]; warnings: SafeText[] } {
  const persons: PersonDecision[] = rows.persons.map((p) => {
    const student = students.get(p.person_id);
    const asStaff = staff.get(p.person_id);
    const idReason = identity.get(p.person_id);
    const included = Boolean(student?.included || asStaff?.included);
    const reason: Reason | undefined = idReason ?? (!student && !asStaff ? 'no-role' : undefined);
    return {
      personId: p.person_id,
      protected: idReason !== undefined,
      included,
      ...(reason ? { reason } : {}),
      ...(student ? { student } : {}),
      ...(asStaff ? { staff: asStaff } : {}),
    };
  });

  const warnings: SafeText[] = [];
  // Only students and staff: an unknown level on, say, a guardian changes nothing.
  const unknownLevels = persons.filter((p) => p.reason === 'protected-identity-unknown' && (p.student || p.staff)).length;
  if (unknownLevels > 0) {
    warnings.push(
      safe`${unknownLevels} person${unknownLevels === 1 ? ' has' : 's have'} an unknown protected-identity level (NULL or not 0–3) and ${unknownLevels === 1 ? 'was' : 'were'} left out to be safe. Check the protected-identity field in ProCapita.`,
    );
  }
  return { persons, warnings };
}
