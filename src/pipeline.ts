/**
 * The flow, in order: configure → extract → decide → enrich → guard → deliver → report.
 * Everything between extract and deliver is pure; the edges do the I/O.
 */
import type { Config } from './configure/config';
import { decide, type Decisions } from './decide/decide';
import { buildRoster, type Roster } from './decide/roster';
import { emailResolver, resolveEmails, type EmailStats } from './enrich/email';
import { readMappingTable } from './enrich/mapping-table';
import type { CalendarDate, SourceRows } from './extract/contract';
import { readSource, type SourceContext } from './extract/source';
import { checkPrivacy } from './guard/privacy';

export interface Prepared {
  readonly rows: SourceRows;
  readonly decisions: Decisions;
  readonly roster: Roster;
  readonly email: EmailStats;
}

/** Everything up to (not including) delivery. */
export async function prepare(config: Config, syncDate: CalendarDate, context: Omit<SourceContext, 'syncDate'>): Promise<Prepared> {
  const rows = await readSource(config.source, { ...context, syncDate });
  const mapping = config.email.mappingFile ? await readMappingTable(config.email.mappingFile, syncDate) : undefined;
  const addressOf = emailResolver(mapping, syncDate);
  const decisions = decide(rows, config.rules, syncDate, addressOf);
  const { roster, stats } = resolveEmails(buildRoster(decisions, rows, config.rules), rows.persons, addressOf);
  checkPrivacy(roster, rows, config.rules);
  return { rows, decisions, roster, email: stats };
}
