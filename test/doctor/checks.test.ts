/**
 * The checks one by one, as the wizard calls them, and `credentials test`:
 * real SQL (TDS test server), real HTTPS (reference receiver, a CONNECT proxy),
 * real LDAPS (slapd). The scheduled task is Windows-only: its check runs here
 * against recorded PowerShell answers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchLogonCommand, parseBatchLogon } from '../../src/cli/batch-logon';
import { checkEventSource, checkSql, checkTarget, checkTask, formatCheck, pingUrl } from '../../src/cli/checks';
import { runDoctor } from '../../src/cli/doctor';
import { sourceQueryCommand } from '../../src/report/event-log';
import { parseConfig, type Config } from '../../src/configure/config';
import { credentialsFrom } from '../../src/configure/credentials';
import { probeSqlSource } from '../../src/extract/sql-source';
import { describeLastResult } from '../../src/schedule/task';
import { startSlapd, stopDirectories, type Directory } from '../ldap/directories';
import { startConnectProxy } from '../receiver/proxy';
import { startReceiver } from '../receiver/receiver';
import { demoFixture, ROOT, tempDir, withTlsChecksOff } from '../support/cli';
import { ACCOUNT, API_KEY, BATCH, cli, closeAll, httpsTarget, memoryStore, receiver, site, SQL_PASSWORD, sqlSource, TASK, tdsServer, CERTS, windowsIo, WINDOWS_ENV } from './support';

let slapd: Directory;
beforeAll(async () => {
  slapd = await startSlapd();
}, 240_000);
afterAll(() => stopDirectories(), 60_000);

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

const SCHOOLS = [{ unitCode: 'BJSK', schoolForm: 'GR' }];
const config = (parts: Record<string, unknown>): Config => parseConfig({ schools: SCHOOLS, source: { type: 'fixture', path: 'municipality.json' }, ...parts }, join(tempDir(), 'config.json'));
const envCredentials = (c: Config, env: NodeJS.ProcessEnv) => credentialsFrom(memoryStore(), { sqlPassword: 'PROCAPITA_SQL_PASSWORD', apiKey: 'PROCAPITA_API_KEY' }, env, c.file ? { configPath: c.file } : {});

describe('probeSqlSource: the schema check a run makes, and nothing more', () => {
  it('SNAPSHOT where the database allows it; READ COMMITTED where it does not; read-only intent, zero-row queries only', async () => {
    for (const snapshotIsolation of [true, false]) {
      const server = await tdsServer(demoFixture(), { snapshotIsolation });
      const c = config({ source: sqlSource(server.port) });
      const lines: string[] = [];
      const level = await probeSqlSource(c.source as Extract<Config['source'], { type: 'sql' }>, SQL_PASSWORD, (l) => lines.push(l));
      expect(level).toBe(snapshotIsolation ? 'SNAPSHOT' : 'READ COMMITTED');
      expect(lines).toHaveLength(1);
      const [session] = server.sessions.filter((x) => x.statements.some((st) => /WHERE 1 = 0/.test(st)));
      expect(session!.readOnlyIntent).toBe(true);
      expect(session!.isolationLevels).toEqual(snapshotIsolation ? [5] : [5, 2]);
      expect(session!.statements.filter((st) => !/^set /i.test(st) && st !== 'SELECT 1;').every((st) => /\) AS q WHERE 1 = 0$/.test(st))).toBe(true);
    }
  });
});

describe('checkSql on a fixture source', () => {
  it('the file reads: ✓; a missing file: exit 4 with the message a run gives', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'municipality.json'), JSON.stringify(demoFixture()));
    const good = config({ source: { type: 'fixture', path: join(dir, 'municipality.json') } });
    expect(formatCheck(await checkSql(good, envCredentials(good, {})))).toBe(`✓ Fixture ${join(dir, 'municipality.json')} readable`);
    const bad = config({ source: { type: 'fixture', path: join(dir, 'gone.json') } });
    const r = await checkSql(bad, envCredentials(bad, {}));
    expect(r).toMatchObject({ ok: false, code: 'sourceUnavailable' });
    expect(formatCheck(r)).toBe(`✗ Fixture ${join(dir, 'gone.json')}: Fixture ${join(dir, 'gone.json')}: no such file. Check source.path in the configuration.`);
  });
});

describe('checkTarget: GET /v1/ping the way an upload goes', () => {
  it('derives the ping URL from the snapshot URL, as the heartbeat does', () => {
    expect(pingUrl({ url: 'https://upload.example.com/v1/snapshots' })).toBe('https://upload.example.com/v1/ping');
    expect(pingUrl({ url: 'https://api.example.com/procapita/v1/snapshots/' })).toBe('https://api.example.com/procapita/v1/ping');
  });

  it('a key the service knows but that may not import: 403, exit 8', async () => {
    const rec = await startReceiver({ apiKeys: [], forbiddenKeys: [API_KEY] });
    closers.push(rec);
    const c = config({ target: httpsTarget(rec.url) });
    const r = await checkTarget(c, envCredentials(c, { PROCAPITA_API_KEY: API_KEY }), {});
    expect(r).toMatchObject({ ok: false, code: 'accessDenied' });
    expect(r!.detail).toBe("The upload service accepted the API key but does not let it import (403). Ask the service to allow this municipality's key.");
  });

  it.each([
    ['', async <T>(body: () => Promise<T>) => body()],
    [', also with NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment', withTlsChecksOff],
  ])("a certificate no trusted CA signed%s: exit 9 with the sink's TLS message, and the key never sent", async (_, environment) => {
    const rec = await startReceiver({ apiKeys: [API_KEY], tls: { key: readFileSync(join(CERTS, 'untrusted.key')), cert: readFileSync(join(CERTS, 'untrusted.crt')) } });
    closers.push(rec);
    const c = config({ target: httpsTarget(rec.url) });
    const r = await environment(() => checkTarget(c, envCredentials(c, { PROCAPITA_API_KEY: API_KEY }), {}));
    expect(r).toMatchObject({ ok: false, code: 'uploadFailed' });
    expect(r!.detail).toMatch(/^The TLS certificate presented for localhost:\d+ is not trusted: it is self-signed\. If a proxy re-signs TLS, put its CA certificate in a PEM file and name it in target\.caFile\./);
    expect(rec.attempts).toEqual([]);
  });

  it('a directory target, or none: nothing to check', async () => {
    const c = config({ target: { type: 'directory', path: 'out' } });
    expect(await checkTarget(c, envCredentials(c, {}), {})).toBeUndefined();
  });
});

// ---- The scheduled task, with recorded PowerShell answers ------------------------------

const ok = (x: unknown) => ({ code: 0, stdout: JSON.stringify(x) });

describe('checkTask', () => {
  it('not on Windows: not applicable, a pass', async () => {
    const r = await checkTask({ ...windowsIo(TASK, ok(BATCH)), platform: 'linux' });
    expect(formatCheck(r)).toBe('✓ Scheduled task: not applicable here (Windows Task Scheduler)');
  });

  it('registered, last run ok, the account holds the right itself: ✓ with what it found; the account goes to PowerShell on stdin only', async () => {
    const io = windowsIo(TASK, ok(BATCH));
    const r = await checkTask(io, 'C:\\ProgramData\\procapita-sync\\config.json');
    expect(formatCheck(r)).toBe(
      `✓ Scheduled task procapita-sync registered, runs as KOMMUN\\svc-procapita; last result ${describeLastResult(0)}; "Log on as a batch job": granted`,
    );
    const batch = io.commands.find((c) => /SeBatchLogonRight/.test(c.args.join(' ')))!;
    expect(batch).toEqual(batchLogonCommand(ACCOUNT));
    expect(batch.args.join(' ')).not.toContain('svc-procapita');
    expect(batch.args.join(' ')).not.toContain('"');
    expect(JSON.parse(batch.stdin!)).toEqual({ account: ACCOUNT });
  });

  it('the right through a group; a task that has not run yet', async () => {
    const r = await checkTask(windowsIo({ ...TASK, lastTaskResult: 0x41303, lastRunTime: null }, ok({ ...BATCH, granted: 'S-1-5-21-1-2-3-513' })));
    expect(formatCheck(r)).toBe('✓ Scheduled task procapita-sync registered, runs as KOMMUN\\svc-procapita; has not run yet; "Log on as a batch job": granted');
  });

  it('the right cannot be read (not elevated, PowerShell failing): a pass that says it could not check', async () => {
    for (const [batch, why] of [
      [ok({ exported: false, granted: [], sid: BATCH.sid, groups: BATCH.groups }), 'reading the user rights needs an elevated prompt (Run as administrator)'],
      [{ code: 1, stdout: '' }, 'PowerShell could not read the user rights'],
      [new Error('spawn powershell.exe ENOENT'), 'PowerShell could not be run'],
    ] as const) {
      const r = await checkTask(windowsIo(TASK, batch));
      expect(r.ok).toBe(true);
      expect(r.label).toMatch(new RegExp(`; "Log on as a batch job" could not be checked \\(${why.replace(/[()]/g, '\\$&')}\\)$`));
    }
  });

  it('the account lacks the right: ✗ with where to grant it, exit 8', async () => {
    const r = await checkTask(windowsIo(TASK, ok({ ...BATCH, granted: ['S-1-5-32-544'] })));
    expect(r).toMatchObject({ ok: false, code: 'accessDenied' });
    expect(r.detail).toBe('KOMMUN\\svc-procapita lacks the right "Log on as a batch job" on this server, so Task Scheduler cannot start the task. Grant it in Local Security Policy (Local Policies → User Rights Assignment) or by GPO.');
  });

  it('not registered: ✗ with how to register it, exit 3', async () => {
    const r = await checkTask(windowsIo({ registered: false }, ok(BATCH)), 'C:\\cfg.json');
    expect(formatCheck(r)).toBe(
      '✗ Scheduled task procapita-sync: not registered, so nothing runs at night. Register it as the account that stored the secrets: procapita-sync schedule install --config C:\\cfg.json (or run procapita-sync setup).',
    );
    expect(r.code).toBe('config');
  });

  it("a named configuration: doctor checks its own task, procapita-sync-<name>, and names it", async () => {
    const io = windowsIo({ registered: false }, ok(BATCH));
    const r = await checkTask(io, 'C:\\north.json', 'north');
    expect(formatCheck(r)).toBe(
      '✗ Scheduled task procapita-sync-north: not registered, so nothing runs at night. Register it as the account that stored the secrets: procapita-sync schedule install --config C:\\north.json (or run procapita-sync setup).',
    );
    const query = io.commands.find((c) => /Get-ScheduledTaskInfo/.test(c.args.join(' ')))!;
    expect(query.args.at(-1)).toContain("Get-ScheduledTask -TaskName 'procapita-sync-north' -TaskPath '\\'");
  });

  it('doctor on a named configuration that is not valid still checks its own task, not the default one', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ name: 'north', source: { type: 'fixture', path: 'm.json' }, schools: [] }));
    const io = windowsIo({ registered: false }, ok(BATCH));
    let out = '';
    const results = await runDoctor(configPath, { ...io, stdout: (t) => void (out += t) });
    expect(results[0]).toMatchObject({ ok: false, code: 'config' });
    expect(out).toContain('✗ Scheduled task procapita-sync-north: not registered');
    expect(io.commands.find((c) => /Get-ScheduledTask/.test(c.args.join(' ')))!.args.at(-1)).toContain("-TaskName 'procapita-sync-north'");
    // A name that is itself wrong names nothing: the default task.
    writeFileSync(configPath, JSON.stringify({ name: 'Norr Skola', source: { type: 'fixture', path: 'm.json' }, schools: [{ unitCode: 'X', schoolForm: 'GR' }] }));
    out = '';
    await runDoctor(configPath, { ...windowsIo({ registered: false }, ok(BATCH)), stdout: (t) => void (out += t) });
    expect(out).toContain('✗ Scheduled task procapita-sync: not registered');
    expect(out).not.toContain('Norr Skola');
  });

  it("the last run failed: ✗ with its meaning, and that run's exit code", async () => {
    const held = await checkTask(windowsIo({ ...TASK, lastTaskResult: 12 }, ok(BATCH)));
    expect(held).toMatchObject({ ok: false, code: 'heldByGuard' });
    expect(held.detail).toBe(`The last run (2026-08-31T18:30:02.0000000+02:00) ended with ${describeLastResult(12)}.`);
    expect(held.detail).toContain('held by the deletion guard');
    const logon = await checkTask(windowsIo({ ...TASK, lastTaskResult: 0x80070569 }, ok(BATCH)));
    expect(logon).toMatchObject({ ok: false, code: 'accessDenied' });
    expect(logon.detail).toBe(`The last run (2026-08-31T18:30:02.0000000+02:00) ended with ${describeLastResult(0x80070569)}.`);
    expect(logon.detail).toContain('Log on as a batch job');
  });

  it('a task without a stored password, run as another account than doctor: ✗ saying both', async () => {
    const r = await checkTask(windowsIo({ ...TASK, userId: 'KOMMUN\\other', logonType: 'S4U' }, ok({ ...BATCH, groups: null, granted: ['S-1-5-32-544'] })), 'C:\\cfg.json');
    expect(r).toMatchObject({ ok: false, code: 'accessDenied' });
    expect(r.detail).toBe(
      "The task does not store its account's password (LogonType S4U), so it cannot read the secrets in Credential Manager. Register it again: procapita-sync schedule install --config C:\\cfg.json " +
        "The task runs as KOMMUN\\other, but doctor runs as KOMMUN\\svc-procapita: the secrets checked above are KOMMUN\\svc-procapita's, and the task reads KOMMUN\\other's. Run doctor as KOMMUN\\other (runas /user:KOMMUN\\other \"procapita-sync.exe doctor --config C:\\cfg.json\").",
    );
  });

  it('PowerShell cannot read the task: ✗ with the cause', async () => {
    const io = { ...windowsIo(TASK, ok(BATCH)), exec: async () => ({ code: 1, stdout: '', stderr: 'Access is denied. [HRESULT 0x80070005,Get-ScheduledTask]' }) };
    const r = await checkTask(io);
    expect(r).toMatchObject({ ok: false, code: 'accessDenied' });
    expect(r.detail).toMatch(/^Reading the scheduled task: access denied \(0x80070005\)/);
  });
});

describe('checkEventSource', () => {
  it('on Windows: the registry key of the source, read with reg.exe; missing, the line an administrator runs', async () => {
    const there = windowsIo(TASK, ok(BATCH));
    expect(await checkEventSource(there)).toMatchObject({ ok: true, label: 'Event source procapita-sync (Application log) is registered' });
    expect(there.commands).toEqual([sourceQueryCommand]);

    const missing = await checkEventSource(windowsIo(TASK, ok(BATCH), WINDOWS_ENV, undefined, false));
    expect(missing).toMatchObject({ ok: false, code: 'config' });
    expect(formatCheck(missing!)).toBe(
      '✗ Event source procapita-sync (Application log): not registered, so the nightly runs cannot write to the event log, and monitoring that reads it sees nothing. Run this once in a command prompt opened as an administrator: eventcreate /L APPLICATION /T INFORMATION /SO procapita-sync /ID 1 /D "procapita-sync: the event source is registered." (or run procapita-sync setup as an administrator).',
    );
  });

  it('elsewhere: no line, as there is no event log', async () => {
    expect(await checkEventSource({ ...windowsIo(TASK, ok(BATCH)), platform: 'linux' })).toBeUndefined();
  });
});

describe('parseBatchLogon', () => {
  it('reads what PowerShell prints: a single SID as a bare string, names instead of SIDs, a BOM', () => {
    expect(parseBatchLogon({ code: 0, stdout: '\uFEFF{"exported":true,"granted":"S-1-5-21-9","sid":"S-1-5-21-9","groups":null}' }, 'D\\u')).toEqual({ state: 'granted' });
    expect(parseBatchLogon(ok({ exported: true, granted: ['svc-procapita'], sid: null, groups: null }), ACCOUNT)).toEqual({ state: 'granted' });
    expect(parseBatchLogon(ok({ exported: true, granted: [], sid: null, groups: null }), ACCOUNT)).toEqual({ state: 'unknown', why: 'the account KOMMUN\\svc-procapita could not be found' });
    expect(parseBatchLogon(ok({ exported: true, granted: ['S-1-5-32-544'], sid: 'S-1-5-21-9', groups: null }), ACCOUNT)).toMatchObject({ state: 'unknown' });
    expect(parseBatchLogon(ok({ exported: true, sid: 'S-1-5-21-9', groups: [] }), ACCOUNT)).toEqual({ state: 'missing' });
    expect(parseBatchLogon({ code: 0, stdout: 'Get-Content : nope' }, ACCOUNT)).toMatchObject({ state: 'unknown' });
  });
});

describe('doctor on Windows (recorded PowerShell): the task line sits between the service and the folders', () => {
  it('a fixture source and a directory target: config, source, task, folders (the snapshot folder too)', async () => {
    const s = site({ sqlPort: 1, receiverUrl: 'https://unused.invalid' }, { source: { type: 'fixture', path: 'municipality.json' }, target: { type: 'directory', path: 'out' } });
    const io = windowsIo(TASK, ok({ ...BATCH, exported: false }));
    const r = await cli(['doctor', '--config', s.configPath], WINDOWS_ENV, memoryStore(), { platform: 'win32', exec: io.exec });
    expect(r.stdout.split('\n')).toEqual([
      `✓ Configuration ${s.configPath} is valid`,
      `✓ Fixture ${join(s.dir, 'municipality.json')} readable`,
      '✓ Configured schools: 3 of 4 in ProCapita and active on 2026-09-01; not active, so left out: GMSK/GR (school unit not active on the sync date)',
      `✓ Scheduled task procapita-sync registered, runs as KOMMUN\\svc-procapita; last result ${describeLastResult(0)}; "Log on as a batch job" could not be checked (reading the user rights needs an elevated prompt (Run as administrator))`,
      '✓ Event source procapita-sync (Application log) is registered',
      `✓ Log folder ${join(s.dir, 'logs')} writable`,
      `✓ State folder ${join(s.dir, 'state')} writable`,
      `✓ Snapshot folder ${join(s.dir, 'out')} writable`,
      '✓ Only this account, Administrators and SYSTEM can open the log, state and snapshot folders',
      'All 9 checks passed.',
      '',
    ]);
    expect(r.code).toBe(0);
  });
});

describe('doctor validates the configuration exactly as run does', () => {
  it('no target: run stops with exit 2, and so does doctor, with the same words; the other checks still run', async () => {
    const s = site({ sqlPort: 1, receiverUrl: 'https://unused.invalid' }, { source: { type: 'fixture', path: 'municipality.json' }, target: undefined });
    const run = await cli(['run', '--config', s.configPath], WINDOWS_ENV, memoryStore());
    const io = windowsIo(TASK, ok({ ...BATCH, exported: false }));
    const r = await cli(['doctor', '--config', s.configPath], WINDOWS_ENV, memoryStore(), { platform: 'win32', exec: io.exec });
    const why = 'Nowhere to deliver the snapshot: give --out DIR, or a target in the configuration (`procapita-sync help configuration`).';
    expect(run).toMatchObject({ code: 2, stderr: `error: ${why}\n` });
    expect(r.code).toBe(2);
    expect(r.stdout.split('\n')[0]).toBe(`✗ Configuration ${s.configPath}: ${why}`);
    expect(r.stdout).toContain(`✓ Fixture ${join(s.dir, 'municipality.json')} readable`);
    expect(r.stdout).not.toContain('checks passed');
  });

  it('a school code or form that ProCapita does not have fails, exit 3; one no longer active is named on the ✓ line', async () => {
    const demo = JSON.parse(readFileSync(join(ROOT, 'assets/demo/config.json'), 'utf8')) as { schools: { unitCode: string; schoolForm: string }[] };
    // ekgy in lower case: the message names it as configured, never as ProCapita spells it.
    const schools = [...demo.schools, { unitCode: 'BJKS', schoolForm: 'GR' }, { unitCode: 'ekgy', schoolForm: 'GR' }];
    const s = site({ sqlPort: 1, receiverUrl: 'https://unused.invalid' }, { source: { type: 'fixture', path: 'municipality.json' }, target: { type: 'directory', path: 'out' }, schools });
    const r = await cli(['doctor', '--config', s.configPath], WINDOWS_ENV, memoryStore(), { platform: 'win32', exec: windowsIo(TASK, ok({ ...BATCH, exported: false })).exec });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      "✗ Configured schools: 2 of 6 not in ProCapita: BJKS/GR (configured school unit not found in ProCapita), ekgy/GR (school unit has no such school form in ProCapita). Correct the school list (schools in the configuration, or the setup wizard's step 2).",
    );
  });
});

// ---- credentials test ---------------------------------------------------------------------

describe('credentials test NAME: the stored secret, tried where it is used', () => {
  /** A site whose configuration names no environment variables: every secret is in the store. */
  async function storeSite(extra: Record<string, unknown> = {}) {
    const sql = await tdsServer();
    const rec = await receiver();
    const s = site({ sqlPort: sql.port, receiverUrl: rec.url, directory: slapd }, extra);
    const c = JSON.parse(readFileSync(s.configPath, 'utf8')) as { source: Record<string, unknown>; target: Record<string, unknown>; email: { ad: Record<string, unknown> } };
    delete c.source.passwordEnv;
    delete c.target.apiKeyEnv;
    delete c.email.ad.passwordEnv;
    writeFileSync(s.configPath, JSON.stringify({ ...c, ...extra }));
    const store = memoryStore({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY, ldapPassword: slapd.bindPassword });
    return { sql, rec, s, store };
  }
  const test = (name: string, s: { configPath: string }, store: ReturnType<typeof memoryStore>, env: NodeJS.ProcessEnv = {}) => cli(['credentials', 'test', name, '--config', s.configPath], env, store);

  it('sqlPassword, ldapPassword, apiKey: ✓ and exit 0 when they work; ✗ with the check\'s message and exit code when not', async () => {
    const { sql, rec, s, store } = await storeSite();
    const good = await Promise.all(['sqlPassword', 'ldapPassword', 'apiKey'].map((n) => test(n, s, store)));
    expect(good.map((r) => r.stdout)).toEqual([
      `✓ SQL Server 127.0.0.1:${sql.port}, database ProCapita: login and schema check passed (reads at SNAPSHOT isolation)\n`,
      '✓ Directory ldaps://127.0.0.1:3636: bind as cn=svc-sync,ou=service,dc=test,dc=local and read of dc=test,dc=local passed\n',
      `✓ Upload service ${rec.url}/v1/ping: reachable, API key accepted\n`,
    ]);
    expect(good.map((r) => r.code)).toEqual([0, 0, 0]);

    store.values.sqlPassword = 'old-password-1';
    store.values.ldapPassword = 'old-password-2';
    store.values.apiKey = 'old-key-3';
    const bad = [await test('sqlPassword', s, store), await test('ldapPassword', s, store), await test('apiKey', s, store)];
    expect(bad.map((r) => r.code)).toEqual([8, 8, 8]);
    expect(bad[0]!.stdout).toMatch(new RegExp(`^✗ SQL Server 127\\.0\\.0\\.1:${sql.port}, database ProCapita: SQL Server at 127\\.0\\.0\\.1:${sql.port} refused the login for user 'procapita_reader'\\.`));
    expect(bad[1]!.stdout).toMatch(/^✗ Directory ldaps:\/\/127\.0\.0\.1:3636: The directory at 127\.0\.0\.1:3636 refused the bind for account cn=svc-sync/);
    expect(bad[2]!.stdout).toBe(
      `✗ Upload service ${rec.url}/v1/ping: The upload service refused the API key (401). Check the key in the Secret Service keyring (service procapita-sync, account apiKey); it may have been rotated.\n`,
    );
    expect(bad[0]!.stderr).toBe('error: The stored SQL password did not pass the test (see above).\n');
    for (const r of bad) for (const secret of ['old-password-1', 'old-password-2', 'old-key-3', SQL_PASSWORD, API_KEY]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('tests the stored value even when the environment variable the configuration names is set, and says the run uses the variable', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const s = site({ sqlPort: sql.port, receiverUrl: rec.url });
    const store = memoryStore({ sqlPassword: 'stale-stored-value' });
    const r = await test('sqlPassword', s, store, s.env);
    expect(r.code).toBe(8);
    expect(r.stdout.split('\n')[1]).toBe('Note: environment variable PROCAPITA_SQL_PASSWORD (source.passwordEnv) is set, and a run uses it instead of the stored value while it is.');
    expect(store.reads).toEqual(['sqlPassword']);
  });

  it('nothing stored: exit 8 with how to store it; a secret the configuration does not use: exit 2; not a secret name: exit 2, not echoed', async () => {
    const { s, store } = await storeSite();
    delete store.values.apiKey;
    const missing = await test('apiKey', s, store);
    expect(missing.stdout).toMatch(
      /^✗ Upload service https:\/\/localhost:\d+\/v1\/ping: The API key is not stored for \S+ in the Secret Service keyring \(service procapita-sync, account apiKey\)\. Secrets there are kept per account, and only the account that stored one can read it: run this as the account that runs the nightly task, and store it as that account with `procapita-sync credentials set apiKey --config .*config\.json` \(or the setup wizard\)\.\n$/,
    );
    expect(missing.code).toBe(8);
    const unused = await test('proxyPassword', s, store);
    expect(unused.stderr).toBe(`error: The configuration ${s.configPath} does not use the proxy password, so there is nothing to test it against.\n`);
    expect(unused.code).toBe(2);
    const typo = await test('hunter2-secret', s, store);
    expect(typo.code).toBe(2);
    expect(typo.stdout + typo.stderr).not.toContain('hunter2-secret');
  });

  it('proxyPassword: through a CONNECT proxy with Basic authentication', async () => {
    const proxy = await startConnectProxy({ basic: { user: 'svc-proxy', password: 'Proxy-Pass-1' } });
    closers.push(proxy);
    const { rec, s, store } = await storeSite();
    const c = JSON.parse(readFileSync(s.configPath, 'utf8')) as { target: Record<string, unknown> };
    c.target.proxy = { url: proxy.url, user: 'svc-proxy' };
    writeFileSync(s.configPath, JSON.stringify(c));

    store.values.proxyPassword = 'Proxy-Pass-1';
    const good = await test('proxyPassword', s, store);
    expect(good.stdout).toBe(`✓ Proxy ${proxy.url} to ${rec.url}/v1/ping: the service answered through the proxy (HTTP 200)\n`);
    expect(good.code).toBe(0);
    expect(proxy.connects.at(-1)!.authorization).toBe(`Basic ${Buffer.from('svc-proxy:Proxy-Pass-1').toString('base64')}`);

    store.values.proxyPassword = 'wrong-proxy-pass';
    const bad = await test('proxyPassword', s, store);
    expect(bad.stdout).toMatch(/^✗ Proxy http:\/\/127\.0\.0\.1:\d+ to .*: The proxy asked for authentication \(407\)\./);
    expect(bad.code).toBe(9);
    expect(bad.stdout + bad.stderr).not.toContain('wrong-proxy-pass');
  });
});
