import type { RuleConfig } from '../configure/config';
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { AppError } from '../errors';
import { comparableDigits } from '../personal-number';
import { joined, safe, type SafeText } from '../safe-text';

/** A personnummer-shaped run of digits anywhere in a text: 10 or 12 digits, with or without `-` or `+`. */
const NUMBER_IN_TEXT = /(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)/g;

/**
 * The free-text fields, where a personnummer typed into ProCapita could ride
 * along. Ids are ProCapita's GUIDs and not searched: an all-digit stretch of
 * a GUID could match a number by chance.
 */
function* texts(snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>, withNumbers: boolean): Generator<string> {
  for (const s of snapshot.schools) yield* [s.code, s.name];
  for (const p of snapshot.persons) {
    yield* [p.givenName, p.familyName];
    if (p.email) yield p.email;
    if (withNumbers && p.personalNumber) yield p.personalNumber;
  }
  for (const g of snapshot.groups) yield g.name;
}

/**
 * The last step before any sink: a second, independent line behind the
 * rules. It checks the outgoing snapshot against the source rows, not
 * against the decisions, so a bug in the rules cannot fool it. Its message
 * counts, never names: what it guards must not leak through it.
 */
export function checkPrivacy(snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>, rows: SourceRows, rules: Pick<RuleConfig, 'exportPersonalNumber'>): void {
  // Unknown (NULL) levels count as protected, as in the rules.
  const shielded = new Set(rows.persons.filter((p) => p.protected_identity !== 0).map((p) => p.person_id));
  const problems: SafeText[] = [];

  const persons = snapshot.persons.filter((p) => shielded.has(p.id)).length;
  if (persons > 0) problems.push(safe`${persons} person(s) with a protected or unknown identity level`);
  const members = snapshot.groups.reduce((n, g) => n + [...g.teacherIds, ...g.studentIds].filter((id) => shielded.has(id)).length, 0);
  if (members > 0) problems.push(safe`${members} group membership(s) of such persons`);

  if (!rules.exportPersonalNumber && snapshot.persons.some((p) => 'personalNumber' in p)) {
    problems.push(safe`a personnummer field although the configuration does not export them`);
  }
  // Anywhere else in the text (a name, an address): with export off no one's number may appear; with it on, no protected person's.
  const watched = new Set(
    rows.persons.filter((p) => p.personal_number && (!rules.exportPersonalNumber || shielded.has(p.person_id))).map((p) => comparableDigits(p.personal_number!)),
  );
  let found = 0;
  // With export on, the personnummer field itself is searched for protected persons' numbers.
  for (const text of texts(snapshot, rules.exportPersonalNumber)) for (const m of text.matchAll(NUMBER_IN_TEXT)) if (watched.has(comparableDigits(m[0]))) found++;
  if (found > 0) problems.push(safe`${found} personnummer in other fields`);

  if (problems.length > 0) {
    throw new AppError(
      'privacyGate',
      safe`Privacy gate stopped the run: the outgoing snapshot held ${joined(problems, '; ')}. Nothing was delivered. This is a bug in procapita-sync or an unexpected value in ProCapita: please report it with this message.`,
    );
  }
}
