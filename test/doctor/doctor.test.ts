/**
 * `doctor` against the real components: the TDS test server over TCP and
 * TLS through mssql, slapd over LDAPS through ldapts, the reference receiver
 * over HTTPS through undici, real folders. Every failure is one ✗ line that
 * says what to do, and the exit code is the first failed check's.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSlapd, stopDirectories, type Directory } from '../ldap/directories';
import { startReceiver } from '../receiver/receiver';
import { TLS_CHECKS_OFF, withTlsChecksOff } from '../support/cli';
import { adSettings, API_KEY, CERTS, cli, closeAll, deadPort, memoryStore, receiver, site, SQL_PASSWORD, sqlSource, tdsServer, type Site } from './support';

let slapd: Directory;
beforeAll(async () => {
  slapd = await startSlapd();
}, 240_000);
afterAll(() => stopDirectories(), 60_000);
afterEach(closeAll);

/** Every line of a healthy site, in the order doctor prints them. */
function healthyLines(s: Site, sqlPort: number, receiverUrl: string): string[] {
  return [
    `✓ Configuration ${s.configPath} is valid`,
    '✓ SQL password readable from environment variable PROCAPITA_SQL_PASSWORD',
    '✓ Directory (LDAP) bind password readable from environment variable PROCAPITA_LDAP_PASSWORD',
    '✓ API key readable from environment variable PROCAPITA_API_KEY',
    `✓ SQL Server 127.0.0.1:${sqlPort}, database ProCapita: login and schema check passed (reads at SNAPSHOT isolation)`,
    '✓ Configured schools: 3 of 4 in ProCapita and active on 2026-09-01; not active, so left out: GMSK/GR (school unit not active on the sync date)',
    `✓ Directory ldaps://127.0.0.1:3636: bind as cn=svc-sync,ou=service,dc=test,dc=local and read of dc=test,dc=local passed`,
    `✓ Upload service ${receiverUrl}/v1/ping: reachable, API key accepted`,
    '✓ Scheduled task: not applicable here (Windows Task Scheduler)',
    `✓ Log folder ${join(s.dir, 'logs')} writable`,
    `✓ State folder ${join(s.dir, 'state')} writable`,
    '✓ Only this account can read the log and state folders (folders 0700, files 0600)',
  ];
}

const lines = (stdout: string) => stdout.split('\n').filter((l) => l !== '');

async function healthySite(config: Record<string, unknown> = {}) {
  const sql = await tdsServer();
  const rec = await receiver();
  const s = site({ sqlPort: sql.port, receiverUrl: rec.url, directory: slapd }, config);
  return { sql, rec, s, expected: healthyLines(s, sql.port, rec.url) };
}

const doctor = (s: Site, env = s.env, store = memoryStore()) => cli(['doctor', '--config', s.configPath], env, store);

/** Nothing secret ever shows, whatever the outcome. */
function expectNoSecrets(text: string, ...more: string[]) {
  for (const secret of [SQL_PASSWORD, API_KEY, slapd.bindPassword, ...more]) expect(text).not.toContain(secret);
  expect(text).not.toMatch(/\n\s+at /); // no stack
}

