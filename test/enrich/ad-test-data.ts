/**
 * Synthetic test data for the AD mapping: a ProCapita person list and the
 * directory accounts that go with it, with every data-quality case the
 * quality report counts, and the numbers the build must arrive at.
 */
import type { QualityReport } from '../../src/enrich/ad-mapping';
import type { MappingEntry } from '../../src/enrich/mapping-table';
import type { PersonRow } from '../../src/extract/contract';
import type { SeedUser } from '../ldap/directories';

export const TODAY = '2026-08-20';

const GIVEN = ['Anna', 'Erik', 'Maja', 'Oskar', 'Ella', 'Lukas', 'Alice', 'Hugo', 'Wilma', 'Liam'];
const FAMILY = ['Svensson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson'];

function luhnCheckDigit(nine: string): number {
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A valid 12-digit personnummer (or samordningsnummer), unique for each i below 4032. Born 2008–2019. */
export function personalNumber(i: number, coordination = false): string {
  const year = 2008 + (i % 12);
  const month = String(1 + (Math.floor(i / 12) % 12)).padStart(2, '0');
  const day = String(1 + (Math.floor(i / 144) % 28) + (coordination ? 60 : 0)).padStart(2, '0');
  const serial = String(100 + (i % 900)).padStart(3, '0');
  const nine = `${String(year).slice(2)}${month}${day}${serial}`;
  return `${year}${month}${day}${serial}${luhnCheckDigit(nine)}`;
}

/** The same number with a wrong check digit. */
function withWrongCheckDigit(pnr: string): string {
  return `${pnr.slice(0, 11)}${(Number(pnr[11]) + 1) % 10}`;
}

/** The ways a directory may spell a personnummer; all must match ProCapita's YYYYMMDD-NNNN. */
function spelled(pnr: string, variant: number): string {
  switch (variant % 4) {
    case 0:
      return pnr; // 200801011234
    case 1:
      return `${pnr.slice(0, 8)}-${pnr.slice(8)}`; // 20080101-1234
    case 2:
      return `${pnr.slice(2, 8)}-${pnr.slice(8)}`; // 080101-1234
    default:
      return pnr.slice(2); // 0801011234
  }
}

export const guid = (prefix: 'a' | 'b' | 'c', i: number) => `${prefix}0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

export interface AdTestData {
  users: SeedUser[];
  persons: PersonRow[];
  table: MappingEntry[];
  /** The report buildMapping must give, duplicate DNs relative to `dnOf`. */
  report: QualityReport;
  /** Everything that would identify the protected person: DNs, cns, keys, addresses. */
  protectedMarkers: string[];
}

/**
 * 3000 accounts. `dnOf(cn)` gives the DN the server will hold for a cn,
 * e.g. `CN=${cn},OU=AdMapping,DC=test,DC=local`. The keys go into
 * employeeNumber: AD's employeeID holds at most 16 characters, too few for a GUID.
 */
export function buildAdTestData(dnOf: (cn: string) => string): AdTestData {
  const users: SeedUser[] = [];
  const persons: PersonRow[] = [];
  const table: MappingEntry[] = [];
  let n = 0; // accounts
  let p = 0; // ProCapita persons; also the personnummer index

  const person = (level: number | null = 0, withPnr = true, coordination = false): PersonRow => {
    const i = p++;
    const row: PersonRow = {
      person_id: guid('a', i),
      given_name: GIVEN[i % GIVEN.length]!,
      family_name: FAMILY[i % FAMILY.length]!,
      personal_number: withPnr ? ((pnr) => `${pnr.slice(0, 8)}-${pnr.slice(8)}`)(personalNumber(i, coordination)) : null,
      email: null,
      protected_identity: level,
      deregistered: false,
      deceased: false,
    };
    persons.push(row);
    return row;
  };
  const pnrOf = (row: PersonRow) => row.personal_number!.replace('-', '');
  const account = (fields: Omit<SeedUser, 'cn' | 'givenName' | 'sn'>, tag = ''): SeedUser => {
    const i = n++;
    const givenName = GIVEN[i % GIVEN.length]!;
    const sn = FAMILY[(i * 3) % FAMILY.length]!;
    const user: SeedUser = {
      cn: `AdMap ${String(i).padStart(4, '0')}${tag} ${givenName} ${sn}`,
      givenName,
      sn,
      sAMAccountName: `admap${i}`,
      ...fields,
      ...(fields.key !== undefined ? { keyAttribute: 'employeeNumber' as const } : {}),
    };
    users.push(user);
    return user;
  };
  const mailOf = (i: number) => `elev${i}@skola.example`;

  // 1479 accounts keyed by ProCapita GUID, with mail; 50 of the GUIDs in upper case.
  for (let k = 0; k < 1479; k++) {
    const row = person();
    const email = mailOf(n);
    account({ key: k < 50 ? row.person_id.toUpperCase() : row.person_id, mail: email, upn: `admap${n}@test.local` });
    table.push({ key: row.person_id, email });
  }
  // 1200 accounts keyed by personnummer in four spellings; 30 of them samordningsnummer.
  for (let k = 0; k < 1200; k++) {
    const row = person(0, true, k < 30);
    const email = mailOf(n);
    account({ key: spelled(pnrOf(row), k), mail: email, upn: `admap${n}@test.local` });
    table.push({ key: pnrOf(row), email });
  }
  // 100 accounts whose address comes from userPrincipalName: 60 without mail, 40 with a broken one.
  for (let k = 0; k < 100; k++) {
    const row = person();
    const upn = `admap${n}@test.local`;
    const key = k % 2 === 0 ? row.person_id : spelled(pnrOf(row), k);
    account({ key, upn, ...(k < 40 ? { mail: `not an address ${k}` } : {}) });
    table.push({ key: k % 2 === 0 ? row.person_id : pnrOf(row), email: upn });
  }
  // 40 accounts without a usable address (their persons get no match).
  for (let k = 0; k < 40; k++) {
    const row = person();
    account({ key: k % 2 === 0 ? row.person_id : pnrOf(row), ...(k < 10 ? { mail: 'elev-at-skola.example' } : {}) });
  }
  // 60 disabled accounts with keys and addresses (their persons get no match).
  for (let k = 0; k < 60; k++) {
    const row = person();
    account({ key: k % 2 === 0 ? row.person_id : pnrOf(row), mail: mailOf(n), upn: `admap${n}@test.local`, disabled: true });
  }
  // 50 invalid keys: 30 wrong check digits, 10 impossible dates, 10 neither a GUID nor a personnummer.
  for (let k = 0; k < 30; k++) account({ key: spelled(withWrongCheckDigit(personalNumber(3800 + k)), k), mail: mailOf(n), upn: `admap${n}@test.local` });
  for (let k = 0; k < 10; k++) account({ key: `2010${13 + k}01-123${k}`, mail: mailOf(n), upn: `admap${n}@test.local` });
  const garbage = ['N/A', '12345', 'unknown', 'ABC-123', '2010-01-01', 'elev', '0', 'a0000000-0000-4000-8000', 'x'.repeat(12), '---'];
  for (const key of garbage) account({ key, mail: mailOf(n), upn: `admap${n}@test.local` });
  // 25 accounts without a key.
  for (let k = 0; k < 25; k++) account({ mail: mailOf(n), upn: `admap${n}@test.local` });
  // 40 valid keys that match no ProCapita person: 20 GUIDs, 20 personnummer.
  for (let k = 0; k < 20; k++) account({ key: guid('b', k), mail: mailOf(n), upn: `admap${n}@test.local` });
  for (let k = 0; k < 20; k++) account({ key: personalNumber(3600 + k), mail: mailOf(n), upn: `admap${n}@test.local` });

  // Duplicates. A personnummer on two enabled accounts: the smaller DN is kept.
  const dupPnr = person();
  const dupA = account({ key: pnrOf(dupPnr), mail: mailOf(n), upn: `admap${n}@test.local` }, ' dup-a');
  const dupB = account({ key: spelled(pnrOf(dupPnr), 1), mail: mailOf(n), upn: `admap${n}@test.local` }, ' dup-b');
  table.push({ key: pnrOf(dupPnr), email: dupA.mail! });
  // A GUID on a disabled and an enabled account: the enabled one is kept although its DN sorts later.
  const dupGuid = person();
  const dupC = account({ key: dupGuid.person_id, mail: mailOf(n), upn: `admap${n}@test.local`, disabled: true }, ' dup-c');
  const dupD = account({ key: dupGuid.person_id.toUpperCase(), mail: mailOf(n), upn: `admap${n}@test.local` }, ' dup-d');
  table.push({ key: dupGuid.person_id, email: dupD.mail! });

  // The protected person (level 2) has two accounts with the same key. Both are counted like any
  // other account, one row is written, and neither DN nor the key is ever listed.
  const hidden = person(2);
  const hiddenA = account({ key: pnrOf(hidden), mail: mailOf(n), upn: `admap${n}@test.local` }, ' prot-a');
  const hiddenB = account({ key: spelled(pnrOf(hidden), 2), mail: mailOf(n), upn: `admap${n}@test.local` }, ' prot-b');
  // The protected person's row is never written; it counts as unmatched.

  // ProCapita persons without any account: 150 level 0 (counted), 5 protected and 3 unknown (never counted).
  for (let k = 0; k < 150; k++) person(0, k % 3 !== 0);
  for (let k = 0; k < 5; k++) person(1 + (k % 3));
  for (let k = 0; k < 3; k++) person(null);

  if (users.length !== 3000) throw new Error(`test data: ${users.length} accounts, expected 3000`);
  table.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const masked = (pnr: string) => `${pnr.slice(0, 8)}-****`;
  return {
    users,
    persons,
    table,
    report: {
      entries: 3000,
      mapped: 1479 + 1200 + 100 + 2,
      disabledAccounts: 60,
      withoutKey: 25,
      withoutAddress: 40,
      invalidKeys: 50,
      unmatchedInProCapita: 40 + 1,
      procapitaWithoutMatch: 40 + 60 + 150,
      duplicateKeys: [
        { key: masked(pnrOf(dupPnr)), accounts: [dnOf(dupA.cn), dnOf(dupB.cn)], kept: dnOf(dupA.cn) },
        { key: dupGuid.person_id, accounts: [dnOf(dupC.cn), dnOf(dupD.cn)], kept: dnOf(dupD.cn) },
      ].sort((a, b) => (a.key < b.key ? -1 : 1)),
    },
    protectedMarkers: [
      dnOf(hiddenA.cn),
      dnOf(hiddenB.cn),
      hiddenA.cn,
      hiddenB.cn,
      'prot-',
      hidden.person_id,
      pnrOf(hidden),
      masked(pnrOf(hidden)),
      hiddenA.mail!,
      hiddenB.mail!,
    ],
  };
}
