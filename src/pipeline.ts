/**
 * The flow, in order: configure → extract → decide → enrich → guard → deliver → report.
 * Everything between extract and deliver is pure; the edges do the I/O.
 */
import type { Config } from './configure/config';
import { decide, type Decisions } from './decide/decide';
import { cleanNames } from './decide/clean-names';
import { buildRoster, type Roster } from './decide/roster';
import { emailResolver, resolveEmails, type EmailStats } from './enrich/email';
import { readMappingTable } from './enrich/mapping-table';
import type { CalendarDate, SourceRows } from './extract/contract';
import type { Resolved } from './extract/duplicates';
import { readSource, type SourceContext } from './extract/source';
import type { SafeText } from './safe-text';

export interface Prepared {
  readonly rows: SourceRows;
  /** What the extract stage had to resolve (duplicate rows), counted: for the log and last-run.json. */
  readonly extractWarnings: readonly SafeText[];
  readonly decisions: Decisions;
  readonly roster: Roster;
  readonly email: EmailStats;
}

/** Test-only: lets a test play a bug in the rules, to prove the gates behind them catch it. */
export interface Hooks {
  readonly afterDecide?: (decisions: Decisions, rows: SourceRows) => Decisions;
}

/** Extract, decide and enrich: everything before the guard stage. */
export async function prepare(config: Config, syncDate: CalendarDate, context: Omit<SourceContext, 'syncDate'>, hooks: Hooks = {}): Promise<Prepared> {
  let read: Resolved | undefined = await readSource(config, { ...context, syncDate });
  const { rows, warnings: extractWarnings } = read;
  const mapping = config.email.mappingFile ? await readMappingTable(config.email.mappingFile, syncDate) : undefined;
  const addressOf = emailResolver(mapping, syncDate);
  const decided = decide(rows, config.rules, syncDate, addressOf, read.positions);
  // The positions' maps (8 MB on large) are not kept past decide.
  read = undefined;
  const decisions = hooks.afterDecide ? hooks.afterDecide(decided, rows) : decided;
  const cleaned = cleanNames(buildRoster(decisions, rows, config.rules));
  const { roster, stats } = resolveEmails(cleaned.roster, rows.persons, addressOf);
  // Counted with the decisions' warnings: the summary, the log and last-run.json show them all.
  const warned = cleaned.warnings.length > 0 ? { ...decisions, warnings: [...decisions.warnings, ...cleaned.warnings] } : decisions;
  return { rows, extractWarnings, decisions: warned, roster, email: stats };
}
