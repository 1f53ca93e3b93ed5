/**
 * The credential store's logic without a store: which source wins, the
 * messages, the limits, the error mapping (Windows error 1312, a missing
 * libsecret: neither can happen on this machine, so synthetic errors stand in),
 * and the `credentials` commands against an in-memory store. The same paths
 * against a real Secret Service are in store.test.ts.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/program';
import { readPipedSecret } from '../../src/cli/credentials';
import { parseConfig } from '../../src/configure/config';
import {
  checkSecretValue,
  credentialsFrom,
  explainStoreError,
  MAX_SECRET_BYTES,
  SECRET_NAMES,
  secretOrigin,
  storeEntry,
  type SecretName,
  type SecretStore,
} from '../../src/configure/credentials';
import { AppError } from '../../src/errors';
import { writeSetup, demoFixture, tempDir } from '../support/cli';
import { queryTaskCommand } from '../../src/schedule/task';
import { join } from 'node:path';
import { ours } from '../../src/safe-text';

/** A stand-in store for these tests only; store.test.ts uses the real one. */
function memoryStore(initial: Partial<Record<SecretName, string>> = {}): SecretStore & { values: Map<SecretName, string>; asked: SecretName[] } {
  const values = new Map(Object.entries(initial) as [SecretName, string][]);
  const asked: SecretName[] = [];
  return {
    values,
    asked,
    async get(name) {
      asked.push(name);
      return values.get(name);
    },
    async set(name, value) {
      checkSecretValue(name, value);
      values.set(name, value);
    },
    async delete(name) {
      return values.delete(name);
    },
    async probe() {},
  };
}

const brokenStore = (message: string): SecretStore => ({
  get: async () => {
    throw explainStoreError(new Error(message), 'linux');
  },
  set: async () => {
    throw explainStoreError(new Error(message), 'linux');
  },
  delete: async () => {
    throw explainStoreError(new Error(message), 'linux');
  },
  probe: async () => {
    throw explainStoreError(new Error(message), 'linux');
  },
});

const sqlConfig = { type: 'sql', host: 'db.kommun.local', database: 'ProCapita', user: 'procapita_reader' };

