import type { Config } from '../configure/config';
import type { SafeText } from '../safe-text';
import type { Credentials } from '../configure/credentials';
import type { CalendarDate, SourceRows } from './contract';
import { readFixture } from './fixture-source';
import { readSqlSource } from './sql-source';

export interface SourceContext {
  readonly credentials: Credentials;
  readonly syncDate: CalendarDate;
  /** Progress and facts worth keeping (which isolation level was used, rows per second). */
  readonly log: (line: SafeText) => void;
}

/** The extract stage's one entry: rows per named query, whichever source the configuration names. */
export async function readSource(source: Config['source'], context: SourceContext): Promise<SourceRows> {
  return source.type === 'fixture' ? readFixture(source.path) : readSqlSource(source, context.credentials, context.syncDate, context.log);
}
