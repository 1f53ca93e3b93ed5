import { AppError } from '../errors';
import { readJsonFile } from '../json-file';
import { CONTRACT, QUERY_NAMES, type SourceRows } from './contract';
import { contractRowReader, toContractRows } from './rows';
import { count, given, joined, ours, safe, type SafeText } from '../safe-text';

const TABLES = new Set<string>(QUERY_NAMES.map((q) => CONTRACT[q].table));

/**
 * Turns a parsed fixture (one array of rows per table of our schema model,
 * see docs/fixtures.md) into contract rows. Every default query is a plain
 * projection of its table, so this yields what the SQL source yields.
 */
export function fixtureToRows(fixture: unknown, name: SafeText): SourceRows {
  if (fixture === null || typeof fixture !== 'object' || Array.isArray(fixture)) {
    throw new AppError('schemaMismatch', safe`${name}: a fixture is a JSON object with one array per table (see \`procapita-sync help fixtures\`)`);
  }
  const tables = fixture as Record<string, unknown>;
  const unknown = Object.keys(tables).filter((t) => !TABLES.has(t) && !t.startsWith('$'));
  if (unknown.length > 0) {
    throw new AppError('schemaMismatch', safe`${name}: ${count(unknown.length, 'unknown table')} (the tables are ${joined([...TABLES].map(ours), ', ')})`);
  }
  const rows: Record<string, unknown> = {};
  const toRow = contractRowReader();
  for (const query of QUERY_NAMES) {
    const table = CONTRACT[query].table;
    const raw = tables[table];
    if (!Array.isArray(raw)) {
      throw new AppError('schemaMismatch', safe`${name} lacks table ${table} (an array of rows; it may be empty): see \`procapita-sync help fixtures\``);
    }
    rows[query] = toContractRows(query, raw, safe`${name} table ${table}`, toRow);
  }
  return rows as SourceRows;
}

export async function readFixture(path: string): Promise<SourceRows> {
  const data = await readJsonFile(path, safe`Fixture ${given(path)}`, { read: 'sourceUnavailable', parse: 'schemaMismatch' }, safe`Check source.path in the configuration.`, { duplicateKeys: 'line' });
  return fixtureToRows(data, safe`Fixture ${given(path)}`);
}
