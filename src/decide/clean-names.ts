import { CONTRACT } from '../extract/contract';
import { withoutUnsafeCharacters } from '../printable';
import { count, ours, safe, type SafeText } from '../safe-text';
import type { Roster } from './roster';

/**
 * What the snapshot does with control characters in names: they are
 * removed. School codes and names, given and family names and group names
 * lose C0/C1 controls, terminal escape sequences and bidi controls (a
 * white-space control becomes a space). A receiving service shows these
 * names to people; a name is still a name without them, so the person stays.
 * Each column that needed it gets one warning with a count, never a value.
 */
export function cleanNames(roster: Roster): { roster: Roster; warnings: SafeText[] } {
  const cleaned = new Map<string, number>();
  const clean = (column: string, text: string): string => {
    const result = withoutUnsafeCharacters(text);
    if (result !== text) cleaned.set(column, (cleaned.get(column) ?? 0) + 1);
    return result;
  };
  const unit = CONTRACT.schoolUnits.table;
  const person = CONTRACT.persons.table;
  const groupTable = { class: CONTRACT.classes.table, teaching: CONTRACT.activities.table } as const;
  const result: Roster = {
    ...roster,
    schools: roster.schools.map((s) => ({ ...s, code: clean(`${unit}.unit_code`, s.code), name: clean(`${unit}.name`, s.name) })),
    persons: roster.persons.map((p) => ({ ...p, givenName: clean(`${person}.given_name`, p.givenName), familyName: clean(`${person}.family_name`, p.familyName) })),
    groups: roster.groups.map((g) => ({ ...g, name: clean(`${groupTable[g.kind]}.name`, g.name) })),
  };
  const warnings = [...cleaned].map(
    ([column, n]) => safe`${count(n, 'value')} in ${ours(column)} held control characters, escape sequences or bidi controls; they were removed in the snapshot`,
  );
  return { roster: result, warnings };
}
