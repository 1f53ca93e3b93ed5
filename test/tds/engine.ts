/**
 * Runs the T-SQL the TDS test server receives on SQLite, and makes SQLite's
 * answers look like SQL Server's: column types, error numbers, a few rewrites.
 */
import type Database from 'better-sqlite3';
import { SqlError, TYPES, type ColumnType, unsupported } from './wire';

/**
 * Every place T-SQL and SQLite differ for the SQL this server runs. Keep it
 * short: the product's SQL stays in a subset both run the same way
 * (docs/procapita-schema.md), so each entry is for a site's own query style.
 */
export const REWRITES: readonly { from: RegExp; to: string; why: string }[] = [
  { from: /(?:\[dbo\]|\bdbo)\./gi, to: '', why: "SQLite has no schemas; ProCapita's tables are in dbo" },
  { from: /\bN'/g, to: "'", why: "N'…' marks a Unicode literal in T-SQL; every SQLite string is Unicode" },
];

/** SQLite's (and better-sqlite3's) messages, as the SQL Server errors clients act on. */
const ERRORS: readonly [RegExp, (m: RegExpExecArray) => SqlError][] = [
  [/^no such table: (.+)$/, (m) => new SqlError(208, 16, `Invalid object name '${m[1]}'.`)],
  [/^no such column: (?:.+\.)?(.+)$/, (m) => new SqlError(207, 16, `Invalid column name '${m[1]}'.`)],
  [/^near "(.*)": syntax error$/, (m) => new SqlError(102, 15, `Incorrect syntax near '${m[1]}'.`)],
  [/^incomplete input$/, () => new SqlError(102, 15, 'Incorrect syntax near the end of the statement.')],
  [/^Missing named parameter "(.+)"$/, (m) => new SqlError(137, 15, `Must declare the scalar variable "@${m[1]}".`)],
  [/more than one statement/, () => unsupported('more than one statement in a request')],
];

export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  for (const [pattern, make] of ERRORS) {
    const m = pattern.exec(message);
    if (m) return make(m);
  }
  return new SqlError(50000, 16, `SQLite: ${message}`);
}

export function prepare(db: Database.Database, text: string): Database.Statement {
  const sql = REWRITES.reduce((s, r) => s.replace(r.from, r.to), text);
  try {
    const stmt = db.prepare(sql);
    return stmt.reader ? stmt.raw(true) : stmt; // arrays, not objects: duplicate column names must survive
  } catch (err) {
    throw toSqlError(err);
  }
}

/** The first denied table the statement reads (FROM or JOIN), as SQL Server's permission error. */
export function deniedTable(text: string, denied: readonly string[], database: string): SqlError | undefined {
  for (const m of text.matchAll(/\b(?:from|join)\s+(?:\[?dbo\]?\.)?\[?(\w+)\]?/gi)) {
    if (denied.some((t) => t.toLowerCase() === m[1]!.toLowerCase())) {
      return new SqlError(229, 14, `The SELECT permission was denied on the object '${m[1]}', database '${database}', schema 'dbo'.`);
    }
  }
  return undefined;
}

/** SQL Server's type for a declared column type; the DDL (procapita-model.sql) uses SQL Server's names. */
function declaredType(declared: string): ColumnType | undefined {
  const t = declared.toLowerCase().replace(/\s+/g, '');
  const sized = /^n?(?:var)?char\((\d+)\)$/.exec(t);
  if (sized) return TYPES.nvarchar(Number(sized[1]));
  if (/char|text|clob/.test(t)) return TYPES.nvarchar(0); // TEXT is how SQLite spells NVARCHAR(MAX)
  const exact: Record<string, ColumnType> = { uniqueidentifier: TYPES.guid, date: TYPES.date, bit: TYPES.bit, tinyint: TYPES.tinyint, bigint: TYPES.bigint };
  if (exact[t]) return exact[t];
  if (/int/.test(t)) return TYPES.int;
  if (/real|floa|doub|dec|num|money/.test(t)) return TYPES.float;
  return undefined; // e.g. datetime: sent as text below
}

/** An expression has no declared type: judge by its first value, else text. */
function inferredType(v: unknown): ColumnType {
  if (typeof v === 'bigint') return TYPES.bigint;
  if (typeof v === 'number') return !Number.isInteger(v) ? TYPES.float : Math.abs(v) < 2 ** 31 ? TYPES.int : TYPES.bigint;
  if (Buffer.isBuffer(v)) throw unsupported('binary columns');
  return TYPES.nvarchar(0);
}

/**
 * `CAST(… AS bit) AS deregistered` is how a site's query makes a flag
 * (docs/procapita-schema.md). SQLite forgets the cast's type, so read it off the text.
 */
function castTypes(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of text.matchAll(/\bAS\s+(\w+(?:\s*\(\s*\w+\s*\))?)\s*\)\s*(?:AS\s+)?\[?(\w+)\]?/gi)) found.set(m[2]!.toLowerCase(), m[1]!);
  return found;
}

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
}

/** Result columns with SQL Server types. Works for zero rows too (the product's `… WHERE 1 = 0` schema probe). */
export function resultColumns(stmt: Database.Statement, text: string, first: readonly unknown[] | undefined): Column[] {
  const casts = castTypes(text);
  return stmt.columns().map((c, i) => {
    const declared = c.type ?? casts.get(c.name.toLowerCase());
    return { name: c.name, type: (declared && declaredType(declared)) || inferredType(first?.[i]) };
  });
}
