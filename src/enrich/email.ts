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

/** Fills in each exported person's address and counts where the addresses came from. */
export function resolveEmails(roster: Roster, persons: readonly PersonRow[], addressOf: AddressOf): { roster: Roster; stats: EmailStats } {
  const rows = new Map(persons.map((p) => [p.person_id, p]));
  let fromProCapita = 0;
  let fromMapping = 0;
  let invalidInProCapita = 0;
  const resolved = roster.persons.map((p) => {
    const row = rows.get(p.id)!;
    const own = row.email?.trim() ?? '';
    if (own !== '' && !isValidEmail(own)) invalidInProCapita++;
    const address = addressOf(row);
    if (address?.source === 'ProCapita') fromProCapita++;
    else if (address) fromMapping++;
    return { ...p, email: address?.email ?? null };
  });
  return {
    roster: { ...roster, persons: resolved },
    stats: { fromProCapita, fromMapping, invalidInProCapita, none: roster.persons.length - fromProCapita - fromMapping },
  };
}
