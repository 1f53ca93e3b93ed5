/**
 * The TDS test server, driven by the real mssql client over TCP: if these
 * pass, tests of the product's SQL source talk to something SQL-Server-shaped.
 */
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import sql from 'mssql';
import { afterEach, describe, expect, it } from 'vitest';
import { openFixtureDatabase } from './database';
import { startTdsServer, type TdsServer, type TdsServerOptions } from './server';

const cert = (file: string) => readFileSync(new URL(`../certs/${file}`, import.meta.url));
const TLS = { key: cert('server.key'), cert: cert('server.crt') };
const UNTRUSTED = { key: cert('untrusted.key'), cert: cert('untrusted.crt') };
const CA = cert('ca.crt').toString();
const FIXTURE = JSON.parse(readFileSync(new URL('../../assets/demo/municipality.json', import.meta.url), 'utf8'));
const USER = 'procapita_reader';
const PASSWORD = 'Läs-bara 2026!';
const NYSTROM = '196CCF9D-FC36-579D-AD71-F656751A2946';

let servers: TdsServer[] = [];
let pools: sql.ConnectionPool[] = [];
afterEach(async () => {
  await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.close()));
  [pools, servers] = [[], []];
});

async function serve(options: Partial<TdsServerOptions> = {}, db: Database.Database = openFixtureDatabase(FIXTURE)) {
  const server = await startTdsServer({ db, logins: { [USER]: PASSWORD }, tls: TLS, ...options });
  servers.push(server);
  return { server, db };
}

type Options = NonNullable<sql.config['options']> & { encrypt?: boolean | 'strict'; readOnlyIntent?: boolean };
/** One connection per pool, so a test can tell that the same connection lived on. */
function pool(server: TdsServer, options: Options = {}, extra: Partial<sql.config> = {}): sql.ConnectionPool {
  const p = new sql.ConnectionPool({
    server: '127.0.0.1',
    port: server.port,
    database: 'ProCapita',
    user: USER,
    password: PASSWORD,
    pool: { min: 0, max: 1 },
    ...extra,
    options: { encrypt: false, ...options } as sql.config['options'],
  });
  p.on('error', () => undefined);
  pools.push(p);
  return p;
}
const connect = (server: TdsServer, options: Options = {}, extra: Partial<sql.config> = {}) => pool(server, options, extra).connect();

/** Streams a query; resolves with the row count and the error, if any. */
function stream(request: sql.Request, text: string, onRow: (n: number) => void = () => undefined) {
  return new Promise<{ rows: number; error?: sql.RequestError }>((resolve) => {
    let rows = 0;
    let error: sql.RequestError | undefined;
    request.stream = true;
    request.on('row', () => onRow(++rows));
    request.on('error', (e: sql.RequestError) => (error ??= e));
    request.on('done', () => resolve({ rows, error }));
    void request.query(text);
  });
}

