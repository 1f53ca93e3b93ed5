import type { PersonRow } from '../extract/contract';
import { isValidEmail } from '../email-address';

/**
 * The rule requireEmail asks whether a person has an address. The enrich
 * stage resolves addresses (ProCapita, then the mapping table) and hands its
 * resolver to decide; the type lives here because the data flows decide → enrich.
 */
export interface Address {
  readonly email: string;
  readonly source: 'ProCapita' | 'the mapping table';
}

/** A person's address, or null. */
export type AddressOf = (person: PersonRow) => Address | null;

/** ProCapita's own address, when it is a valid one: what applies when no mapping table is configured. */
export const procapitaAddress: AddressOf = (person) => {
  const own = person.email?.trim() ?? '';
  return own !== '' && isValidEmail(own) ? { email: own, source: 'ProCapita' } : null;
};
