import type { RuleConfig } from '../configure/config';
import type { Snapshot } from '../deliver/snapshot';
import type { SourceRows } from '../extract/contract';
import { AppError } from '../errors';
import { comparableDigits, findPersonalNumbers } from '../personal-number';
import { joined, ours, safe, type SafeText } from '../safe-text';

/** The kinds of exported text the gate searches, in the order its message lists them. */
const FIELD_KINDS = ['school codes', 'school names', 'given names', 'family names', 'e-mail local parts', 'e-mail domains', 'group names', 'personnummer fields'] as const;
type FieldKind = (typeof FIELD_KINDS)[number];

/**
 * The free-text fields, where a personnummer typed into ProCapita, a mapping
 * table or AD could ride along, each passed to `each` with its kind. Ids are
 * ProCapita's GUIDs and not searched: an all-digit stretch of a GUID could
 * match a number by chance.
 */
function texts(snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>, withNumbers: boolean, each: (kind: FieldKind, text: string) => void): void {
  for (const s of snapshot.schools) {
    each('school codes', s.code);
    each('school names', s.name);
  }
  for (const p of snapshot.persons) {
    each('given names', p.givenName);
    each('family names', p.familyName);
    if (p.email) {
      const at = p.email.lastIndexOf('@');
      each('e-mail local parts', at < 0 ? p.email : p.email.slice(0, at));
      if (at >= 0) each('e-mail domains', p.email.slice(at + 1));
    }
    if (withNumbers && p.personalNumber) each('personnummer fields', p.personalNumber);
  }
  for (const g of snapshot.groups) each('group names', g.name);
}

/** Every writing findPersonalNumbers knows ends in four digits: a text without four in a row holds none, and is not searched. */
const FOUR_DIGITS = /\d{4}/;

/**
 * The last step before any sink: a second, independent line behind the
 * rules. It checks the outgoing snapshot against the source rows, not
 * against the decisions, so a bug in the rules cannot fool it. Its message
 * counts, never names: what it guards must not leak through it.
 *
 * With personnummer not exported, no text may hold one, whoever's it is (a
 * guardian's, or someone's not in ProCapita), in any common writing; only
 * `allowPersonalNumberInEmail` lets e-mail local parts hold them. With them
 * exported, no text, their own field included, may hold a protected person's.
 */
export function checkPrivacy(
  snapshot: Pick<Snapshot, 'schools' | 'persons' | 'groups'>,
  rows: Pick<SourceRows, 'persons'>,
  rules: Pick<RuleConfig, 'exportPersonalNumber' | 'allowPersonalNumberInEmail'>,
): void {
  // Unknown (NULL) levels count as protected, as in the rules.
  const shielded = new Set<string>();
  for (const p of rows.persons) if (p.protected_identity !== 0) shielded.add(p.person_id);
  const problems: SafeText[] = [];

  const persons = snapshot.persons.filter((p) => shielded.has(p.id)).length;
  if (persons > 0) problems.push(safe`${persons} person(s) with a protected or unknown identity level`);
  let members = 0;
  for (const g of snapshot.groups) {
    for (const id of g.teacherIds) if (shielded.has(id)) members++;
    for (const id of g.studentIds) if (shielded.has(id)) members++;
  }
  if (members > 0) problems.push(safe`${members} group membership(s) of such persons`);

  if (!rules.exportPersonalNumber && snapshot.persons.some((p) => 'personalNumber' in p)) {
    problems.push(safe`a personnummer field although the configuration does not export them`);
  }

  // Up to here: what only a bug can cause. From here: what a value in the data can.
  const bugs = problems.length;
  const protectedNumbers = new Set(rows.persons.filter((p) => shielded.has(p.person_id) && p.personal_number).map((p) => comparableDigits(p.personal_number!)));
  const counts = new Map<FieldKind, number>();
  texts(snapshot, rules.exportPersonalNumber, (kind, text) => {
    if (!FOUR_DIGITS.test(text)) return;
    for (const digits of findPersonalNumbers(text)) {
      const allowed = rules.exportPersonalNumber || (kind === 'e-mail local parts' && rules.allowPersonalNumberInEmail);
      if (allowed && !protectedNumbers.has(digits)) continue;
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
  });
  const inFields = FIELD_KINDS.filter((k) => counts.has(k)).map((k, i) => (i === 0 ? safe`${counts.get(k)!} personnummer in ${ours(k)}` : safe`${counts.get(k)!} in ${ours(k)}`));
  if (inFields.length > 0) problems.push(joined(inFields, ', '));

  if (problems.length > 0) {
    const advice: SafeText[] = [];
    if (bugs > 0) {
      advice.push(safe`This is a bug in procapita-sync or an unexpected value in ProCapita: please report it with this message.`);
    }
    if (inFields.length > 0) {
      advice.push(
        counts.has('e-mail local parts') && !rules.exportPersonalNumber && !rules.allowPersonalNumberInEmail
          ? safe`Remove the personnummer from those fields in ProCapita, the mapping table or Active Directory. If your e-mail addresses are built from personnummer on purpose, see export.allowPersonalNumberInEmail in \`procapita-sync help configuration\`.`
          : safe`Remove the personnummer from those fields in ProCapita, the mapping table or Active Directory.`,
      );
    }
    throw new AppError('privacyGate', safe`Privacy gate stopped the run: the outgoing snapshot held ${joined(problems, '; ')}. Nothing was delivered. ${joined(advice, ' ')}`);
  }
}
