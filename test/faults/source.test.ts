/**
 * Faults at the source: SQL Server over TCP, through the real mssql client,
 * to the TDS test server. A run that cannot read all of ProCapita delivers
 * nothing and leaves the baseline as it was.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoFixture } from '../support/cli';
import { Site, closeAll, expectStopped, sqlSource, tdsServer } from './support';

afterEach(closeAll);

describe('the source fails mid-run', () => {
  it('the connection drops halfway through a table: exit 4, nothing uploaded, baseline unchanged', async () => {
    const fixture = demoFixture();
    const healthy = await tdsServer(fixture);
    const site = new Site(fixture, { source: sqlSource(healthy.port) });
    const before = await site.baseline();

    // The demo register sends 145 rows, person (41 rows) last: the 125th row is about half way through it.
    const dropping = await tdsServer(fixture, { dropAfterRows: 125 });
    site.configure({ source: sqlSource(dropping.port) });
    const rec = await site.deliverTo();
    const r = await site.run();

    expectStopped(site, rec, r, 'sourceUnavailable', before, /^error: The connection to SQL Server at 127\.0\.0\.1:\d+ was lost while reading person\. Nothing was written; run again/);
    expect(r.stdout).toBe('');
  });
});

type Break = (db: { exec(sql: string): unknown }, dir: string) => Record<string, unknown>;

const breaks: [string, Break, RegExp][] = [
  [
    'dropped from the table',
    (db) => {
      db.exec('ALTER TABLE person DROP COLUMN deceased');
      return {};
    },
    /^error: ProCapita table person lacks column deceased: this ProCapita version needs adapted queries \(see `procapita-sync help procapita-schema`\)$/,
  ],
  [
    "left out of the site's own query file",
    (_db, dir) => {
      const file = join(dir, 'persons.sql');
      writeFileSync(file, 'SELECT person_id, given_name, family_name, personal_number, email, protected_identity, deregistered\nFROM person\n');
      return { queries: { persons: file } };
    },
    /^error: Query persons \(.*persons\.sql\) returns no column deceased: each query must return the columns of the column contract/,
  ],
];

describe('a column the contract needs is gone', () => {
  it.each(breaks)('person.deceased %s: exit 5, nothing uploaded, baseline unchanged', async (_name, breakIt, message) => {
    const server = await tdsServer(demoFixture());
    const site = new Site(demoFixture(), { source: sqlSource(server.port) });
    const before = await site.baseline();

    site.configure({ source: sqlSource(server.port, breakIt(server.db, site.dir)) });
    const rec = await site.deliverTo();
    const r = await site.run();

    expectStopped(site, rec, r, 'schemaMismatch', before, message);
    expect(r.stdout).toBe('');
  });
});