/** The same database with `extra` more persons, for streaming. */
function bigDatabase(extra: number): Database.Database {
  const db = openFixtureDatabase(FIXTURE);
  db.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
     INSERT INTO person (person_id, given_name, family_name, deregistered, deceased)
     SELECT printf('%08X-0000-4000-8000-%012X', i, i), 'Elev ' || i, 'Åström', 0, 0 FROM n`,
  ).run(extra);
  return db;
}

describe.each([false, true, 'strict'] as const)('encrypt: %s', (encrypt) => {
  it('returns typed values, and TLS really was (or was not) used', async () => {
    const { server, db } = await serve();
    const notes = 'Övrigt: å, ä och ö. '.repeat(3000); // 60,000 characters: NVARCHAR(MAX) over many packets
    db.prepare("UPDATE activity SET notes = ? WHERE name = 'Ma 7A'").run(notes);
    const p = await connect(server, { encrypt, trustServerCertificate: false, cryptoCredentialsDetails: { ca: [CA] } });

    const person = await p.request().query("SELECT person_id, given_name, family_name, email, protected_identity, deregistered FROM person WHERE family_name = 'Nyström'");
    expect(person.recordset).toEqual([{ person_id: NYSTROM, given_name: 'Sara', family_name: 'Nyström', email: null, protected_identity: 0, deregistered: false }]);

    const activity = await p.request().query("SELECT notes, start_date, end_date, cancelled FROM activity WHERE name = 'Ma 7A'");
    expect(activity.recordset).toEqual([{ notes, start_date: new Date('2026-08-17T00:00:00Z'), end_date: new Date('2027-06-11T00:00:00Z'), cancelled: false }]);

    const unit = await p.request().query("SELECT name, end_date FROM school_unit WHERE unit_code = 'LIFS'");
    expect(unit.recordset).toEqual([{ name: 'Lindens förskola', end_date: null }]);

    expect(server.sessions.length).toBeGreaterThan(0);
    for (const s of server.sessions) expect([s.encrypted, s.strict]).toEqual([encrypt !== false, encrypt === 'strict']);
  });
});

describe('queries', () => {
  it('binds DATE, NVARCHAR, UNIQUEIDENTIFIER, INT and BIT parameters', async () => {
    const { server } = await serve();
    const p = await connect(server);
    const units = await p
      .request()
      .input('from', sql.Date, new Date('2025-07-01T00:00:00Z'))
      .input('code', sql.NVarChar, 'GMSK')
      .query('SELECT name FROM school_unit WHERE (end_date IS NULL OR end_date >= @from) AND unit_code <> @code');
    expect(units.recordset.map((r) => r.name).sort()).toEqual(['Björkskolan', 'Ekdalens gymnasium', 'Lindens förskola']);

    const person = await p
      .request()
      .input('id', sql.UniqueIdentifier, NYSTROM.toLowerCase())
      .input('level', sql.Int, 0)
      .input('gone', sql.Bit, false)
      .query('SELECT given_name FROM person WHERE person_id = @id AND protected_identity = @level AND deceased = @gone');
    expect(person.recordset).toEqual([{ given_name: 'Sara' }]);

    const since = (type: sql.ISqlType | (() => sql.ISqlType), at: string) =>
      p.request().input('at', type, new Date(at)).input('level', sql.TinyInt, 0).query('SELECT unit_code FROM school_unit WHERE start_date >= @at AND @level = 0');
    const codes = async (r: Promise<sql.IResult<{ unit_code: string }>>) => (await r).recordset.map((u) => u.unit_code).sort();
    expect(await codes(since(sql.DateTime, '2005-08-01T00:00:00Z'))).toEqual(['EKGY', 'LIFS']); // midnight compares as the date
    expect(await codes(since(sql.DateTime2, '2005-08-01T12:30:00Z'))).toEqual(['LIFS']);
  });

  it('runs a statement over 4,000 characters (sent as NVARCHAR(MAX)) and request.batch()', async () => {
    const { server } = await serve();
    const p = await connect(server);
    const long = await p.request().query(`SELECT COUNT(*) AS n FROM person WHERE given_name <> '${'x'.repeat(5000)}'`);
    expect(long.recordset).toEqual([{ n: 41 }]);
    const batch = await p.request().batch('SELECT COUNT(*) AS n FROM person');
    expect(batch.recordset).toEqual([{ n: 41 }]);
  });

  it('describes the columns of the schema probe, which returns no rows', async () => {
    const { server } = await serve();
    const p = await connect(server);
    const inner = `-- a site's own query
SELECT p.person_id, p.given_name, p.protected_identity, a.notes,
       CAST(CASE WHEN p.deceased = 1 THEN 1 ELSE 0 END AS bit) AS gone
FROM dbo.person AS p JOIN activity_staff AS s ON s.person_id = p.person_id JOIN activity AS a ON a.activity_id = s.activity_id`;
    const probe = await p.request().query(`SELECT * FROM (\n${inner}\n) AS q WHERE 1 = 0`);
    expect(probe.recordset).toHaveLength(0);
    const types = Object.fromEntries(Object.values(probe.recordset.columns).map((c) => [c.name, [(c.type as unknown as { name: string }).name, c.length]]));
    expect(types).toEqual({
      person_id: ['UniqueIdentifier', 16],
      given_name: ['NVarChar', 200], // tedious counts bytes
      notes: ['NVarChar', 65535], // MAX
      protected_identity: ['TinyInt', 1],
      gone: ['Bit', 1],
    });
    const flags = await p.request().query("SELECT CAST(CASE WHEN deceased = 1 THEN 1 ELSE 0 END AS bit) AS gone FROM person WHERE family_name = 'Nyström'");
    expect(flags.recordset).toEqual([{ gone: false }]);
  });

  it('streams 20,000 rows with pause and resume, every one arriving', async () => {
    const { server } = await serve({}, bigDatabase(20_000));
    const p = await connect(server);
    const request = p.request();
    const result = await stream(request, 'SELECT person_id, given_name, family_name FROM person', (n) => {
      if (n % 5000 === 0) {
        request.pause();
        setTimeout(() => request.resume(), 20);
      }
    });
    expect(result).toEqual({ rows: 20_041, error: undefined });
  });

  it('cancels mid-stream, and the connection is usable afterwards', async () => {
    const { server } = await serve({}, bigDatabase(20_000));
    const p = await connect(server);
    const request = p.request();
    const result = await stream(request, 'SELECT person_id, given_name FROM person', (n) => n === 1000 && request.cancel());
    expect(result.error?.code).toBe('ECANCEL');
    expect(result.rows).toBeLessThan(20_041);
    const after = await p.request().query('SELECT COUNT(*) AS n FROM person');
    expect(after.recordset).toEqual([{ n: 20_041 }]);
    expect(server.sessions.filter((s) => s.statements.includes('SELECT COUNT(*) AS n FROM person'))).toHaveLength(1);
    const statements = server.sessions.at(-1)!.statements.filter((s) => s !== 'SELECT 1;'); // the pool checks a connection before lending it
    expect(statements.slice(-2)).toEqual(['SELECT person_id, given_name FROM person', 'SELECT COUNT(*) AS n FROM person']);
  });
});

describe('transactions', () => {
  it('begins at SNAPSHOT, queries and commits', async () => {
    const { server } = await serve();
    const tx = new sql.Transaction(await connect(server));
    await tx.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
    const r = await new sql.Request(tx).query('SELECT COUNT(*) AS n FROM school_unit');
    expect(r.recordset).toEqual([{ n: 4 }]);
    await tx.commit();
    expect(server.sessions.flatMap((s) => s.isolationLevels)).toEqual([5]);
  });

  it('without snapshot isolation: error 3952, rollback, then READ COMMITTED works', async () => {
    const { server } = await serve({ snapshotIsolation: false });
    const p = await connect(server);
    const snapshot = new sql.Transaction(p);
    await snapshot.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
    const failed = await new sql.Request(snapshot).query('SELECT COUNT(*) AS n FROM person').catch((e: sql.RequestError) => e);
    expect(failed).toMatchObject({ number: 3952, message: expect.stringMatching(/^Snapshot isolation transaction failed accessing database 'ProCapita'/) });
    await snapshot.rollback();

    const committed = new sql.Transaction(p);
    await committed.begin(sql.ISOLATION_LEVEL.READ_COMMITTED);
    expect((await new sql.Request(committed).query('SELECT COUNT(*) AS n FROM person')).recordset).toEqual([{ n: 41 }]);
    await committed.commit();
    expect(server.sessions.flatMap((s) => s.isolationLevels)).toEqual([5, 2]);
  });
});

describe('errors keep their SQL Server numbers, and the connection stays usable', () => {
  it.each([
    ['a missing table', 'SELECT name FROM pupil', 208, "Invalid object name 'pupil'."],
    ['a missing column', 'SELECT * FROM (SELECT p.middle_name FROM person AS p) AS q WHERE 1 = 0', 207, "Invalid column name 'middle_name'."],
    ['bad syntax', 'SELEKT name FROM person', 102, "Incorrect syntax near 'SELEKT'."],
    ['a denied table', 'SELECT name FROM activity', 229, "The SELECT permission was denied on the object 'activity', database 'ProCapita', schema 'dbo'."],
    ['an undeclared variable', 'SELECT name FROM school_unit WHERE end_date >= @from', 137, 'Must declare the scalar variable "@from".'],
  ])('%s', async (_, text, number, message) => {
    const { server } = await serve({ denySelect: ['activity'] });
    const p = await connect(server);
    await expect(p.request().query(text)).rejects.toMatchObject({ code: 'EREQUEST', number, message });
    expect((await p.request().query('SELECT COUNT(*) AS n FROM school_unit')).recordset).toEqual([{ n: 4 }]);
    expect(server.sessions.filter((s) => s.statements.length > 1)).toHaveLength(1); // one connection did both
  });

  it('an unknown procedure (2812) and an unsupported parameter type (50000)', async () => {
    const { server } = await serve();
    const p = await connect(server);
    await expect(p.request().execute('sp_who')).rejects.toMatchObject({ number: 2812, message: "Could not find stored procedure 'sp_who'." });
    const decimal = p.request().input('x', sql.Decimal(5, 2), 1.5).query('SELECT @x AS x');
    await expect(decimal).rejects.toMatchObject({ number: 50000, message: expect.stringContaining('does not support parameters of TDS type 0x6a') });
    expect((await p.request().query('SELECT 1 AS one')).recordset).toEqual([{ one: 1 }]);
  });
});

describe('connection failures raise the errors mssql raises against SQL Server', () => {
  it('a wrong password: ELOGIN, 18456', async () => {
    const { server } = await serve();
    const numbers: number[] = [];
    const p = pool(server, {}, { password: 'fel-lösenord', beforeConnect: (c) => void c.on('errorMessage', (m) => numbers.push(m.number)) });
    await expect(p.connect()).rejects.toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'procapita_reader'." });
    expect(numbers).toEqual([18456]);
  });

  it('an unknown database: 4060, then 18456 (tedious reports the last as the error)', async () => {
    const { server } = await serve();
    const numbers: number[] = [];
    const p = pool(server, {}, { database: 'ProCapitaTest', beforeConnect: (c) => void c.on('errorMessage', (m) => numbers.push(m.number)) });
    await expect(p.connect()).rejects.toMatchObject({ code: 'ELOGIN', message: "Login failed for user 'procapita_reader'." });
    expect(numbers).toEqual([4060, 18456]);
  });

  it('the connection drops mid-stream: the stream errors instead of hanging', async () => {
    const { server } = await serve({ dropAfterRows: 100 }, bigDatabase(20_000));
    const p = await connect(server);
    const result = await stream(p.request(), 'SELECT person_id, given_name FROM person');
    expect(result.rows).toBeLessThanOrEqual(100);
    expect(result.error).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' }); // tedious's words for a closed socket
  });

  it('a server that never answers PRELOGIN: ETIMEOUT after the connect timeout', async () => {
    const { server } = await serve({ stall: 'prelogin' });
    await expect(pool(server, {}, { connectionTimeout: 1000 }).connect()).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('a server that never answers a query: ETIMEOUT after the request timeout', async () => {
    const { server } = await serve({ stall: 'query' });
    const p = await connect(server, {}, { requestTimeout: 1000 });
    await expect(p.request().query('SELECT COUNT(*) FROM person')).rejects.toMatchObject({ code: 'ETIMEOUT' });
  });

  it('a self-signed certificate with encrypt: true and no CA: a certificate error, no session', async () => {
    const { server } = await serve({ tls: UNTRUSTED });
    await expect(connect(server, { encrypt: true, trustServerCertificate: false })).rejects.toMatchObject({ code: 'ESOCKET', message: expect.stringMatching(/self-signed certificate/) });
    expect(server.sessions).toEqual([]);
  });

  it('encryption asked of a server without TLS: tedious quietly goes on in plaintext, which sessions reveal', async () => {
    const { server } = await serve({ tls: undefined });
    await connect(server, { encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca: [CA] } });
    expect(server.sessions.map((s) => s.encrypted)).not.toContain(true);
  });

  it('an integrated (NTLM) login: error 50000 says so', async () => {
    const { server } = await serve();
    await expect(pool(server, {}, { domain: 'KOMMUN' }).connect()).rejects.toMatchObject({ code: 'ELOGIN', message: expect.stringContaining('integrated (NTLM/SSPI) logins') });
  });

  it('records the read-only intent flag and the login', async () => {
    const { server } = await serve();
    await connect(server, { readOnlyIntent: true });
    await connect(server);
    expect(server.sessions.map((s) => [s.readOnlyIntent, s.user, s.database])).toContainEqual([true, USER, 'ProCapita']);
    expect(server.sessions.map((s) => s.readOnlyIntent)).toContain(false);
  });
});
