import type { Roster } from '../decide/roster';

/** A pragmatic check, not RFC 5322: one @, no spaces, a dot in the domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

export interface EmailStats {
  readonly fromProCapita: number;
  /** ProCapita held something that is not an address; it is not exported. */
  readonly invalidInProCapita: number;
  readonly none: number;
}

/** Keeps ProCapita's address when it is valid. The mapping table comes next in this order (see docs/rules.md). */
export function resolveEmails(roster: Roster): { roster: Roster; stats: EmailStats } {
  let fromProCapita = 0;
  let invalidInProCapita = 0;
  const persons = roster.persons.map((p) => {
    const address = p.email?.trim() ?? '';
    if (address !== '' && EMAIL.test(address)) {
      fromProCapita++;
      return address === p.email ? p : { ...p, email: address };
    }
    if (address !== '') invalidInProCapita++;
    return p.email === null ? p : { ...p, email: null };
  });
  return {
    roster: { ...roster, persons },
    stats: { fromProCapita, invalidInProCapita, none: roster.persons.length - fromProCapita },
  };
}
