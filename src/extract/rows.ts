import { AppError } from '../errors';
import { CONTRACT, type ColumnType, type QueryName, type Row } from './contract';
import { parseCalendarDate } from '../calendar-date';
import { joined, ours, safe, type SafeText } from '../safe-text';

/** A value that does not fit its column. A sentinel, not an object per value: a read coerces millions of them. */
const MISFIT = Symbol('misfit');
type Coerce = (value: unknown) => unknown;

/** The kind of a value, for messages: never the value itself. */
const kindOf = (value: unknown): SafeText =>
  typeof value === 'string' ? (value.trim() === '' ? safe`empty text` : safe`text`) : value instanceof Date ? safe`an invalid date` : Array.isArray(value) ? safe`a list` : ours(typeof value);

/** What a column of each type expects, for messages. */
const EXPECTED: Record<ColumnType, SafeText> = {
  id: safe`an id (text or whole number)`,
  text: safe`text`,
  'text?': safe`text`,
  'date?': safe`a date YYYY-MM-DD from 0001-01-01 to 9999-12-31`,
  'int?': safe`a whole number`,
  bit: safe`a bit (true/false or 0/1)`,
};

/** Why a value does not fit its column: what was expected and what kind of value came, never the value (it may be personal data). */
function misfit(type: ColumnType, value: unknown): SafeText {
  if (value === null || value === undefined) return safe`a value (NULL is not allowed)`;
  const found = type === 'date?' && typeof value === 'string' ? safe`text that is not a calendar date` : kindOf(value);
  return safe`${EXPECTED[type]} (found ${found})`;
}

/**
 * The coercers of one read of the source. They share one string per distinct
 * id and date across all its rows: a person's GUID recurs in many rows and
 * the same few hundred dates in all of them. Shared, the ids of large take
 * 50 MB less, and every later Map lookup hashes each id once. The ids are
 * kept in an object used as a dictionary, not a Map: V8 looks them up in its
 * own string table, a third faster at 300,000 ids (docs/performance.md).
 */
function coercers(): Record<ColumnType, Coerce> {
  const ids = Object.create(null) as Record<string, string>;
  /** By the text, or by the time of mssql's Date; null for a value that is no calendar date. */
  const datesByText = new Map<string, string | null>();
  const datesByTime = new Map<number, string | null>();
  const text: Coerce = (value) => (typeof value === 'string' ? value : MISFIT);
  return {
    id: (value) => {
      if (typeof value === 'string') {
        let id = ids[value];
        if (id === undefined) {
          // Ids compare case-insensitively (the SQL source asks tedious for lower-case GUIDs, so this copies nothing there).
          id = value.trim().toLowerCase();
          if (id === '') return MISFIT;
          ids[value] = id;
        }
        return id;
      }
      return typeof value === 'number' && Number.isInteger(value) ? String(value) : MISFIT;
    },
    text,
    'text?': (value) => (value === null || value === undefined ? null : text(value)),
    // Text from a fixture, or the UTC-midnight Date objects mssql returns for DATE columns: one parser, one range.
    'date?': (value) => {
      if (value === null || value === undefined) return null;
      let date: string | null | undefined;
      if (value instanceof Date) {
        const time = value.getTime();
        date = datesByTime.get(time);
        if (date === undefined) datesByTime.set(time, (date = parseCalendarDate(value) ?? null));
      } else if (typeof value === 'string') {
        date = datesByText.get(value);
        if (date === undefined) datesByText.set(value, (date = parseCalendarDate(value) ?? null));
      }
      return typeof date === 'string' ? date : MISFIT;
    },
    'int?': (value) => (value === null || value === undefined ? null : typeof value === 'number' && Number.isInteger(value) ? value : MISFIT),
    bit: (value) => (typeof value === 'boolean' ? value : value === 0 || value === 1 ? value === 1 : MISFIT),
  };
}

const columnsOf = Object.fromEntries(Object.entries(CONTRACT).map(([query, c]) => [query, Object.entries(c.columns)])) as Record<QueryName, [SafeText, ColumnType][]>;

/**
 * A function that makes a query's row as one object literal of its columns.
 * Its properties then sit inside the object. A copy of one template object
 * for every query made V8's copying go generic after the fourth query, and
 * the rows of the rest (persons, placements, activities, employments) kept
 * half their columns in a second store: 19 MB more on a large municipality.
 * The names are the contract's own column names, never data.
 */
function rowMaker(names: readonly string[]): (values: readonly unknown[]) => Record<string, unknown> {
  if (!names.every((n) => /^[a-z_]+$/.test(n))) throw new Error('a contract column name is not a plain identifier'); // a bug in CONTRACT
  return new Function('v', `return { ${names.map((n, i) => `${n}: v[${i}]`).join(', ')} };`) as (values: readonly unknown[]) => Record<string, unknown>;
}

export type ContractRowReader = <Q extends QueryName>(query: Q, item: unknown, index: number, where: SafeText) => Row<Q>;

/**
 * Projects raw rows onto the contract columns of their query and checks the
 * types; one reader serves one read of the source. `where` names the origin
 * in messages, e.g. "fixture table person"; `index` counts from 0. A missing
 * column stops the run: a changed schema must never read as "no data".
 */
export function contractRowReader(): ContractRowReader {
  const coerce = coercers();
  // Per query, its column names and their coercers in contract order, so each row is built with the same keys in the same order.
  const plans = Object.fromEntries(
    Object.entries(columnsOf).map(([query, columns]) => {
      const names = columns.map(([c]) => c);
      return [query, { names, types: columns.map(([, t]) => t), coerce: columns.map(([, t]) => coerce[t]), make: rowMaker(names), values: new Array<unknown>(names.length) }];
    }),
  ) as Record<QueryName, { names: SafeText[]; types: ColumnType[]; coerce: Coerce[]; make: (values: readonly unknown[]) => Record<string, unknown>; values: unknown[] }>;
  return <Q extends QueryName>(query: Q, item: unknown, index: number, where: SafeText): Row<Q> => {
    const plan = plans[query];
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}: expected an object with the columns ${joined(plan.names, ', ')}`);
    }
    const record = item as Record<string, unknown>;
    const values = plan.values;
    for (let i = 0; i < plan.names.length; i++) {
      const column = plan.names[i]!;
      const raw = record[column];
      const value = plan.coerce[i]!(raw);
      if (value === MISFIT || (raw === undefined && !(column in record))) {
        if (!(column in record)) throw new AppError('schemaMismatch', safe`${where} lacks column ${column} (row ${index + 1}): see the column contract in \`procapita-sync help procapita-schema\``);
        throw new AppError('schemaMismatch', safe`${where}, row ${index + 1}, column ${column}: expected ${misfit(plan.types[i]!, raw)}`);
      }
      values[i] = value;
    }
    return plan.make(values) as Row<Q>;
  };
}

export function toContractRows<Q extends QueryName>(query: Q, raw: readonly unknown[], where: SafeText, toRow: ContractRowReader = contractRowReader()): Row<Q>[] {
  return raw.map((item, index) => toRow(query, item, index, where));
}
