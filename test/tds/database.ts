import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';

/** The schema model of docs/procapita-schema.md, as SQL Server DDL; test/docs checks the two are the same. */
export const MODEL_DDL = readFileSync(new URL('./procapita-model.sql', import.meta.url), 'utf8');

/** SQLite has no NVARCHAR(MAX); TEXT keeps the declared type readable for the server's type mapping. */
export const toSqliteDdl = (ddl: string): string => ddl.replace(/nvarchar\(max\)/gi, 'TEXT');

type Fixture = Record<string, readonly Record<string, unknown>[]>;

/**
 * A ProCapita-shaped SQLite database from a fixture (docs/fixtures.md).
 * Dates are stored as 'YYYY-MM-DD' text, bits as 0/1, GUIDs as upper-case text as SQL Server shows them.
 */
export function openFixtureDatabase(fixture: Fixture, file = ':memory:'): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(toSqliteDdl(MODEL_DDL));
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  const load = db.transaction(() => {
    for (const table of tables) {
      const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string; type: string }[]);
      const insert = db.prepare(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      for (const row of fixture[table] ?? []) {
        insert.run(
          columns.map(({ name, type }) => {
            const v = row[name];
            if (v === undefined || v === null) return null;
            if (typeof v === 'boolean') return v ? 1 : 0;
            if (/uniqueidentifier/i.test(type) && typeof v === 'string') return v.toUpperCase();
            return v;
          }),
        );
      }
    }
  });
  load();
  return db;
}
