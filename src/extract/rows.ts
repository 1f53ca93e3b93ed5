import { AppError } from '../errors';
import { CONTRACT, type ColumnType, type QueryName, type Row } from './contract';
import { parseCalendarDate } from '../calendar-date';
import { joined, ours, safe, type SafeText } from '../safe-text';

/** A value in its contract form, or why it does not fit. Says what was expected and what kind of value came, never the value: it may be personal data. */
type Coerced = { ok: true; value: unknown } | { ok: false; expected: SafeText; found?: SafeText };

/** The kind of a value, for messages: never the value itself. */
const kindOf = (value: unknown): SafeText =>
  typeof value === 'string' ? (value.trim() === '' ? safe`empty text` : safe`text`) : value instanceof Date ? safe`an invalid date` : Array.isArray(value) ? safe`a list` : ours(typeof value);

function coerce(type: ColumnType, value: unknown): Coerced {
  const nullable = type.endsWith('?');
  if (value === null || value === undefined) {
    return nullable ? { ok: true, value: null } : { ok: false, expected: safe`a value (NULL is not allowed)` };
  }
  switch (type) {
    case 'id':
      // SQL Server returns uniqueidentifiers in upper case; ids compare case-insensitively.
      if (typeof value === 'string' && value.trim() !== '') return { ok: true, value: value.trim().toLowerCase() };
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value: String(value) };
      return { ok: false, expected: safe`an id (text or whole number)`, found: kindOf(value) };
    case 'text':
    case 'text?':
      return typeof value === 'string' ? { ok: true, value } : { ok: false, expected: safe`text`, found: kindOf(value) };
    case 'date?': {
      // Text from a fixture, or the UTC-midnight Date objects mssql returns for DATE columns: one parser, one range.
      const date = typeof value === 'string' || value instanceof Date ? parseCalendarDate(value) : undefined;
      if (date !== undefined) return { ok: true, value: date };
      return { ok: false, expected: safe`a date YYYY-MM-DD from 0001-01-01 to 9999-12-31`, found: typeof value === 'string' ? safe`text that is not a calendar date` : kindOf(value) };
    }
    case 'int?':
      return typeof value === 'number' && Number.isInteger(value)
        ? { ok: true, value }
        : { ok: false, expected: safe`a whole number`, found: kindOf(value) };
    case 'bit':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 0 || value === 1) return { ok: true, value: value === 1 };
      return { ok: false, expected: safe`a bit (true/false or 0/1)`, found: kindOf(value) };
  }
}

/**
 * Projects one raw row onto the contract columns of a query and checks the
 * types. `where` names the origin in messages, e.g. "fixture table person";
 * `index` counts from 0. A missing column stops the run: a changed schema
 * must never read as "no data".
 */
export function toContractRow<Q extends QueryName>(query: Q, item: unknown, index: number, where: SafeText): Row<Q> {
  const columns = Object.entries(CONTRACT[query].columns) as [SafeText, ColumnType][];
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}: expected an object with the columns ${joined(columns.map(([c]) => c), ', ')}`);
  }
  const record = item as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [column, type] of columns) {
    if (!(column in record)) {
      throw new AppError('schemaMismatch', safe`${where} lacks column ${column} (row ${index + 1}): see the column contract in docs/procapita-schema.md`);
    }
    const result = coerce(type, record[column]);
    if (!result.ok) {
      const found = result.found === undefined ? safe`` : safe` (found ${result.found})`;
      throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}, column ${column}: expected ${result.expected}${found}`);
    }
    row[column] = result.value;
  }
  return row as Row<Q>;
}

export function toContractRows<Q extends QueryName>(query: Q, raw: readonly unknown[], where: SafeText): Row<Q>[] {
  return raw.map((item, index) => toContractRow(query, item, index, where));
}