async function cli(args: readonly string[], o: { store: SecretStore; input?: string; env?: NodeJS.ProcessEnv; onRead?: () => void; more?: Partial<Io> }) {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => new Date('2026-09-01T10:00:00Z'),
    env: o.env ?? { USER: 'svc-procapita' },
    sleep: async () => undefined,
    random: () => 0.5,
    secrets: o.store,
    readSecret: async () => {
      o.onRead?.();
      if (o.input === undefined) throw new Error('the test gave no input');
      return readPipedSecret(Readable.from([Buffer.from(o.input, 'utf8')]));
    },
    ...o.more,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe('credentialsFrom: an environment variable the configuration names wins when it is set; otherwise the store', () => {
  const env = { USER: 'svc-procapita', PROCAPITA_SQL_PASSWORD: 'from-env' };

  it('takes a set variable without asking the store', async () => {
    const store = memoryStore({ sqlPassword: 'from-store' });
    const c = credentialsFrom(store, { sqlPassword: 'PROCAPITA_SQL_PASSWORD' }, env);
    expect(await c.get('sqlPassword')).toBe('from-env');
    expect(store.asked).toEqual([]);
    expect(c.origin?.('sqlPassword')).toBe('environment variable PROCAPITA_SQL_PASSWORD');
  });

  it('falls back to the store when the named variable is unset or empty', async () => {
    const store = memoryStore({ sqlPassword: 'from-store' });
    expect(await credentialsFrom(store, { sqlPassword: 'UNSET_VARIABLE' }, env).get('sqlPassword')).toBe('from-store');
    expect(await credentialsFrom(store, { sqlPassword: 'EMPTY' }, { EMPTY: '' }).get('sqlPassword')).toBe('from-store');
    const c = credentialsFrom(store, {}, env);
    expect(await c.get('sqlPassword')).toBe('from-store');
    expect(c.origin?.('sqlPassword')).toBe(storeEntry('sqlPassword'));
  });

  it('not stored, no variable: says for whom, that secrets are per account, and the command to run as which account', async () => {
    const c = credentialsFrom(memoryStore(), {}, { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' }, { configPath: 'C:\\ProgramData\\procapita-sync\\config.json', platform: 'win32' });
    const err = await c.get('sqlPassword').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('accessDenied');
    expect((err as AppError).message).toBe(
      'The SQL password is not stored for KOMMUN\\svc-procapita in Windows Credential Manager (service procapita-sync, account sqlPassword). Secrets there are kept per account, and only the account that stored one can read it: run this as the account that runs the nightly task, and store it as that account with `procapita-sync credentials set sqlPassword --config C:\\ProgramData\\procapita-sync\\config.json` (or the setup wizard).',
    );
  });

  it.each([
    [
      'another account than the task\'s: names the task\'s account, and how to run as it',
      'KOMMUN\\svc-procapita',
      'The SQL password is not stored for KOMMUN\\anna.admin in Windows Credential Manager (service procapita-sync, account sqlPassword). Secrets there are kept per account, and the scheduled task runs as KOMMUN\\svc-procapita, not as KOMMUN\\anna.admin: run this as KOMMUN\\svc-procapita (`runas /user:KOMMUN\\svc-procapita cmd`, then the same command), or store it for KOMMUN\\svc-procapita with `procapita-sync credentials set sqlPassword --config C:\\sync\\config.json` run as that account.',
    ],
    [
      'the task\'s own account (as Task Scheduler names it, without the domain)',
      'anna.admin',
      'The SQL password is not stored for KOMMUN\\anna.admin in Windows Credential Manager (service procapita-sync, account sqlPassword). Store it as KOMMUN\\anna.admin, the account the scheduled task runs as: `procapita-sync credentials set sqlPassword --config C:\\sync\\config.json` (or the setup wizard).',
    ],
  ])('not stored, %s', async (_, task, said) => {
    const c = credentialsFrom(memoryStore(), {}, { USERDOMAIN: 'KOMMUN', USERNAME: 'anna.admin' }, { configPath: 'C:\\sync\\config.json', platform: 'win32', taskAccount: async () => task });
    expect(((await c.get('sqlPassword').catch((e: unknown) => e)) as AppError).message).toBe(said);
  });

  it('a named variable that is unset, and nothing stored: the message begins as it always has, then names the store', async () => {
    const err = (await credentialsFrom(memoryStore(), { apiKey: 'PROCAPITA_API_KEY' }, { USER: 'svc' }, { configPath: '/etc/procapita-sync/config.json', platform: 'linux' })
      .get('apiKey')
      .catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('accessDenied');
    expect(err.message).toBe(
      'The API key is not set: the configuration names environment variable PROCAPITA_API_KEY, which is empty. Nor is it stored in the Secret Service keyring (service procapita-sync, account apiKey) for svc. Set the variable for the account that runs procapita-sync, or run `procapita-sync credentials set apiKey --config /etc/procapita-sync/config.json` as that account.',
    );
  });

  it('a store that cannot be opened: its own message without a variable; after the variable\'s with one', async () => {
    const store = brokenStore('Cannot autolaunch D-Bus without X11 $DISPLAY');
    const plain = (await credentialsFrom(store, {}, {}, { platform: 'linux' }).get('ldapPassword').catch((e: unknown) => e)) as AppError;
    expect(plain.code).toBe('accessDenied');
    expect(plain.message).toMatch(/^No Secret Service is reachable \(Cannot autolaunch D-Bus without X11 \$DISPLAY\)\. On Linux the credential store is the keyring/);
    const named = (await credentialsFrom(store, { ldapPassword: 'LDAP_PW' }, {}, { platform: 'linux' }).get('ldapPassword').catch((e: unknown) => e)) as AppError;
    expect(named.code).toBe('accessDenied');
    expect(named.message).toMatch(/^The directory \(LDAP\) bind password is not set: the configuration names environment variable LDAP_PW, which is empty\. Set it for the account that runs procapita-sync\. The credential store could not be read either: No Secret Service is reachable/);
  });

  it('secretOrigin: without the environment, both places the configuration allows', () => {
    expect(secretOrigin('apiKey', 'K', undefined, 'win32')).toBe('environment variable K, or when it is not set Windows Credential Manager (service procapita-sync, account apiKey)');
    expect(secretOrigin('apiKey', undefined, undefined, 'win32')).toBe('Windows Credential Manager (service procapita-sync, account apiKey)');
    expect(secretOrigin('apiKey', 'K', { K: 'x' }, 'win32')).toBe('environment variable K');
    expect(secretOrigin('apiKey', 'K', {}, 'win32')).toBe('Windows Credential Manager (service procapita-sync, account apiKey)');
  });
});

describe('what the store can hold', () => {
  it(`${MAX_SECRET_BYTES} bytes of UTF-8 fit, one more does not; å counts as two bytes (keytar gives Windows the UTF-8 bytes)`, () => {
    expect(() => checkSecretValue('apiKey', 'k'.repeat(2560))).not.toThrow();
    expect(() => checkSecretValue('apiKey', 'å'.repeat(1280))).not.toThrow();
    for (const value of ['k'.repeat(2561), 'å'.repeat(1281), `${'k'.repeat(2559)}å`]) {
      const err = (() => {
        try {
          checkSecretValue('apiKey', value);
        } catch (e) {
          return e as AppError;
        }
        throw new Error('not refused');
      })();
      expect(err.code).toBe('usage');
      expect(err.message).toBe(`The API key is ${Buffer.byteLength(value)} bytes long (UTF-8); Windows Credential Manager holds at most 2560. Nothing was stored.`);
    }
  });

  it('refuses an empty value and a NUL character', () => {
    expect(() => checkSecretValue('sqlPassword', '')).toThrow('The SQL password is empty: nothing was stored. Give the value on standard input.');
    expect(() => checkSecretValue('sqlPassword', 'a\0b')).toThrow(/NUL character/);
  });
});

describe('explainStoreError: what keytar says, turned into what to do', () => {
  const explain = (message: string, platform: NodeJS.Platform, secret?: string) => {
    const e = explainStoreError(new Error(message), platform, secret);
    expect(e.code).toBe('accessDenied');
    return e.message;
  };

  it('Windows error 1312: a task without a stored password', () => {
    // keytar passes FormatMessage's text, in the system's language.
    for (const text of ['A specified logon session does not exist. It may already have been terminated.\r\n', 'En angiven inloggningssession finns inte. Den kan redan ha avslutats.']) {
      const m = explain(text, 'win32');
      expect(m).toMatch(/^Windows Credential Manager cannot be opened: a specified logon session does not exist \(error 1312, ERROR_NO_SUCH_LOGON_SESSION\)\./);
      expect(m).toContain('"Do not store password", S4U');
      expect(m).toContain('LogonType Password');
      expect(m).toContain('for the account that stored the secrets');
    }
  });

  it('the native library missing: names libsecret on Linux, keytar.node elsewhere', () => {
    const linux = explain('libsecret-1.so.0: cannot open shared object file: No such file or directory', 'linux');
    expect(linux).toBe(
      'The credential store cannot be used: the Secret Service client library libsecret (libsecret-1.so.0) could not be loaded (libsecret-1.so.0: cannot open shared object file: No such file or directory). Install it (Debian, Ubuntu: apt-get install libsecret-1-0; RHEL, Fedora: dnf install libsecret), or name environment variables for the secrets in the configuration instead (`procapita-sync help configuration`, section "Credentials").',
    );
    expect(explain('Failed to load keytar native addon, checked ["../build/Release"] on prebuilds/linux-x64', 'linux')).toMatch(/libsecret-1-0/);
    const windows = explain('The specified module could not be found.\\\\?\\C:\\x\\keytar.node', 'win32');
    expect(windows).toMatch(/^The credential store cannot be used: procapita-sync's module for Windows Credential Manager \(keytar\.node\) could not be loaded .* Reinstall procapita-sync/);
    const dlopen = Object.assign(new Error('whatever'), { code: 'ERR_DLOPEN_FAILED' });
    expect(explainStoreError(dlopen, 'linux').message).toMatch(/libsecret/);
  });

  it('no Secret Service on the D-Bus session', () => {
    expect(explain('Cannot autolaunch D-Bus without X11 $DISPLAY', 'linux')).toMatch(/^No Secret Service is reachable \(Cannot autolaunch D-Bus without X11 \$DISPLAY\)\./);
    expect(explain('Could not connect: No such file or directory', 'linux')).toMatch(/^No Secret Service is reachable \(Could not connect: No such file or directory\)\. .*environment variables/);
    expect(explain('The name org.freedesktop.secrets was not provided by any .service files', 'linux')).toMatch(/^No Secret Service is reachable/);
  });

  it('a locked keyring, and anything else with its own words', () => {
    expect(explain('Cannot create an item in a locked collection', 'linux')).toMatch(/^the Secret Service keyring is locked \(Cannot create an item in a locked collection\)\. Unlock the keyring/);
    expect(explain('Access is denied.', 'win32')).toMatch(/^Windows Credential Manager could not be used \(Access is denied\)\. Check that the account/);
    // 1312's words mean nothing special off Windows.
    expect(explain('logon session does not exist', 'linux')).toMatch(/^the Secret Service keyring could not be used/);
  });

  it('never carries the value, should a library ever echo it', () => {
    expect(explain('could not store "hemligt-värde-123" in the collection', 'linux', 'hemligt-värde-123')).not.toContain('hemligt-värde-123');
  });

  it('leaves an AppError as it is', () => {
    const e = new AppError('usage', ours('x'));
    expect(explainStoreError(e)).toBe(e);
  });
});

describe('reading a piped secret', () => {
  const read = (...chunks: (string | Buffer)[]) => readPipedSecret(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));

  it('takes off one trailing line break and a byte order mark, nothing else', async () => {
    expect(await read('hemligt\n')).toBe('hemligt');
    expect(await read('hemligt\r\n')).toBe('hemligt');
    expect(await read('hemligt\n\n')).toBe('hemligt\n');
    expect(await read(' med mellanslag ')).toBe(' med mellanslag ');
    expect(await read('\uFEFFhemligt\r\n')).toBe('hemligt');
    expect(await read('')).toBe('');
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = Buffer.from('Läs-bara 2026!\n');
    expect(await read(bytes.subarray(0, 2), bytes.subarray(2))).toBe('Läs-bara 2026!');
  });

  it('refuses more than a secret could be', async () => {
    await expect(read('x'.repeat(70_000))).rejects.toThrow(/more than 65536 bytes/);
  });
});

describe('config: the *Env keys are optional', () => {
  it('accepts a SQL source, a target, a proxy and a directory with no environment variables', () => {
    const c = parseConfig(
      {
        source: sqlConfig,
        target: { type: 'https', url: 'https://import.example.se/v1/snapshots', proxy: { url: 'http://proxy:8080', user: 'svc' } },
        email: { ad: { url: 'ldaps://dc01:636', bindDn: 'svc@kommun.local', baseDn: 'DC=kommun,DC=local' } },
        schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }],
      },
      '/etc/procapita-sync/config.json',
    );
    expect(c.source.type === 'sql' && c.source.passwordEnv).toBe(undefined);
    expect(c.file).toBe('/etc/procapita-sync/config.json');
  });

  it('still refuses a name that is no environment variable', () => {
    expect(() => parseConfig({ source: { ...sqlConfig, passwordEnv: 'secret123!' }, schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }] }, '/c.json')).toThrow(/source\.passwordEnv: name an environment variable/);
  });
});

