/**
 * docs/rules.md, rules 1–3 of "Student" and "Staff", which both roles share:
 * no protected identity, not deceased, and an e-mail address when
 * requireEmail is on. Also the person's verdict as a whole ("A person with
 * both placements and employments …", "no-role").
 */
import type { RuleConfig } from '../configure/config';
import type { PersonRow, SourceRows } from '../extract/contract';
import type { RowPositions } from '../extract/positions';
import { safe, type SafeText } from '../safe-text';
import type { AddressOf } from './address';
import { fail, pass, type Out } from './checks';
import type { PersonDecision, RoleDecision } from './decisions';
import type { Reason } from './reasons';
import { keyOrder, sortedIds } from './rows-index';

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

/** The persons, by row position. */
export interface People {
  readonly rows: readonly PersonRow[];
  /** Row positions in person-id order: the order of the decisions, and of every list of ids. */
  readonly order: Int32Array;
  /** Each row's place in that order. */
  readonly rank: Int32Array;
  /** Each row's protected-identity reason; undefined when the identity is not protected. */
  readonly identity: readonly (Reason | undefined)[];
  /**
   * Rules 1–3 for the person at `at`: the reason of the first that fails.
   * A protected person gets no checks at all: they appear nowhere, and the
   * role records nothing else.
   */
  readonly sharedRules: (at: number, out: Out) => Reason | undefined;
}

export function identities(rows: SourceRows, rules: RuleConfig, addressOf: AddressOf): People {
  const persons = rows.persons;
  const n = persons.length;
  const ids = new Array<string>(n);
  const identity = new Array<Reason | undefined>(n);
  for (let i = 0; i < n; i++) {
    ids[i] = persons[i]!.person_id;
    identity[i] = identityReason(persons[i]!);
  }
  const order = keyOrder(ids);
  const rank = new Int32Array(n);
  for (let r = 0; r < n; r++) rank[order[r]!] = r;

  const sharedRules = (at: number, out: Out): Reason | undefined => {
    const idReason = identity[at];
    if (idReason) return idReason;
    const person = persons[at]!;
    out?.push(NOT_PROTECTED);
    let reason: Reason | undefined;
    if (person.deceased) {
      reason = 'deceased';
      if (!out) return reason;
      out.push(DECEASED);
    } else out?.push(NOT_DECEASED);
    if (rules.requireEmail) {
      const address = addressOf(person);
      if (address) out?.push(pass(`has an e-mail address from ${address.source}`));
      else {
        out?.push(NO_EMAIL);
        reason ??= 'no-email';
      }
    }
    return reason;
  };
  return { rows: persons, order, rank, identity, sharedRules };
}

/** No ids: one shared, frozen list. */
export const NONE: readonly string[] = Object.freeze([]);

/** A role's units, once each and in order, from the rows that made the person eligible: one shared list per unit for the many with one. */
export function unitLists(): (units: string[]) => readonly string[] {
  const single = new Map<string, readonly string[]>();
  return (units) => {
    if (units.length === 0) return NONE;
    if (units.length > 1) return sortedIds(units.slice());
    let list = single.get(units[0]!);
    if (!list) single.set(units[0]!, (list = Object.freeze([units[0]!])));
    return list;
  };
}

/** The ids of the persons at these row positions, once each, in id order. `positions` is reordered. */
export function idsInOrder(people: People, positions: number[]): string[] {
  const { rank, order, rows } = people;
  for (let i = 0; i < positions.length; i++) positions[i] = rank[positions[i]!]!;
  positions.sort((a, b) => a - b);
  const ids: string[] = [];
  let last = -1;
  for (const r of positions) {
    if (r === last) continue;
    last = r;
    ids.push(rows[order[r]!]!.person_id);
  }
  return ids;
}

/** Exported if either role holds; a person with neither role is left out as no-role. */
export function decidePersons(people: People, positions: RowPositions, students: readonly (RoleDecision | undefined)[], staff: readonly (RoleDecision | undefined)[]): { persons: PersonDecision[]; warnings: SafeText[] } {
  const { rows, order, identity } = people;
  // Should a person be on two rows, their roles are at the row that stands for the id.
  const single = positions.distinct('persons');
  const personPositions = positions.parents.persons;
  // Made in row order, where the rows and verdicts lie in memory one after the other, then put in id order.
  const byRow = new Array<PersonDecision>(rows.length);
  let unknownLevels = 0;
  for (let row = 0; row < rows.length; row++) {
    const at = single ? row : personPositions.get(rows[row]!.person_id)!;
    const student = students[at];
    const asStaff = staff[at];
    const idReason = identity[at];
    const reason: Reason | undefined = idReason ?? (!student && !asStaff ? 'no-role' : undefined);
    // Only students and staff: an unknown level on, say, a guardian changes nothing.
    if (idReason === 'protected-identity-unknown' && (student || asStaff)) unknownLevels++;
    byRow[row] = {
      personId: rows[row]!.person_id,
      protected: idReason !== undefined,
      included: (student?.included ?? false) || (asStaff?.included ?? false),
      reason,
      student,
      staff: asStaff,
    };
  }
  const persons = new Array<PersonDecision>(order.length);
  for (let r = 0; r < order.length; r++) persons[r] = byRow[order[r]!]!;

  const warnings: SafeText[] = [];
  if (unknownLevels > 0) {
    warnings.push(
      safe`${unknownLevels} person${unknownLevels === 1 ? ' has' : 's have'} an unknown protected-identity level (NULL or not 0–3) and ${unknownLevels === 1 ? 'was' : 'were'} left out to be safe. Check the protected-identity field in ProCapita.`,
    );
  }
  return { persons, warnings };
}
