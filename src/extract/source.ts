import type { Config } from '../configure/config';
import type { Credentials } from '../configure/credentials';
import { given, safe, type SafeText } from '../safe-text';
import { CONTRACT, queryPlace, type CalendarDate, type QueryName } from './contract';
import { resolveDuplicates, type Resolved } from './duplicates';
import { readFixture } from './fixture-source';
import { readSqlSource } from './sql-source';

export interface SourceContext {
  readonly credentials: Credentials;
  readonly syncDate: CalendarDate;
  /** Progress and facts worth keeping (which isolation level was used, rows per second). */
  readonly log: (line: SafeText) => void;
  /** The run's deadline: the read stops, and its connection closes, when it aborts. */
  readonly signal?: AbortSignal;
}

/** A query's origin in messages: the site's query file, the ProCapita table, or the fixture's table. */
function origin(source: Config['source'], query: QueryName): SafeText {
  return source.type === 'fixture' ? safe`Fixture ${given(source.path)} table ${CONTRACT[query].table}` : queryPlace(query, source.queries[query]);
}

/**
 * The extract stage's one entry: rows per named query, whichever source the
 * configuration names, with one row per key (src/extract/duplicates.ts), and
 * the warnings about what had to be resolved.
 */
export async function readSource(config: Pick<Config, 'source'> & { readonly rules: Pick<Config['rules'], 'schools'> }, context: SourceContext): Promise<Resolved> {
  const { source } = config;
  if (source.type === 'sql') return readSqlSource(source, config.rules.schools, context.credentials, context.syncDate, context.log, context.signal);
  return resolveDuplicates(await readFixture(source.path), config.rules.schools, (query) => origin(source, query));
}
