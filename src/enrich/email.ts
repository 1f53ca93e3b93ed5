import type { Roster } from '../decide/roster';
import type { CalendarDate, PersonRow } from '../extract/contract';
import { parsePersonalNumber } from '../personal-number';
import { procapitaAddress, type AddressOf } from '../decide/address';
import { isValidEmail } from '../email-address';
import type { MappingTable } from './mapping-table';

export { procapitaAddress, type Address, type AddressOf } from '../decide/address';

/** A person's address, in this order: ProCapita's (when valid), the mapping table (by GUID, then personnummer), none. */
export function emailResolver(mapping: MappingTable | undefined, today: CalendarDate): AddressOf {
  return (person) => {
    const own = procapitaAddress(person);
    if (own) return own;
    if (!mapping) return null;
    const byGuid = mapping.byGuid.get(person.person_id);
    if (byGuid) return { email: byGuid, source: 'the mapping table' };
    const pnr = person.personal_number ? parsePersonalNumber(person.personal_number, today) : undefined;
    const byPnr = pnr?.ok ? mapping.byPersonalNumber.get(pnr.normalized) : undefined;
    return byPnr ? { email: byPnr, source: 'the mapping table' } : null;
  };
}

export interface EmailStats {
  readonly fromProCapita: number;
  readonly fromMapping: number;
  /** ProCapita held something that is not an address; it is not exported. */
  readonly invalidInProCapita: number;
  readonly none: number;
}

/**
 * Fills in each exported person's address and counts where the addresses came from. `addressOf` is
 * emailResolver's or procapitaAddress: both answer with ProCapita's own address first when it is valid,
 * so that one is taken here as it is checked, and the resolver asked only for the others.
 */
export function resolveEmails(roster: Roster, persons: readonly PersonRow[], addressOf: AddressOf): { roster: Roster; stats: EmailStats } {
  const rows = new Map<string, PersonRow>();
  for (const p of persons) rows.set(p.person_id, p);
  let fromProCapita = 0;
  let fromMapping = 0;
  let invalidInProCapita = 0;
  const resolved = new Array<Roster['persons'][number]>(roster.persons.length);
  for (let i = 0; i < resolved.length; i++) {
    const p = roster.persons[i]!;
    const row = rows.get(p.id)!;
    const own = row.email?.trim() ?? '';
    let email: string | null;
    if (own !== '' && isValidEmail(own)) {
      email = own;
      fromProCapita++;
    } else {
      if (own !== '') invalidInProCapita++;
      email = addressOf(row)?.email ?? null;
      if (email !== null) fromMapping++;
    }
    resolved[i] = p.email === email ? p : { ...p, email };
  }
  return {
    roster: { ...roster, persons: resolved },
    stats: { fromProCapita, fromMapping, invalidInProCapita, none: roster.persons.length - fromProCapita - fromMapping },
  };
}