describe('a secret this account lacks, in every command that needs one: the store is per account, and the task runs as …', () => {
  const setup = () => writeSetup(demoFixture(), { source: { ...sqlConfig, port: 1433 }, target: { type: 'directory', path: 'out' } }).configPath;
  const admin = { USERDOMAIN: 'KOMMUN', USERNAME: 'anna.admin' };
  /** Task Scheduler (mocked: it cannot run here) says the task runs as KOMMUN\\svc-procapita; nothing else is expected. */
  const windows = (): Partial<Io> => ({
    platform: 'win32',
    exec: async (c) =>
      JSON.stringify(c) === JSON.stringify(queryTaskCommand())
        ? { code: 0, stdout: JSON.stringify({ registered: true, userId: 'KOMMUN\\svc-procapita', logonType: 'Password' }), stderr: '' }
        : { code: 1, stdout: '', stderr: 'not expected' },
  });
  const said = 'Secrets there are kept per account, and the scheduled task runs as KOMMUN\\svc-procapita, not as KOMMUN\\anna.admin: run this as KOMMUN\\svc-procapita (`runas /user:KOMMUN\\svc-procapita cmd`, then the same command)';

  it.each([
    ['run', (c: string) => ['run', '--config', c, '--date', '2026-09-01']],
    ['run --out', (c: string) => ['run', '--config', c, '--date', '2026-09-01', '--out', join(tempDir(), 'out')]],
    ['explain', (c: string) => ['explain', 'Björk', '--config', c, '--date', '2026-09-01']],
    ['credentials test', (c: string) => ['credentials', 'test', 'sqlPassword', '--config', c]],
    ['doctor', (c: string) => ['doctor', '--config', c]],
  ])('%s', async (_, args) => {
    const configPath = setup();
    const r = await cli(args(configPath), { store: memoryStore(), env: admin, more: windows() });
    expect(r.code).toBe(8);
    expect(r.stdout + r.stderr).toContain('The SQL password is not stored for KOMMUN\\anna.admin in Windows Credential Manager (service procapita-sync, account sqlPassword).');
    expect(r.stdout + r.stderr).toContain(said);
  });
});