describe('doctor', () => {
  it('all checks pass: one ✓ line each, exit 0; it reads nothing, writes nothing but its probe files, and pings once', async () => {
    const { sql, rec, s, expected } = await healthySite();
    const r = await doctor(s);
    expect(lines(r.stdout)).toEqual([...expected, 'All 12 checks passed.']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expectNoSecrets(r.stdout + r.stderr);

    // SQL: read-only intent, no write. The login and schema check (zero-row queries), then the same again and the
    // school units and their forms, which the configured schools are checked against; no person is read.
    const sessions = sql.sessions.filter((x) => x.statements.some((st) => !/^set /i.test(st)));
    expect(sessions).toHaveLength(2);
    const queries = sessions.map((x) => x.statements.filter((st) => !/^set /i.test(st) && st !== 'SELECT 1;')); // SELECT 1: mssql's pool checks the connection
    const schemaCheck = (st: string) => /^SELECT \* FROM \([\s\S]*\) AS q WHERE 1 = 0$/.test(st);
    expect(queries[0]).toHaveLength(13);
    expect(queries[0]!.every(schemaCheck)).toBe(true);
    const read = queries[1]!.filter((st) => !schemaCheck(st));
    expect(queries[1]!.filter(schemaCheck)).toHaveLength(13);
    expect(read).toHaveLength(2);
    expect(read.join('\n')).toMatch(/FROM school_unit\b/);
    expect(read.join('\n')).toMatch(/FROM school_unit_form\b/);
    expect(read.join('\n')).not.toMatch(/person/);
    for (const x of sessions) {
      expect(x.readOnlyIntent).toBe(true);
      expect(x.isolationLevels).toEqual([5]); // SNAPSHOT, as a run reads
    }
    // The service: one GET /v1/ping with the key; nothing imported.
    expect(rec.attempts.map((a) => [a.method, a.path, a.authorization, a.status])).toEqual([['GET', '/v1/ping', `Bearer ${API_KEY}`, 200]]);
    expect(rec.imports).toEqual([]);
    expect(rec.heartbeats).toEqual([]);
    // The folders were made and the probe files removed.
    expect(readdirSync(join(s.dir, 'state'))).toEqual([]);
    expect(readdirSync(join(s.dir, 'logs'))).toEqual([]);
  });

  it('a wrong SQL password: ✗ with the login message, the other checks still run, exit 8', async () => {
    const { s, expected, sql } = await healthySite();
    const r = await doctor(s, { ...s.env, PROCAPITA_SQL_PASSWORD: 'fel-lösenord-123' });
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 4),
      // Where the password comes from is worded by the credential store's part; the rest is the run's own message.
      expect.stringMatching(
        new RegExp(
          `^✗ SQL Server 127\\.0\\.0\\.1:${sql.port}, database ProCapita: SQL Server at 127\\.0\\.0\\.1:${sql.port} refused the login for user 'procapita_reader'\\. Check the SQL account and its password \\(environment variable PROCAPITA_SQL_PASSWORD.*\\), and that database 'ProCapita' exists and the account may open it\\.$`,
        ),
      ),
      ...expected.slice(6),
    ]);
    expect(r.stderr).toBe('error: 1 of 11 checks failed. Exit code 8 is the first one\'s: access denied: a secret is missing, a login or API key was refused, or the account may not read a table.\n');
    expect(r.code).toBe(8);
    expectNoSecrets(r.stdout + r.stderr, 'fel-lösenord-123');
  });

  it('SQL Server unreachable: exit 4', async () => {
    const rec = await receiver();
    const port = await deadPort();
    const s = site({ sqlPort: port, receiverUrl: rec.url, directory: slapd });
    const r = await doctor(s);
    const expected = healthyLines(s, port, rec.url);
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 4),
      `✗ SQL Server 127.0.0.1:${port}, database ProCapita: Nothing is listening at 127.0.0.1:${port} (connection refused). Check the host and port, that SQL Server accepts TCP connections, and that the firewall allows port ${port}.`,
      ...expected.slice(6),
    ]);
    expect(r.code).toBe(4);
  });

  it('a column the queries need is missing: the schema check fails, exit 5', async () => {
    const { s, expected, sql } = await healthySite();
    sql.db.exec('ALTER TABLE person DROP COLUMN deceased');
    const r = await doctor(s);
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 4),
      `✗ SQL Server 127.0.0.1:${sql.port}, database ProCapita: ProCapita table person lacks column deceased: this ProCapita version needs adapted queries (see \`procapita-sync help procapita-schema\`)`,
      ...expected.slice(6),
    ]);
    expect(r.code).toBe(5);
  });

  it('a wrong API key: exit 8, and the key is never shown', async () => {
    const { s, expected, rec } = await healthySite();
    const r = await doctor(s, { ...s.env, PROCAPITA_API_KEY: 'not-the-key-4242' });
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 7),
      `✗ Upload service ${rec.url}/v1/ping: The upload service refused the API key (401). Check the key in environment variable PROCAPITA_API_KEY; it may have been rotated.`,
      ...expected.slice(8),
    ]);
    expect(r.code).toBe(8);
    expectNoSecrets(r.stdout + r.stderr, 'not-the-key-4242');
  });

  it('the receiver is down: exit 9', async () => {
    const { s, expected, rec } = await healthySite();
    await rec.close();
    const r = await doctor(s);
    const port = new URL(rec.url).port;
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 7),
      `✗ Upload service ${rec.url}/v1/ping: Cannot reach the upload service at localhost:${port} (ECONNREFUSED). Check target.url, that this server may connect to it on its port (firewall; a proxy goes in target.proxy or HTTPS_PROXY), and that the service is up.`,
      ...expected.slice(8),
    ]);
    expect(r.code).toBe(9);
  });

  it('the state folder is blocked by a file: exit 6', async () => {
    const { s, expected } = await healthySite();
    writeFileSync(join(s.dir, 'state'), 'not a folder');
    const r = await doctor(s);
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 10),
      `✗ State folder ${join(s.dir, 'state')}: Cannot write in ${join(s.dir, 'state')}: a file is in the way of the folder. Give the account that runs procapita-sync write access to the folder, or set stateDir in the configuration.`,
      expected[11],
    ]);
    expect(r.code).toBe(6);
  });

  it('the first failed check sets the exit code: a wrong SQL password (8) before a blocked log folder (6)', async () => {
    const { s } = await healthySite();
    writeFileSync(join(s.dir, 'logs'), '');
    const r = await doctor(s, { ...s.env, PROCAPITA_SQL_PASSWORD: 'wrong' });
    expect(lines(r.stdout).filter((l) => l.startsWith('✗')).map((l) => l.split(':')[0])).toEqual([`✗ SQL Server 127.0.0.1`, `✗ Log folder ${join(s.dir, 'logs')}`]);
    expect(r.stderr).toMatch(/^error: 2 of 11 checks failed\. Exit code 8 is the first one's/);
    expect(r.code).toBe(8);
  });

  it('a broken configuration: ✗ with what is wrong, the rest not checked, exit 3', async () => {
    const { s } = await healthySite({ schools: [] });
    const r = await doctor(s);
    expect(lines(r.stdout)).toEqual([
      `✗ Configuration ${s.configPath}: schools: list at least one school unit and school form. See \`procapita-sync help configuration\`.`,
      '– Secrets, SQL Server, directory, upload service and folders: not checked, they need a valid configuration.',
      '✓ Scheduled task: not applicable here (Windows Task Scheduler)',
    ]);
    expect(r.stderr).toMatch(/^error: 1 of 2 checks failed\. Exit code 3 is the first one's: configuration/);
    expect(r.code).toBe(3);
  });

  it('a configuration that is not there: exit 3', async () => {
    const r = await cli(['doctor', '--config', '/nonexistent/procapita-sync/config.json'], {});
    expect(lines(r.stdout)[0]).toBe('✗ Configuration /nonexistent/procapita-sync/config.json: no such file. Give the path of the configuration file with --config.');
    expect(r.code).toBe(3);
  });

  it('a secret that is neither in its environment variable nor in the store: its own ✗ line, the check that needs it is not tried, exit 8', async () => {
    const { s, expected, sql } = await healthySite();
    const { PROCAPITA_SQL_PASSWORD: _, ...env } = s.env;
    const store = memoryStore();
    const r = await doctor(s, env, store);
    expect(lines(r.stdout)).toEqual([
      expected[0],
      expect.stringMatching(
        /^✗ SQL password: The SQL password is not set: the configuration names environment variable PROCAPITA_SQL_PASSWORD, which is empty\. Nor is it stored in the Secret Service keyring \(service procapita-sync, account sqlPassword\) for \S+\. Set the variable for the account that runs procapita-sync, or run `procapita-sync credentials set sqlPassword --config .*config\.json` as that account\.$/,
      ),
      ...expected.slice(2, 4),
      `✗ SQL Server 127.0.0.1:${sql.port}, database ProCapita: not checked without the SQL password (see above).`,
      ...expected.slice(6),
    ]);
    expect(store.reads).toEqual(['sqlPassword']);
    expect(sql.sessions).toEqual([]);
    expect(r.code).toBe(8);
  });

  /** A site whose secrets all come from the credential store: the configuration names no environment variable (and has `more`). */
  async function storeSite(more: Record<string, unknown> = {}) {
    const sql = await tdsServer();
    const rec = await receiver();
    const s = site({ sqlPort: sql.port, receiverUrl: rec.url, directory: slapd });
    const config = JSON.parse(readFileSync(s.configPath, 'utf8')) as { source: Record<string, unknown>; target: Record<string, unknown>; email: { ad: Record<string, unknown> } };
    delete config.source.passwordEnv;
    delete config.target.apiKeyEnv;
    delete config.email.ad.passwordEnv;
    writeFileSync(s.configPath, JSON.stringify({ ...more, ...config }));
    return { sql, rec, s };
  }

  it('secrets from the credential store when the configuration names no environment variables: all pass', async () => {
    const { sql, rec, s } = await storeSite();
    const store = memoryStore({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY, ldapPassword: slapd.bindPassword });
    const r = await doctor(s, {}, store);
    const from = (name: string) => `the Secret Service keyring (service procapita-sync, account ${name})`;
    expect(lines(r.stdout)).toEqual([
      `✓ Configuration ${s.configPath} is valid`,
      `✓ SQL password readable from ${from('sqlPassword')}`,
      `✓ Directory (LDAP) bind password readable from ${from('ldapPassword')}`,
      `✓ API key readable from ${from('apiKey')}`,
      ...healthyLines(s, sql.port, rec.url).slice(4),
      'All 12 checks passed.',
    ]);
    expect(r.code).toBe(0);

    // A key rotated at the service but not in the store: the message names the store, not a variable.
    store.values.apiKey = 'an-old-key-0000';
    const old = await doctor(s, {}, store);
    expect(lines(old.stdout)).toContain(`✗ Upload service ${rec.url}/v1/ping: The upload service refused the API key (401). Check the key in ${from('apiKey')}; it may have been rotated.`);
    expect(old.code).toBe(8);
    expectNoSecrets(old.stdout + old.stderr, 'an-old-key-0000');
  });

  it("a named configuration: every line that names a store entry names the configuration's service, procapita-sync-<name>", async () => {
    const { s } = await storeSite({ name: 'north' });
    const store = memoryStore({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY, ldapPassword: 'Wrong-Bind-Pass-2' });
    const r = await doctor(s, {}, store);
    const from = (name: string) => `the Secret Service keyring (service procapita-sync-north, account ${name})`;
    const shown = lines(r.stdout);
    expect(shown).toContain(`✓ SQL password readable from ${from('sqlPassword')}`);
    expect(shown).toContain(`✓ API key readable from ${from('apiKey')}`);
    // The bind error names where the password came from: this configuration's own entry.
    expect(shown.find((l) => l.startsWith('✗ Directory'))).toMatch(/refused the bind for account cn=svc-sync,ou=service,dc=test,dc=local: .* and its password \(the Secret Service keyring \(service procapita-sync-north, account ldapPassword\)\)\.$/);
    expect(r.stdout).not.toContain('service procapita-sync,');
    expect(r.code).toBe(8);
    expectNoSecrets(r.stdout + r.stderr, 'Wrong-Bind-Pass-2');
  });

  it('the directory refuses the bind password: exit 8', async () => {
    const { s, expected } = await healthySite();
    const r = await doctor(s, { ...s.env, PROCAPITA_LDAP_PASSWORD: 'Wrong-Bind-Pass-1' });
    expect(lines(r.stdout)).toEqual([
      ...expected.slice(0, 6),
      expect.stringMatching(
        /^✗ Directory ldaps:\/\/127\.0\.0\.1:3636: The directory at 127\.0\.0\.1:3636 refused the bind for account cn=svc-sync,ou=service,dc=test,dc=local: check the account \(email\.ad\.bindDn: a DN, or on Active Directory also user@domain\) and .*environment variable PROCAPITA_LDAP_PASSWORD.*\.$/,
      ),
      ...expected.slice(7),
    ]);
    expect(r.code).toBe(8);
    expectNoSecrets(r.stdout + r.stderr, 'Wrong-Bind-Pass-1');
  });

  it('a base DN that does not exist: the directory check fails with exit 11', async () => {
    const { s } = await healthySite();
    const config = JSON.parse(readFileSync(s.configPath, 'utf8')) as { email: { ad: { baseDn: string } } };
    config.email.ad.baseDn = 'ou=nowhere,dc=test,dc=local';
    writeFileSync(s.configPath, JSON.stringify(config));
    const r = await doctor(s);
    expect(lines(r.stdout).filter((l) => l.startsWith('✗'))).toEqual([
      expect.stringMatching(/^✗ Directory ldaps:\/\/127\.0\.0\.1:3636: email\.ad\.baseDn ou=nowhere,dc=test,dc=local does not exist in the directory at 127\.0\.0\.1:3636 \(LDAP result code 32/),
    ]);
    expect(r.code).toBe(11);
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0: doctor says it is ignored, and SQL Server (TDS 8), the directory and the upload service with untrusted certificates still fail', async () => {
    const untrusted = { key: readFileSync(join(CERTS, 'untrusted.key')), cert: readFileSync(join(CERTS, 'untrusted.crt')) };
    const sql = await tdsServer(undefined, { tls: untrusted });
    const rec = await startReceiver({ apiKeys: [API_KEY], tls: untrusted });
    try {
      // slapd's certificate is signed by the test CA, which nothing trusts without email.ad.caFile.
      const { caFile: _, ...adWithoutCa } = adSettings(slapd);
      const s = site({ sqlPort: sql.port, receiverUrl: rec.url, directory: slapd }, { source: { ...sqlSource(sql.port), encrypt: 'strict' }, email: { ad: adWithoutCa } });
      const r = await withTlsChecksOff(() => doctor(s, { ...s.env, ...TLS_CHECKS_OFF }));
      const out = lines(r.stdout);
      expect(out[0]).toBe(
        "! The environment variable NODE_TLS_REJECT_UNAUTHORIZED is 0, which asks for TLS certificates not to be checked. procapita-sync ignores it and checks every certificate. Remove it from the environment of the account that runs procapita-sync (and from the system's environment variables).",
      );
      expect(out.filter((l) => l.startsWith('✗'))).toEqual([
        expect.stringMatching(new RegExp(`^✗ SQL Server 127\\.0\\.0\\.1:${sql.port}, database ProCapita: The TLS certificate of SQL Server at 127\\.0\\.0\\.1:${sql.port} is not trusted: it is self-signed\\.`)),
        expect.stringMatching(/^✗ Directory ldaps:\/\/127\.0\.0\.1:3636: The TLS certificate of the directory at 127\.0\.0\.1:3636 is not trusted: /),
        expect.stringMatching(/^✗ Upload service https:\/\/localhost:\d+\/v1\/ping: The TLS certificate presented for localhost:\d+ is not trusted: it is self-signed\./),
      ]);
      expect(r.code).toBe(4);
      expect(sql.sessions).toEqual([]);
      expect(rec.attempts).toEqual([]);
    } finally {
      await rec.close();
    }
  });
});
