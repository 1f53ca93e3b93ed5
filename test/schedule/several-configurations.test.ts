/**
 * Several configurations on one server (issue 17, section 3): a configuration's
 * `name` keeps its scheduled task, its credential store entries and its
 * default folders apart from another's. The secrets go through the real
 * Secret Service (GNOME Keyring, test/credentials/keyring.ts) and real runs
 * against the TDS test server; Task Scheduler is recorded, as in cli.test.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Io } from '../../src/cli/io';
import { main } from '../../src/cli/program';
import { defaultDirs, parseConfig } from '../../src/configure/config';
import { currentAccount } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';
import type { Command } from '../../src/schedule/task';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer } from '../tds/server';
import { keyring, requireKeyringTools, type Keyring } from '../credentials/keyring';
import { DEMO_DATE, ROOT, demoFixture, snapshotText, tempDir, writeSetup } from '../support/cli';
import { CA_FILE, closeAll, receiver, tdsServer } from '../wizard/support';

const certs = join(ROOT, 'test/certs');
const tls = { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) };
const ACCOUNT = currentAccount(process.env);
const STORE = 'the Secret Service keyring';
const TIMEOUT = 240_000;
const SCHOOLS = [{ unitCode: 'BJSK', schoolForm: 'GR' }];

describe('the configuration key name', () => {
  const parse = (name: unknown) => parseConfig({ name, source: { type: 'fixture', path: 'm.json' }, schools: SCHOOLS }, '/etc/procapita-sync/north.json');

  it.each(['north', 'skola-2', '7', 'a'.repeat(40)])('%s is a name', (name) => {
    expect(parse(name).name).toBe(name);
  });

  it.each([
    ['capitals', 'North'],
    ['a space', 'Hemlig skola'],
    ['a leading hyphen', '-north'],
    ['a path', '../north'],
    ['å, ä, ö', 'norrå'],
    ['41 characters', 'a'.repeat(41)],
    ['empty', ''],
    ['a number', 42],
  ])('%s: exit 3, the message says what a name may hold and never repeats it', (_, name) => {
    const err = (() => {
      try {
        parse(name);
      } catch (e) {
        return e;
      }
      return undefined;
    })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('config');
    expect(err.message).toMatch(/^Configuration \/etc\/procapita-sync\/north\.json: name: /);
    if (typeof name === 'string') {
      expect(err.message).toBe(
        'Configuration /etc/procapita-sync/north.json: name: give a short name of lowercase letters a-z, digits and hyphens (at most 40, starting with a letter or digit), e.g. "north". See `procapita-sync help configuration`.',
      );
      if (name.length > 1) expect(err.message).not.toContain(name);
    }
  });

  it('without one, nothing has a name: the folders, the task and the store are those of every install before names', () => {
    const plain = parse(undefined);
    expect(plain.name).toBeUndefined();
    expect(defaultDirs('win32', { ProgramData: 'D:\\ProgramData' })).toEqual({ stateDir: 'D:\\ProgramData\\procapita-sync\\state', logDir: 'D:\\ProgramData\\procapita-sync\\logs' });
    expect(defaultDirs('linux', {})).toEqual({ stateDir: '/var/lib/procapita-sync', logDir: '/var/log/procapita-sync' });
  });

  it('a named configuration gets default folders of its own; folders the file gives stay as given', () => {
    expect(defaultDirs('win32', { ProgramData: 'D:\\ProgramData' }, 'north')).toEqual({ stateDir: 'D:\\ProgramData\\procapita-sync-north\\state', logDir: 'D:\\ProgramData\\procapita-sync-north\\logs' });
    expect(defaultDirs('linux', {}, 'north')).toEqual({ stateDir: '/var/lib/procapita-sync-north', logDir: '/var/log/procapita-sync-north' });
    const dirs = (name: string | undefined) => defaultDirs('linux', {}, name);
    const north = parseConfig({ name: 'north', source: { type: 'fixture', path: 'm.json' }, schools: SCHOOLS }, '/etc/a.json', dirs);
    const south = parseConfig({ name: 'south', source: { type: 'fixture', path: 'm.json' }, schools: SCHOOLS }, '/etc/b.json', dirs);
    const plain = parseConfig({ source: { type: 'fixture', path: 'm.json' }, schools: SCHOOLS }, '/etc/c.json', dirs);
    expect([north.stateDir, south.stateDir, plain.stateDir]).toEqual(['/var/lib/procapita-sync-north', '/var/lib/procapita-sync-south', '/var/lib/procapita-sync']);
    expect([north.logDir, south.logDir, plain.logDir]).toEqual(['/var/log/procapita-sync-north', '/var/log/procapita-sync-south', '/var/log/procapita-sync']);
    const given = parseConfig({ name: 'north', source: { type: 'fixture', path: 'm.json' }, schools: SCHOOLS, stateDir: 'state', logDir: '/logs' }, '/etc/a.json', dirs);
    expect([given.stateDir, given.logDir]).toEqual(['/etc/state', '/logs']);
  });
});

describe('two configurations side by side, and one without a name', () => {
  beforeAll(() => {
    requireKeyringTools();
  });

  /** A SQL configuration whose password comes from the store. */
  function sqlSetup(port: number, user: string, name?: string) {
    const source = { type: 'sql', host: '127.0.0.1', port, database: 'ProCapita', user, caFile: join(certs, 'ca.crt') };
    const { configPath, dir } = writeSetup(demoFixture(), { ...(name ? { name } : {}), source });
    return { configPath, out: join(dir, 'out'), run: ['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')] };
  }

  /** The store's entry under a service, read by keytarStore() in the keyring's session. */
  async function stored(k: Keyring, service: string): Promise<unknown> {
    const r = await k.run(['node', '--import', 'tsx', join(ROOT, 'test/credentials/store-script.ts'), 'get:sqlPassword'], { env: { STORE_SERVICE: service } });
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as { value?: unknown }).value;
  }

  it(
    'each keeps its SQL password in its own store entry, and each run logs in with its own; deleting one leaves the others',
    async () => {
      const passwords = { north: 'Norr-lösen 1!', south: 'Söder-lösen 2!', plain: 'Vanligt-lösen 3!' };
      const server = await startTdsServer({ db: openFixtureDatabase(demoFixture()), logins: { north_reader: passwords.north, south_reader: passwords.south, plain_reader: passwords.plain }, tls });
      onTestFinished(() => server.close());
      const k = keyring();
      const north = sqlSetup(server.port, 'north_reader', 'north');
      const south = sqlSetup(server.port, 'south_reader', 'south');
      const plain = sqlSetup(server.port, 'plain_reader');

      for (const [setup, password, user, service] of [
        [north, passwords.north, 'north_reader', 'procapita-sync-north'],
        [south, passwords.south, 'south_reader', 'procapita-sync-south'],
        [plain, passwords.plain, 'plain_reader', 'procapita-sync'],
      ] as const) {
        const set = await k.cli(['credentials', 'set', 'sqlPassword', '--config', setup.configPath], { input: password });
        expect(set.stderr).toBe('');
        expect(set.stdout).toBe(`Stored the SQL password for ${user} in ${STORE} (service ${service}, account sqlPassword). It is in ${ACCOUNT}'s keyring: only procapita-sync running as ${ACCOUNT} can read it.\n`);
      }
      // Three entries, none overwritten by another.
      expect(await stored(k, 'procapita-sync-north')).toBe(passwords.north);
      expect(await stored(k, 'procapita-sync-south')).toBe(passwords.south);
      expect(await stored(k, 'procapita-sync')).toBe(passwords.plain);

      for (const setup of [north, south, plain]) {
        const run = await k.cli(setup.run);
        expect(run.code).toBe(0);
        expect(snapshotText(setup.out)).not.toBeNull();
      }
      expect(new Set(server.sessions.map((s) => s.user))).toEqual(new Set(['north_reader', 'south_reader', 'plain_reader']));

      const del = await k.cli(['credentials', 'delete', 'sqlPassword', '--config', north.configPath]);
      expect(del.stdout).toMatch(/^Deleted the SQL password from the Secret Service keyring \(service procapita-sync-north, account sqlPassword\) of /);
      const gone = await k.cli(north.run);
      expect(gone.code).toBe(8);
      expect(gone.stderr).toBe(
        `error: The SQL password is not stored for ${ACCOUNT} in ${STORE} (service procapita-sync-north, account sqlPassword). Secrets there are kept per account, and only the account that stored one can read it: run this as the account that runs the nightly task, and store it as that account with \`procapita-sync credentials set sqlPassword --config ${north.configPath}\` (or the setup wizard).\n`,
      );
      expect(await stored(k, 'procapita-sync-south')).toBe(passwords.south);
      expect(await stored(k, 'procapita-sync')).toBe(passwords.plain);
      expect((await k.cli(south.run)).code).toBe(0);
    },
    TIMEOUT,
  );

  it('a wrong password names the configuration\'s own store entry', async () => {
    const server = await startTdsServer({ db: openFixtureDatabase(demoFixture()), logins: { north_reader: 'rätt' }, tls });
    onTestFinished(() => server.close());
    const k = keyring();
    const north = sqlSetup(server.port, 'north_reader', 'north');
    expect((await k.cli(['credentials', 'set', 'sqlPassword', '--config', north.configPath], { input: 'fel' })).code).toBe(0);
    const run = await k.cli(north.run);
    expect(run.code).toBe(8);
    expect(run.stderr).toBe(
      `error: SQL Server at 127.0.0.1:${server.port} refused the login for user 'north_reader'. Check the SQL account and its password (${STORE} (service procapita-sync-north, account sqlPassword)), and that database 'ProCapita' exists and the account may open it.\n`,
    );
  }, TIMEOUT);

  it(
    "the setup wizard stores a named configuration's secrets under its own service, beside those of one without a name",
    async () => {
      const sql = await tdsServer({ north_reader: 'Norr-lösen 1!', plain_reader: 'Vanligt-lösen 3!' });
      const rec = await receiver(['north-key', 'plain-key']);
      onTestFinished(closeAll);
      const k = keyring();
      const dir = tempDir();
      const setup = async (user: string, env: NodeJS.ProcessEnv, name?: string) => {
        const answers = join(dir, `${user}.json`);
        writeFileSync(
          answers,
          JSON.stringify({
            ...(name ? { name } : {}),
            sql: { host: '127.0.0.1', port: sql.port, database: 'ProCapita', user, password: { fromEnv: 'SQL_PW' }, caFile: CA_FILE },
            schools: ['BJSK/GR'],
            target: { url: rec.url, apiKey: { fromEnv: 'KEY' }, caFile: CA_FILE },
          }),
        );
        const configPath = join(dir, user, 'config.json');
        const r = await k.cli(['setup', '--non-interactive', '--answers', answers, '--config', configPath, '--lang', 'en', '--date', DEMO_DATE], { env });
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        return r.stdout;
      };
      const north = await setup('north_reader', { SQL_PW: 'Norr-lösen 1!', KEY: 'north-key' }, 'north');
      expect(north).toContain('✓ SQL password stored in the Secret Service keyring (service procapita-sync-north, account sqlPassword)');
      const plain = await setup('plain_reader', { SQL_PW: 'Vanligt-lösen 3!', KEY: 'plain-key' });
      expect(plain).toContain('✓ SQL password stored in the Secret Service keyring (service procapita-sync, account sqlPassword)');
      expect(await stored(k, 'procapita-sync-north')).toBe('Norr-lösen 1!');
      expect(await stored(k, 'procapita-sync')).toBe('Vanligt-lösen 3!');
    },
    TIMEOUT,
  );

  it("schedule: each its own task; status --config A reports A's task only", async () => {
    const a = writeSetup(demoFixture(), { name: 'north' });
    const b = writeSetup(demoFixture(), { name: 'south' });
    const commands: Command[] = [];
    let stdout = '';
    const io: Io = {
      stdout: (t) => void (stdout += t),
      stderr: () => undefined,
      now: () => new Date('2026-09-01T10:00:00Z'),
      env: { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-sync' },
      sleep: async () => undefined,
      random: () => 0.5,
      platform: 'win32',
      // Task Scheduler with both tasks registered: it answers for the task the script asks for.
      exec: async (command) => {
        commands.push(command);
        const asked = /-TaskName '([^']+)'/.exec(command.args.at(-1)!)![1]!;
        const config = asked === 'procapita-sync-north' ? a.configPath : b.configPath;
        return { code: 0, stderr: '', stdout: JSON.stringify({ registered: true, state: 'Ready', userId: 'KOMMUN\\svc-sync', logonType: 'Password', execute: 'C:\\procapita-sync\\procapita-sync.exe', arguments: `run --config "${config}"`, lastTaskResult: asked === 'procapita-sync-north' ? 0 : 12 }) };
      },
    };
    expect(await main(['schedule', 'status', '--config', a.configPath], io)).toBe(0);
    expect(commands).toHaveLength(1);
    expect(stdout).toContain('Scheduled task procapita-sync-north: registered, Ready, runs as KOMMUN\\svc-sync.\n');
    expect(stdout).toContain(`run --config "${a.configPath}"`);
    expect(stdout).toContain('  Last result:  0 (0x0)');
    expect(stdout).not.toContain('procapita-sync-south');
    expect(stdout).not.toContain(b.configPath);
    stdout = '';
    expect(await main(['schedule', 'status', '--config', b.configPath], io)).toBe(0);
    expect(stdout).toContain('Scheduled task procapita-sync-south: registered');
    expect(stdout).toContain('  Last result:  12 (0xC) heldByGuard');
    expect(stdout).not.toContain('procapita-sync-north');
  });
});