describe('credentials set|delete against an in-memory store', () => {
  const setup = () => writeSetup(demoFixture(), { source: { ...sqlConfig, port: 1433 } }).configPath;

  it('stores the value from standard input and says what it did, never the value', async () => {
    const configPath = setup();
    const store = memoryStore();
    const r = await cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { store, input: 'Läs-bara 2026!\n' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(store.values.get('sqlPassword')).toBe('Läs-bara 2026!');
    expect(r.stdout).toContain(`Stored the SQL password for procapita_reader in ${storeEntry('sqlPassword')}.`);
    expect(r.stdout).toContain('svc-procapita');
    expect(r.stdout).not.toContain('Läs-bara');
    const again = await cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { store, input: 'Ny-2027' });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^Replaced the SQL password for procapita_reader in /);
    expect(store.values.get('sqlPassword')).toBe('Ny-2027');
  });

  it('notes a set variable that wins, and a secret the configuration does not use', async () => {
    const configPath = writeSetup(demoFixture(), { source: { ...sqlConfig, passwordEnv: 'PROCAPITA_SQL_PASSWORD' } }).configPath;
    const store = memoryStore();
    const r = await cli(['credentials', 'set', 'sqlPassword', '--config', configPath], { store, input: 'pw', env: { USER: 'svc', PROCAPITA_SQL_PASSWORD: 'other' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Note: environment variable PROCAPITA_SQL_PASSWORD (source.passwordEnv) is set, and wins over the stored value while it is.');
    const proxy = await cli(['credentials', 'set', 'proxyPassword', '--config', configPath], { store, input: 'pw' });
    expect(proxy.code).toBe(0);
    expect(proxy.stdout).toContain(`Stored the proxy password in ${storeEntry('proxyPassword')}.`);
    expect(proxy.stdout).toContain(`Note: the configuration ${configPath} does not use the proxy password.`);
  });

  it('a wrong name: exit 2, the valid names listed, the name not echoed', async () => {
    const store = memoryStore();
    const r = await cli(['credentials', 'set', 'Hemligt-123', '--config', setup()], { store, input: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: That is not the name of a secret. The names are: sqlPassword (the SQL password), ldapPassword (the directory (LDAP) bind password), apiKey (the API key), proxyPassword (the proxy password), smtpPassword (the SMTP password for e-mail alerts). The value itself is read from standard input, never from the command line.\n',
    );
    expect(store.values.size).toBe(0);
    expect(SECRET_NAMES).toEqual(['sqlPassword', 'ldapPassword', 'apiKey', 'proxyPassword', 'smtpPassword']);
  });

  it('a value on the command line is refused and not echoed', async () => {
    const store = memoryStore();
    const r = await cli(['credentials', 'set', 'sqlPassword', 'Hemligt-123', '--config', setup()], { store, input: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: credentials set takes the name only: the value is read from standard input (or a masked prompt), never from the command line. Nothing was stored.\n');
    expect(r.stderr + r.stdout).not.toContain('Hemligt-123');
    expect(store.values.size).toBe(0);
  });

  it('empty and too long are refused with exit 2; nothing is stored', async () => {
    const configPath = setup();
    const store = memoryStore({ apiKey: 'the-old-key' });
    const empty = await cli(['credentials', 'set', 'apiKey', '--config', configPath], { store, input: '\n' });
    expect([empty.code, empty.stderr]).toEqual([2, 'error: The API key is empty: nothing was stored. Give the value on standard input.\n']);
    const long = await cli(['credentials', 'set', 'apiKey', '--config', configPath], { store, input: `${'Q'.repeat(2561)}\n` });
    expect([long.code, long.stderr]).toEqual([2, 'error: The API key is 2561 bytes long (UTF-8); Windows Credential Manager holds at most 2560. Nothing was stored.\n']);
    expect(store.values.get('apiKey')).toBe('the-old-key');
  });

  it('delete: says whether there was one, and that a run needs it', async () => {
    const configPath = setup();
    const store = memoryStore({ sqlPassword: 'pw' });
    const r = await cli(['credentials', 'delete', 'sqlPassword', '--config', configPath], { store });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Deleted the SQL password from ${storeEntry('sqlPassword')} of svc-procapita.\nThe configuration still needs it: runs stop with exit code 8 until it is stored again (\`procapita-sync credentials set sqlPassword --config ${configPath}\`).\n`,
    );
    const again = await cli(['credentials', 'delete', 'sqlPassword', '--config', configPath], { store });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`No SQL password was stored in ${storeEntry('sqlPassword')} of svc-procapita: nothing was deleted.\n`);
  });

  it('a store that cannot be opened: exit 8 with its message, before the value is asked for', async () => {
    let asked = false;
    const r = await cli(['credentials', 'set', 'sqlPassword', '--config', setup()], { store: brokenStore('Could not connect: No such file or directory'), input: 'pw', onRead: () => (asked = true) });
    expect(asked).toBe(false);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^error: No Secret Service is reachable \(Could not connect: No such file or directory\)\./);
  });

  it('the help lists the commands and says where the value comes from', async () => {
    const r = await cli(['credentials', 'set', '--help'], { store: memoryStore() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('read from standard input');
    expect(r.stdout).toContain('sqlPassword | ldapPassword | apiKey | proxyPassword');
  });
});
