import { AppError } from '../errors';
import { CONTRACT, type ColumnType, type QueryName, type Row } from './contract';
import { parseCalendarDate } from '../calendar-date';
import { joined, ours, safe, type SafeText } from '../safe-text';

/** A value in its contract form, or why it does not fit. Says what was expected and what kind of value came, never the value: it may be personal data. */
type Coerced = { ok: true; value: unknown } | { ok: false; expected: SafeText; found?: SafeText };

/** The kind of a value, for messages: never the value itself. */
const kindOf = (value: unknown): SafeText =>
  typeof value === 'string' ? (value.trim() === '' ? safe`empty text` : safe`text`) : value instanceof Date ? safe`an invalid date` : Array.isArray(value) ? safe`a list` : ours(typeof value);

/**
 * One string per distinct id and date across all the rows of a read: a
 * person's GUID recurs in many rows and the same few hundred dates in all of
 * them, so at 500,000 rows sharing them saves memory and the collector's time.
 */
interface Shared {
  /** By the value as it came (SQL Server's upper-case GUID), to the id in its contract form. */
  readonly ids: Map<string, string>;
  /** By the text, or by the time of mssql's Date; null for a value that is no calendar date. */
  readonly datesByText: Map<string, string | null>;
  readonly datesByTime: Map<number, string | null>;
}

function coerce(type: ColumnType, value: unknown, shared: Shared): Coerced {
  const nullable = type.endsWith('?');
  if (value === null || value === undefined) {
    return nullable ? { ok: true, value: null } : { ok: false, expected: safe`a value (NULL is not allowed)` };
  }
  switch (type) {
    case 'id': {
      if (typeof value === 'number' && Number.isInteger(value)) return { ok: true, value: String(value) };
      if (typeof value !== 'string') return { ok: false, expected: safe`an id (text or whole number)`, found: kindOf(value) };
      let id = shared.ids.get(value);
      if (id === undefined) {
        // SQL Server returns uniqueidentifiers in upper case; ids compare case-insensitively.
        id = value.trim().toLowerCase();
        if (id === '') return { ok: false, expected: safe`an id (text or whole number)`, found: kindOf(value) };
        shared.ids.set(value, id);
      }
      return { ok: true, value: id };
    }
    case 'text':
    case 'text?':
      return typeof value === 'string' ? { ok: true, value } : { ok: false, expected: safe`text`, found: kindOf(value) };
    case 'date?': {
      // Text from a fixture, or the UTC-midnight Date objects mssql returns for DATE columns: one parser, one range.
      let date: string | null | undefined;
      if (value instanceof Date) {
        const time = value.getTime();
        date = shared.datesByTime.get(time);
        if (date === undefined) shared.datesByTime.set(time, (date = parseCalendarDate(value) ?? null));
      } else if (typeof value === 'string') {
        date = shared.datesByText.get(value);
        if (date === undefined) shared.datesByText.set(value, (date = parseCalendarDate(value) ?? null));
      }
      if (typeof date === 'string') return { ok: true, value: date };
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

const columnsOf = Object.fromEntries(Object.entries(CONTRACT).map(([query, c]) => [query, Object.entries(c.columns)])) as Record<QueryName, [SafeText, ColumnType][]>;

export type ContractRowReader = <Q extends QueryName>(query: Q, item: unknown, index: number, where: SafeText) => Row<Q>;

/**
 * Projects raw rows onto the contract columns of their query and checks the
 * types; one reader serves one read of the source. `where` names the origin
 * in messages, e.g. "fixture table person"; `index` counts from 0. A missing
 * column stops the run: a changed schema must never read as "no data".
 */
export function contractRowReader(): ContractRowReader {
  const shared: Shared = { ids: new Map(), datesByText: new Map(), datesByTime: new Map() };
  return <Q extends QueryName>(query: Q, item: unknown, index: number, where: SafeText): Row<Q> => {
    const columns = columnsOf[query];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}: expected an object with the columns ${joined(columns.map(([c]) => c), ', ')}`);
    }
    const record = item as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const [column, type] of columns) {
      if (!(column in record)) {
        throw new AppError('schemaMismatch', safe`${where} lacks column ${column} (row ${index + 1}): see the column contract in docs/procapita-schema.md`);
      }
      const result = coerce(type, record[column], shared);
      if (!result.ok) {
        const found = result.found === undefined ? safe`` : safe` (found ${result.found})`;
        throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}, column ${column}: expected ${result.expected}${found}`);
      }
      row[column] = result.value;
    }
    return row as Row<Q>;
  };
}

export function toContractRows<Q extends QueryName>(query: Q, raw: readonly unknown[], where: SafeText, toRow: ContractRowReader = contractRowReader()): Row<Q>[] {
  return raw.map((item, index) => toRow(query, item, index, where));
}
