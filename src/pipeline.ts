/**
 * The flow, in order: configure → extract → decide → enrich → guard → deliver → report.
 * Everything between extract and deliver is pure; the edges do the I/O.
 */
import type { Config } from './configure/config';
import { decide, type Decisions } from './decide/decide';
import { cleanNames } from './decide/clean-names';
import { buildRoster, type Roster } from './decide/roster';
import { emailResolver, resolveEmails, type EmailStats } from './enrich/email';
import { loadMapping, type MappingStatus, type RefreshMode } from './enrich/ad-refresh';
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
  /** The mapping table this run used, and tonight's refresh; absent without email.mappingFile. */
  readonly mapping?: MappingStatus;
}

/** Whether email.ad.refresh "nightly" rebuilds the table in this call (the run, and its preview in memory); others use the table as it is. */
export interface PrepareContext extends Omit<SourceContext, 'syncDate'> {
  readonly refreshMapping?: { readonly mode: RefreshMode; readonly now: () => Date };
}

/** Test-only: lets a test play a bug in the rules, to prove the gates behind them catch it. */
export interface Hooks {
  readonly afterDecide?: (decisions: Decisions, rows: SourceRows) => Decisions;
}

/** Extract, decide and enrich: everything before the guard stage. */
export async function prepare(config: Config, syncDate: CalendarDate, context: PrepareContext, hooks: Hooks = {}): Promise<Prepared> {
  const { refreshMapping, ...source } = context;
  let read: Resolved | undefined = await readSource(config, { ...source, syncDate });
  const { rows, warnings: extractWarnings } = read;
  // After the read: the rebuild matches the directory's keys against ProCapita's persons.
  const mapping = await loadMapping(config, rows.persons, syncDate, { credentials: context.credentials, log: context.log, now: refreshMapping?.now ?? (() => new Date()) }, refreshMapping?.mode ?? 'none');
  const addressOf = emailResolver(mapping.table, syncDate);
  const decided = decide(rows, config.rules, syncDate, addressOf, read.positions);
  // The positions' maps (8 MB on large) are not kept past decide.
  read = undefined;
  const decisions = hooks.afterDecide ? hooks.afterDecide(decided, rows) : decided;
  const cleaned = cleanNames(buildRoster(decisions, rows, config.rules));
  const { roster, stats } = resolveEmails(cleaned.roster, rows.persons, addressOf);
  // Counted with the decisions' warnings: the summary, the log and last-run.json show them all.
  const more = [...(mapping.warning ? [mapping.warning] : []), ...cleaned.warnings];
  const warned = more.length > 0 ? { ...decisions, warnings: [...decisions.warnings, ...more] } : decisions;
  return { rows, extractWarnings, decisions: warned, roster, email: stats, ...(mapping.status ? { mapping: mapping.status } : {}) };
}
