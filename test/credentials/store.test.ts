/**
 * The credential store against a real Secret Service: GNOME Keyring on a
 * D-Bus session of its own, a fresh keyring per test (keyring.ts). Secrets go
 * in through `credentials set` on standard input and come out in a real `run`
 * that logs in to the TDS test server with them. Never skipped: a missing
 * gnome-keyring or dbus-run-session fails these tests, locally and in CI.
 * Each test has its own keyring and server, so they run concurrently.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { currentAccount } from '../../src/configure/credentials';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer } from '../tds/server';
import { DEMO_DATE, ROOT, demoFixture, snapshotText, tempDir, writeSetup } from '../support/cli';
import { CLI, cleanEnv, keyring, requireKeyringTools, spawnCollect, type KeyringResult } from './keyring';

const certs = join(ROOT, 'test/certs');
const tls = { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) };
const PASSWORD = 'Läs-bara 2026!';
const ACCOUNT = currentAccount(process.env);
const STORE = 'the Secret Service keyring';
const TIMEOUT = 90_000;

beforeAll(() => {
  requireKeyringTools();
});

/** Closed when its own test finishes: the context's hook, as the global one may name another of these concurrent tests. */
async function serve({ onTestFinished }: TestContext): Promise<TdsServer> {
  const server = await startTdsServer({ db: openFixtureDatabase(demoFixture()), logins: { procapita_reader: PASSWORD }, tls });
  onTestFinished(() => server.close());
  return server;
}

/** A SQL source with no passwordEnv (or the one given): the password comes from the store. */
function setup(port: number, passwordEnv?: string) {
  const source = { type: 'sql', host: '127.0.0.1', port, database: 'ProCapita', user: 'procapita_reader', caFile: join(certs, 'ca.crt'), ...(passwordEnv ? { passwordEnv } : {}) };
  const { configPath, dir } = writeSetup(demoFixture(), { source });
  return { configPath, out: join(dir, 'out'), runArgs: ['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')] };
}

/** Runs keytarStore() operations in the keyring's session (store-script.ts). */
async function storeOps(k: ReturnType<typeof keyring>, ops: string[], values: string[] = []) {
  const r = await k.run(['node', '--import', 'tsx', join(ROOT, 'test/credentials/store-script.ts'), ...ops], { input: JSON.stringify(values) });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { op: string; ok: boolean; value?: unknown; code?: string; message?: string });
}

function expectNoSecret(r: KeyringResult, ...secrets: string[]) {
  for (const s of secrets) expect(r.stdout + r.stderr).not.toContain(s);
}

describe.concurrent('keytarStore on a real Secret Service', () => {
  it(
    'sets, gets and deletes; values survive from one session to the next; a missing one is undefined',
    async () => {
      const k = keyring();
      const first = await storeOps(k, ['get:sqlPassword', 'set:sqlPassword', 'set:apiKey', 'get:sqlPassword'], [PASSWORD, 'å'.repeat(1280)]);
      expect(first).toEqual([
        { op: 'get:sqlPassword', ok: true },
        { op: 'set:sqlPassword', ok: true },
        { op: 'set:apiKey', ok: true },
        { op: 'get:sqlPassword', ok: true, value: PASSWORD },
      ]);
      // A new D-Bus session and a new gnome-keyring-daemon: what the keyring file kept.
      const second = await storeOps(k, ['get:sqlPassword', 'get:apiKey', 'get:ldapPassword', 'delete:sqlPassword', 'delete:sqlPassword', 'get:sqlPassword', 'get:apiKey']);
      expect(second).toEqual([
        { op: 'get:sqlPassword', ok: true, value: PASSWORD },
        { op: 'get:apiKey', ok: true, value: 'å'.repeat(1280) },
        { op: 'get:ldapPassword', ok: true },
        { op: 'delete:sqlPassword', ok: true, value: true },
        { op: 'delete:sqlPassword', ok: true, value: false },
        { op: 'get:sqlPassword', ok: true },
        { op: 'get:apiKey', ok: true, value: 'å'.repeat(1280) },
      ]);
    },
    TIMEOUT,
  );

  it(
    'the setup probe writes, reads back and removes an entry of its own; the secrets are untouched',
    async () => {
      const k = keyring();
      const r = await storeOps(k, ['set:sqlPassword', 'probe', 'peek:setup-probe', 'get:sqlPassword'], [PASSWORD]);
      expect(r).toEqual([
        { op: 'set:sqlPassword', ok: true },
        { op: 'probe', ok: true },
        { op: 'peek:setup-probe', ok: true },
        { op: 'get:sqlPassword', ok: true, value: PASSWORD },
      ]);
    },
    TIMEOUT,
  );

  it(
    'refuses a value over 2,560 bytes and an empty one, and keeps what was stored',
    async () => {
      const k = keyring();
      const r = await storeOps(k, ['set:apiKey', 'set:apiKey', 'set:apiKey', 'get:apiKey'], ['old-key', `${'k'.repeat(2559)}å`, '']);
      expect(r).toEqual([
        { op: 'set:apiKey', ok: true },
        { op: 'set:apiKey', ok: false, code: 'usage', message: 'The API key is 2561 bytes long (UTF-8); Windows Credential Manager holds at most 2560. Nothing was stored.' },
        { op: 'set:apiKey', ok: false, code: 'usage', message: 'The API key is empty: nothing was stored. Give the value on standard input.' },
        { op: 'get:apiKey', ok: true, value: 'old-key' },
      ]);
    },
    TIMEOUT,
  );
});

