import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer, type TdsServerOptions } from '../tds/server';
import { generateMunicipality } from '../demo/generate';
import { DEMO_DATE, ROOT, TLS_CHECKS_OFF, demoFixture, runCli, snapshotText, tempDir, withTlsChecksOff, writeSetup } from '../support/cli';

const certs = join(ROOT, 'test/certs');
const tls = { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) };
const untrusted = { key: readFileSync(join(certs, 'untrusted.key')), cert: readFileSync(join(certs, 'untrusted.crt')) };
const PASSWORD = 'Läs-bara 2026!';
const env = { PROCAPITA_SQL_PASSWORD: PASSWORD };

let servers: TdsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(options: Partial<TdsServerOptions> = {}, fixture = demoFixture()) {
  const db = openFixtureDatabase(fixture);
  const server = await startTdsServer({ db, logins: { procapita_reader: PASSWORD }, tls, ...options });
  servers.push(server);
  return { server, db };
}

function sqlSource(port: number, extra: Record<string, unknown> = {}) {
  return { type: 'sql', host: '127.0.0.1', port, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', caFile: join(certs, 'ca.crt'), ...extra };
}

/** Runs `run` against a source; returns the result and the roster text (null when none was written). */
async function run(source: Record<string, unknown>, runEnv: NodeJS.ProcessEnv = env) {
  const { configPath, dir } = writeSetup(demoFixture(), { source });
  const out = join(dir, 'out');
  const result = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', out], undefined, runEnv);
  const roster = snapshotText(out);
  return { ...result, roster };
}

async function fixtureRoster(): Promise<string> {
  const r = await run({ type: 'fixture', path: 'municipality.json' });
  expect(r.code).toBe(0);
  return r.roster!;
}

describe.each([false, true, 'strict'] as const)('SQL source with encrypt: %s', (encrypt) => {
  it('gives exactly the roster the fixture source gives, read-only, in one snapshot transaction', async () => {
    const { server } = await serve();
    const r = await run(sqlSource(server.port, { encrypt }));
    expect(r.stderr).toMatch(/^Reading ProCapita in one transaction at SNAPSHOT isolation\.\nRead \d+ rows from ProCapita in [\d.]+ s \(\d+ rows\/s\)\.\n$/);
    expect(r.code).toBe(0);
    expect(r.roster).toBe(await fixtureRoster());
    expect(r.stdout).toContain('Total                                   15      6        5                5');

    // mssql's pool may open and drop a connection of its own; the reading is done on one.
    const sessions = server.sessions.filter((s) => s.statements.some((st) => !/^set /i.test(st)));
    expect(sessions).toHaveLength(1);
    const [session] = sessions;
    expect(session!.encrypted).toBe(encrypt !== false);
    expect(session!.strict).toBe(encrypt === 'strict');
    expect(session!.readOnlyIntent).toBe(true);
    expect(session!.isolationLevels).toEqual([5]);
    // The read transaction ends in a rollback, never a commit.
    expect(session!.transactionEnds).toEqual(['ROLLBACK']);
    const writes = session!.statements.filter((s) => !/^\s*(--[^\n]*\n\s*)*(SELECT|set )/i.test(s));
    expect(writes).toEqual([]);
  });
});

describe('SQL source on a generated municipality with history', () => {
  it('gives the roster the fixture source gives, although it leaves old rows and unlinked persons out', async () => {
    const { fixture, schools, syncDate } = generateMunicipality('small');
    const { server } = await serve({}, fixture as unknown as ReturnType<typeof demoFixture>);
    const { configPath: sqlConfig, dir } = writeSetup(fixture, { schools, source: sqlSource(server.port) });
    const { configPath: fixtureConfig } = writeSetup(fixture, { schools });
    const viaSql = await runCli(['run', '--config', sqlConfig, '--date', syncDate, '--out', join(dir, 'sql')], undefined, env);
    const viaFixture = await runCli(['run', '--config', fixtureConfig, '--date', syncDate, '--out', join(dir, 'fixture')]);
    expect(viaSql.code).toBe(0);
    expect(viaFixture.code).toBe(0);
    const read = (name: string) => snapshotText(join(dir, name))!;
    expect(JSON.parse(read('sql')).persons.length).toBeGreaterThan(250);
    expect(read('sql')).toBe(read('fixture'));
    // The history filter did leave rows out: fewer rows came over the wire than the tables hold.
    const tableRows = Object.entries(fixture).filter(([k]) => !k.startsWith('$')).reduce((n, [, rows]) => n + (rows as unknown[]).length, 0);
    const overTheWire = Number(/Read (\d+) rows/.exec(viaSql.stderr)![1]);
    expect(overTheWire).toBeLessThan(tableRows);
  });
});

describe('SQL source: dates mean what they mean in a fixture', () => {
  it('a year 0050 date (SQL Server\'s date goes back to 0001-01-01): fixture and SQL both take it, and give the same roster', async () => {
    const fixture = demoFixture();
    const cls = fixture.school_class!.find((c) => c.end_date !== null && (c.start_date as string) < DEMO_DATE)!;
    cls.start_date = '0050-08-17';
    const { server } = await serve({}, fixture);
    const { configPath: sqlConfig, dir } = writeSetup(fixture, { source: sqlSource(server.port) });
    const { configPath: fixtureConfig } = writeSetup(fixture);
    const viaSql = await runCli(['run', '--config', sqlConfig, '--date', DEMO_DATE, '--out', join(dir, 'sql')], undefined, env);
    const viaFixture = await runCli(['run', '--config', fixtureConfig, '--date', DEMO_DATE, '--out', join(dir, 'fixture')]);
    expect(viaFixture.stderr).toBe('');
    expect([viaSql.code, viaFixture.code]).toEqual([0, 0]);
    const read = (name: string) => snapshotText(join(dir, name))!;
    expect(read('sql')).toContain('"0050-08-17"');
    expect(read('sql')).toBe(read('fixture'));
  });
});

describe('SQL source: isolation, custom queries', () => {
  it('falls back to READ COMMITTED where snapshot isolation is not allowed, and says so', async () => {
    const { server } = await serve({ snapshotIsolation: false });
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Reading ProCapita in one transaction at READ COMMITTED isolation: the database does not allow snapshot isolation');
    expect(server.sessions.flatMap((s) => s.isolationLevels)).toEqual([5, 2]);
    expect(r.roster).toBe(await fixtureRoster());
  });

  it("reads a site's own query file for a renamed column, and checks it against the contract", async () => {
    const { server, db } = await serve();
    db.exec('ALTER TABLE person RENAME COLUMN email TO epost');
    const dir = tempDir();
    const file = join(dir, 'persons.sql');
    writeFileSync(file, 'SELECT person_id, given_name, family_name, personal_number, epost AS email, protected_identity, deregistered, deceased\nFROM person\n');
    const ok = await run(sqlSource(server.port, { queries: { persons: file } }));
    expect(ok.code).toBe(0);
    expect(ok.roster).toBe(await fixtureRoster());

    // One statement may end in a semicolon and comments: the schema check wraps the query without them.
    writeFileSync(file, 'SELECT person_id, given_name, family_name, personal_number, epost AS email, protected_identity, deregistered, deceased\nFROM person;\n-- end\n');
    const semicolon = await run(sqlSource(server.port, { queries: { persons: file } }));
    expect(semicolon.code).toBe(0);
    expect(semicolon.roster).toBe(ok.roster);

    writeFileSync(file, 'SELECT person_id, given_name, family_name, personal_number, epost AS email, protected_identity, deregistered\nFROM person\n');
    const bad = await run(sqlSource(server.port, { queries: { persons: file } }));
    expect(bad.code).toBe(5);
    expect(bad.stderr).toBe(`error: Query persons (${file}) returns no column deceased: each query must return the columns of the column contract (see \`procapita-sync help procapita-schema\`)\n`);
  });

  it('a query file with a second statement behind the schema-check wrapper: run and doctor refuse it with exit 3, naming the file, before connecting', async () => {
    const { server } = await serve();
    const file = join(tempDir(), 'persons.sql');
    writeFileSync(file, 'SELECT person_id, given_name, family_name, personal_number, email, protected_identity, deregistered, deceased FROM person\n) AS x; DELETE FROM person; SELECT * FROM (\nSELECT person_id FROM person\n');
    const message = `Query persons (${file}), line 2: the file holds a second statement after a semicolon. A query file holds exactly one SELECT statement (or WITH … SELECT) and nothing that writes or runs code (see \`procapita-sync help procapita-schema\`). Check source.queries.persons in the configuration.`;
    const r = await run(sqlSource(server.port, { queries: { persons: file } }));
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: ${message}\n`);
    expect(r.roster).toBeNull();

    // A target too: doctor validates the configuration as run does, and a missing target would be its first ✗.
    const { configPath } = writeSetup(demoFixture(), { source: sqlSource(server.port, { queries: { persons: file } }), target: { type: 'directory', path: 'out' } });
    const doctor = await runCli(['doctor', '--config', configPath], undefined, env);
    expect(doctor.code).toBe(3);
    expect(doctor.stdout).toContain(`✗ SQL Server 127.0.0.1:${server.port}, database ProCapita: ${message}\n`);
    expect(server.sessions).toEqual([]);
  });
});

describe('SQL source: failures say what to check, write nothing, and leak no secret', () => {
  it('a wrong password: the login failed, exit 8', async () => {
    const { server } = await serve();
    const r = await run(sqlSource(server.port), { PROCAPITA_SQL_PASSWORD: 'fel-lösenord' });
    expect(r.code).toBe(8);
    expect(r.stderr).toBe(
      `error: SQL Server at 127.0.0.1:${server.port} refused the login for user 'procapita_reader'. Check the SQL account and its password (environment variable PROCAPITA_SQL_PASSWORD), and that database 'ProCapita' exists and the account may open it.\n`,
    );
    expect(r.stderr + r.stdout).not.toContain('fel-lösenord');
    expect(r.roster).toBeNull();
  });

  it('no password in the environment: exit 8 before connecting', async () => {
    const { server } = await serve();
    const r = await run(sqlSource(server.port), {});
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^error: The SQL password is not set: the configuration names environment variable PROCAPITA_SQL_PASSWORD, which is empty\./);
    expect(server.sessions).toHaveLength(0);
  });

  it('nothing listening on the port: exit 4, check firewall and port', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const r = await run(sqlSource(port));
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`error: Nothing is listening at 127.0.0.1:${port} (connection refused). Check the host and port, that SQL Server accepts TCP connections, and that the firewall allows port ${port}.\n`);
  });

  it('a certificate nobody vouches for: exit 4, names trust and the two remedies', async () => {
    const { server } = await serve({ tls: untrusted });
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `error: The TLS certificate of SQL Server at 127.0.0.1:${server.port} is not trusted: it is self-signed. Put the server's CA certificate in a file and name it in source.caFile, or set source.trustServerCertificate to true if you accept an unverified connection.\n`,
    );
    expect(r.roster).toBeNull();
  });

  it.each([true, 'strict'] as const)('encrypt %s with NODE_TLS_REJECT_UNAUTHORIZED=0: the untrusted certificate is still refused before the login, and the run warns', async (encrypt) => {
    const { server } = await serve({ tls: untrusted });
    const r = await withTlsChecksOff(() => run(sqlSource(server.port, { encrypt }), { ...env, ...TLS_CHECKS_OFF }));
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'warning: The environment variable NODE_TLS_REJECT_UNAUTHORIZED is 0, which asks for TLS certificates not to be checked. procapita-sync ignores it and checks every certificate. Remove it from the environment of the account that runs procapita-sync (and from the system\'s environment variables).\n' +
        `error: The TLS certificate of SQL Server at 127.0.0.1:${server.port} is not trusted: it is self-signed. Put the server's CA certificate in a file and name it in source.caFile, or set source.trustServerCertificate to true if you accept an unverified connection.\n`,
    );
    // No login reached the server: the password never crossed the unverified connection.
    expect(server.sessions).toEqual([]);
    expect(r.roster).toBeNull();
  });

  it('a table missing a column: the schema check names both, exit 5, before any row is read', async () => {
    const { server, db } = await serve();
    db.exec('ALTER TABLE person DROP COLUMN protected_identity');
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: ProCapita table person lacks column protected_identity: this ProCapita version needs adapted queries (see `procapita-sync help procapita-schema`)\n');
    expect(r.roster).toBeNull();
    expect(server.sessions.flatMap((s) => s.statements).filter((s) => !/WHERE 1 = 0$|^SELECT 1;?$|^set /i.test(s.trim()))).toEqual([]);
  });

  it('a missing table: exit 5', async () => {
    const { server, db } = await serve();
    db.exec('DROP TABLE activity_group');
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(5);
    expect(r.stderr).toBe('error: ProCapita has no table activity_group (query activityGroups): this ProCapita version needs adapted queries (see `procapita-sync help procapita-schema`)\n');
  });

  it('the server drops the connection mid-stream: exit 4, no roster written', async () => {
    const { server } = await serve({ dropAfterRows: 60 });
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`^Reading ProCapita in one transaction at SNAPSHOT isolation\\.\\nerror: The connection to SQL Server at 127\\.0\\.0\\.1:${server.port} was lost while reading \\w+\\. Nothing was written; run again, and check the network if it keeps happening\\.\\n$`));
    expect(r.roster).toBeNull();
  });

  it('the server claims more rows than arrived: exit 4, the read counts as incomplete', async () => {
    const { server } = await serve({ overstateRowCount: 1 });
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/\nerror: ProCapita table school_unit: SQL Server reported (\d+) rows but (\d+) arrived, so the read was incomplete\. Nothing was delivered; the next run reads again\./);
    const [, said, got] = /reported (\d+) rows but (\d+) arrived/.exec(r.stderr)!;
    expect(Number(said)).toBe(Number(got) + 1);
    expect(r.roster).toBeNull();
  });

  it('SELECT denied on a table: exit 8, names the table and the grant', async () => {
    const { server } = await serve({ denySelect: ['person'] });
    const r = await run(sqlSource(server.port));
    expect(r.code).toBe(8);
    expect(r.stderr).toBe("error: User 'procapita_reader' may not read table person in ProCapita (SELECT permission denied). Grant the account db_datareader, or SELECT on that table.\n");
  });

  it('a database that is not there: the login fails (SQL Server ends with 18456 here too), and the message names the database', async () => {
    const { server } = await serve();
    const r = await run(sqlSource(server.port, { database: 'ProCapitaTest' }));
    expect(r.code).toBe(8);
    expect(r.stderr).toContain("and that database 'ProCapitaTest' exists and the account may open it.\n");
  });

  it('a query that never finishes: exit 4 after the request timeout, nothing written', async () => {
    const { server } = await serve({ stall: 'query' });
    const r = await run(sqlSource(server.port, { requestTimeoutSeconds: 1 }));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: ProCapita did not finish checking the schema within 1 s\. Nothing was written\. Raise source\.requestTimeoutSeconds, or run outside busy hours\.\n$/);
    expect(r.roster).toBeNull();
  });

  it('a server that never answers: exit 4 after the connect timeout', async () => {
    const { server } = await serve({ stall: 'prelogin' });
    const r = await run(sqlSource(server.port, { connectTimeoutSeconds: 1 }));
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^error: SQL Server at 127\.0\.0\.1:\d+ did not answer within 1 s\. Check the host name, that the firewall lets this machine reach TCP port \d+/);
  });
});