describe.concurrent('credentials set, then a run that reads the SQL password from the store', () => {
  it(
    'stores a piped password (one trailing newline taken off) and the run logs in with it; the value is never printed',
    async (context) => {
      const server = await serve(context);
      const k = keyring();
      const { configPath, out, runArgs } = setup(server.port);

      const set = await k.cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { input: `${PASSWORD}\n` });
      expect(set.stderr).toBe('');
      expect(set.code).toBe(0);
      expect(set.stdout).toBe(
        `Stored the SQL password for procapita_reader in ${STORE} (service procapita-sync, account sqlPassword). It is in ${ACCOUNT}'s keyring: only procapita-sync running as ${ACCOUNT} can read it.\n`,
      );
      expect(server.sessions).toHaveLength(0);

      const run = await k.cli(runArgs);
      expect(run.stderr).toMatch(/^Reading ProCapita in one transaction at SNAPSHOT isolation\.\nRead \d+ rows from ProCapita/);
      expect(run.code).toBe(0);
      expect(snapshotText(out)).not.toBeNull();
      expect(server.sessions.some((s) => s.user === 'procapita_reader')).toBe(true);
      expectNoSecret(set, PASSWORD);
      expectNoSecret(run, PASSWORD);
    },
    TIMEOUT,
  );

  it(
    'nothing stored: exit 8 before connecting, with the command to run and as whom',
    async (context) => {
      const server = await serve(context);
      const k = keyring();
      const { configPath, out, runArgs } = setup(server.port);
      const run = await k.cli(runArgs);
      expect(run.code).toBe(8);
      expect(run.stderr).toBe(
        `error: The SQL password is not stored for ${ACCOUNT} in ${STORE} (service procapita-sync, account sqlPassword). Secrets there are kept per account, and only the account that stored one can read it: run this as the account that runs the nightly task, and store it as that account with \`procapita-sync credentials set sqlPassword --config ${configPath}\` (or the setup wizard).\n`,
      );
      expect(server.sessions).toHaveLength(0);
      expect(snapshotText(out)).toBeNull();
    },
    TIMEOUT,
  );

  it(
    'a named environment variable that is set wins over the store; unset, the store is used',
    async (context) => {
      const server = await serve(context);
      const k = keyring();
      const { configPath, runArgs } = setup(server.port, 'PROCAPITA_SQL_PASSWORD');
      expect((await k.cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { input: 'fel-lösenord' })).code).toBe(0);

      const fromEnv = await k.cli(runArgs, { env: { PROCAPITA_SQL_PASSWORD: PASSWORD } });
      expect(fromEnv.code).toBe(0);

      const fromStore = await k.cli(runArgs, { env: { PROCAPITA_SQL_PASSWORD: '' } });
      expect(fromStore.code).toBe(8);
      // The wrong stored password: the message says where it came from.
      expect(fromStore.stderr).toBe(
        `error: SQL Server at 127.0.0.1:${server.port} refused the login for user 'procapita_reader'. Check the SQL account and its password (${STORE} (service procapita-sync, account sqlPassword)), and that database 'ProCapita' exists and the account may open it.\n`,
      );
      expectNoSecret(fromStore, 'fel-lösenord');
    },
    TIMEOUT,
  );

  it(
    'a value too long is refused with exit 2 and nothing is stored; delete then says so',
    async () => {
      const k = keyring();
      const { configPath } = setup(1);
      const value = 'Z7q'.repeat(900); // 2,700 bytes
      const set = await k.cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { input: value });
      expect(set.code).toBe(2);
      expect(set.stderr).toBe('error: The SQL password is 2700 bytes long (UTF-8); Windows Credential Manager holds at most 2560. Nothing was stored.\n');
      expectNoSecret(set, 'Z7qZ7q');

      const del = await k.cli(['credentials', 'delete', 'sqlPassword', '--config', configPath]);
      expect(del.code).toBe(0);
      expect(del.stdout).toBe(`No SQL password was stored in ${STORE} (service procapita-sync, account sqlPassword) of ${ACCOUNT}: nothing was deleted.\n`);
    },
    TIMEOUT,
  );

  it(
    'delete removes it: the next run stops with exit 8',
    async (context) => {
      const server = await serve(context);
      const k = keyring();
      const { configPath, runArgs } = setup(server.port);
      expect((await k.cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { input: PASSWORD })).code).toBe(0);
      const del = await k.cli(['credentials', 'delete', 'sqlPassword', '--config', configPath]);
      expect(del.code).toBe(0);
      expect(del.stdout).toMatch(/^Deleted the SQL password from the Secret Service keyring \(service procapita-sync, account sqlPassword\) of .*\nThe configuration still needs it/);
      const run = await k.cli(runArgs);
      expect(run.code).toBe(8);
      expect(run.stderr).toMatch(/^error: The SQL password is not stored for /);
      expect(server.sessions).toHaveLength(0);
    },
    TIMEOUT,
  );
});

describe.concurrent('no Secret Service: exit 8 with what to do', () => {
  const nowhere = () => cleanEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/procapita-sync-test-bus', DISPLAY: undefined });

  it(
    'credentials set and run both stop with exit 8 and say why',
    async (context) => {
      const server = await serve(context);
      const { configPath, runArgs } = setup(server.port);
      const set = await spawnCollect(CLI[0], [...CLI.slice(1), 'credentials', 'set', 'sqlPassword', '--config', configPath], nowhere(), { input: PASSWORD });
      expect(set.code).toBe(8);
      expect(set.stderr).toMatch(/^error: No Secret Service is reachable \(Could not connect: No such file or directory\)\. On Linux the credential store is the keyring .*name environment variables for the secrets in the configuration instead \(`procapita-sync help configuration`, section "Credentials"\)\.\n$/);
      expectNoSecret(set, PASSWORD);

      const run = await spawnCollect(CLI[0], [...CLI.slice(1), ...runArgs], nowhere());
      expect(run.code).toBe(8);
      expect(run.stderr).toMatch(/^error: No Secret Service is reachable \(Could not connect: No such file or directory\)\./);
      expect(server.sessions).toHaveLength(0);
    },
    TIMEOUT,
  );

  it(
    'setup stops before its first question, saying who runs it and why the store cannot be used',
    async () => {
      const dir = tempDir('procapita-sync-nostore-');
      const r = await spawnCollect(CLI[0], [...CLI.slice(1), 'setup', '--lang', 'en', '--non-interactive', '--config', join(dir, 'config.json')], nowhere());
      expect(r.code).toBe(8);
      expect(r.stdout).toContain(`This wizard runs as ${ACCOUNT}. The secrets go into the Secret Service keyring, which keeps them per account: only ${ACCOUNT} can read them.\nTesting the Secret Service keyring for ${ACCOUNT}…\n  ✗ `);
      expect(r.stderr).toMatch(/^error: No Secret Service is reachable \(Could not connect: No such file or directory\)\./);
      // Nothing asked, nothing written.
      expect(r.stdout).not.toContain('[1/10]');
      expect(r.stderr).not.toContain('answer');
      expect(existsSync(join(dir, 'config.json'))).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'commands that need no secret run as before',
    async () => {
      const { configPath } = writeSetup(demoFixture());
      const r = await spawnCollect(CLI[0], [...CLI.slice(1), 'status', '--config', configPath], nowhere());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    },
    TIMEOUT,
  );
});
