/**
 * Running the wizard again: it starts from the configuration there is and
 * changes only what is picked. Rotating a secret tests the new value first.
 */
import { elevationCommand, registerSourceCommand, sourceQueryCommand } from '../../src/report/event-log';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { queryTaskCommand, type Command } from '../../src/schedule/task';
import { runWizard } from '../../wizard/wizard';
import { API_KEY, CA_FILE, cli, closeAll, folder, memoryStore, receiver, SQL_PASSWORD, stepContext, tdsServer, type MemoryStore } from './support';

afterEach(closeAll);

const NEW_PASSWORD = 'Nytt-lösen 2027?';
const ENV = { SQL_PW: SQL_PASSWORD, API_KEY_VAR: API_KEY, NEW_PW: NEW_PASSWORD, WRONG_PW: 'not it', USER: 'svc-procapita' };

/** A first run, as the scripted install does it: the configuration, and a store holding the SQL password and the API key. */
async function installed() {
  const logins = { procapita_reader: SQL_PASSWORD };
  const sql = await tdsServer(logins);
  const rec = await receiver();
  const f = folder({
    sql: { host: '127.0.0.1', port: sql.port, database: 'ProCapita', user: 'procapita_reader', password: { fromEnv: 'SQL_PW' }, caFile: CA_FILE },
    schools: ['BJSK/GR', 'EKGY/GY'],
    target: { url: rec.url, apiKey: { fromEnv: 'API_KEY_VAR' }, caFile: CA_FILE },
  });
  const store = memoryStore();
  const first = await cli(['setup', '--non-interactive', '--answers', f.answersPath, '--config', f.configPath], ENV, store);
  expect(first.code).toBe(0);
  store.writes.length = 0;
  return { logins, sql, rec, f, store, text: readFileSync(f.configPath, 'utf8') };
}

const rotate = (configPath: string, variable: string) => ['setup', '--non-interactive', '--config', configPath, '--change', 'rotate', '--rotate', 'sqlPassword', '--sql-password-env', variable, '--lang', 'en'];

describe('re-run: rotate the SQL password', () => {
  it('tests the new password, then replaces only that secret; the configuration stays byte for byte', async () => {
    const site = await installed();
    site.logins.procapita_reader = NEW_PASSWORD; // the DBA changed it in SQL Server
    const r = await cli(rotate(site.f.configPath, 'NEW_PW'), ENV, site.store);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`A configuration exists: ${site.f.configPath}. The wizard starts from it and changes only what you pick.`);
    expect(r.stdout).toMatch(/Testing the new SQL password…\n  ✓ SQL Server 127\.0\.0\.1:\d+, database ProCapita: login and schema check passed/);
    expect(r.stdout).toContain('✓ The new SQL password works and is stored in the Secret Service keyring (service procapita-sync, account sqlPassword); the old one is replaced. Nothing else was changed.');
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
    expect(site.store.writes).toEqual(['sqlPassword']);
    expect(site.store.values).toEqual({ sqlPassword: NEW_PASSWORD, apiKey: API_KEY });
    expect(r.stdout).not.toContain(NEW_PASSWORD);
  });

  it('refuses a wrong new password and keeps the old one (exit 8)', async () => {
    const site = await installed();
    const r = await cli(rotate(site.f.configPath, 'WRONG_PW'), ENV, site.store);
    expect(r.code).toBe(8);
    expect(r.stdout).toContain("✗ SQL Server at 127.0.0.1:");
    expect(r.stderr).toMatch(/^error: The new SQL password did not work, so it was not stored; the old one is kept\. SQL Server at 127\.0\.0\.1:\d+ refused the login/);
    expect(site.store.writes).toEqual([]);
    expect(site.store.values.sqlPassword).toBe(SQL_PASSWORD);
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
  });

  it('interactively: a wrong one is refused, typed again, the right one stored', async () => {
    const site = await installed();
    site.logins.procapita_reader = NEW_PASSWORD;
    const { ctx, prompts, out } = stepContext({ configPath: site.f.configPath, store: site.store, script: ['rotate', 'sqlPassword', 'not it', 'retry', NEW_PASSWORD] });
    await runWizard(ctx);
    expect(prompts.left()).toBe(0);
    expect(prompts.screen).toEqual([
      '? What do you want to do?',
      '  Rotate a password or key',
      '  Change the schools',
      '  Change the schedule',
      '  Go through everything',
      '  → Rotate a password or key',
      '? Which one?',
      '  SQL password',
      '  API key',
      '  → SQL password',
      '? New SQL password ******',
      '? What now?',
      '  Type it again',
      '  Rotate another one instead',
      '  Quit, keeping the old one',
      '  → Type it again',
      `? New SQL password ${'*'.repeat(NEW_PASSWORD.length)}`,
    ]);
    expect(out()).toContain('The new SQL password did not work, so it was not stored; the old one is kept.');
    expect(site.store.writes).toEqual(['sqlPassword']);
    expect(site.store.values).toEqual({ sqlPassword: NEW_PASSWORD, apiKey: API_KEY });
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
  });

  it('interactively: after a refused value, another secret can be picked instead, and only that one is stored', async () => {
    const site = await installed();
    const { ctx, prompts, out } = stepContext({ configPath: site.f.configPath, store: site.store, script: ['rotate', 'sqlPassword', 'not it', 'other', 'apiKey', API_KEY] });
    await runWizard(ctx);
    expect(prompts.left()).toBe(0);
    expect(prompts.screen.slice(prompts.screen.indexOf('? What now?'))).toEqual([
      '? What now?',
      '  Type it again',
      '  Rotate another one instead',
      '  Quit, keeping the old one',
      '  → Rotate another one instead',
      '? Which one?',
      '  SQL password',
      '  API key',
      '  → API key',
      `? New API key ${'*'.repeat(API_KEY.length)}`,
    ]);
    expect(out()).toContain('The new SQL password did not work, so it was not stored; the old one is kept.');
    expect(site.store.writes).toEqual(['apiKey']);
    expect(site.store.values).toEqual({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY });
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
  });

  it('a rotation that names a secret the configuration does not use is refused', async () => {
    const site = await installed();
    const r = await cli(['setup', '--non-interactive', '--config', site.f.configPath, '--change', 'rotate', '--rotate', 'ldapPassword', '--email-ad-password-env', 'NEW_PW', '--lang', 'en'], ENV, site.store);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --rotate: this configuration uses no directory bind password.\n');
    expect(site.store.writes).toEqual([]);
  });
});

describe('re-run: change the schools', () => {
  it('changes the schools and nothing else, keeping what the wizard does not ask about, in place', async () => {
    const site = await installed();
    // An admin's own additions.
    const data = JSON.parse(site.text);
    data.source.requestTimeoutSeconds = 900;
    const edited = { leadDays: { staff: 21, students: 2 }, ...data, stateDir: 'D:\\procapita-sync\\state' };
    writeFileSync(site.f.configPath, `${JSON.stringify(edited, null, 2)}\n`);
    const pick = (text: string) => (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.includes(text))!.value;
    const { ctx, out } = stepContext({ configPath: site.f.configPath, store: site.store, script: ['schools', pick('EKGY GY'), pick('BJSK F'), pick('Done'), 'continue', true] });
    await runWizard(ctx);
    expect(out()).toContain('✓ ProCapita read: 4 school units, 40 persons.');
    expect(out()).toContain('✓ 2 school forms chosen, 18 students placed in their classes today.');
    expect(out()).toContain(`✓ Configuration written: ${site.f.configPath}`);
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(
      `${JSON.stringify({ ...edited, schools: [{ unitCode: 'BJSK', schoolForm: 'F' }, { unitCode: 'BJSK', schoolForm: 'GR' }] }, null, 2)}\n`,
    );
    expect(site.store.writes).toEqual([]);
  });
});

/** Task Scheduler's answer about the installed task: registered, as the account that runs the wizard. */
const TASK_REGISTERED = JSON.stringify({ registered: true, userId: 'KOMMUN\\svc-procapita', logonType: 'Password', state: 'Ready' });
const isTaskQuery = (c: Command) => JSON.stringify(c) === JSON.stringify(queryTaskCommand());

describe('re-run: change the schedule', () => {
  /** Re-runs the wizard on Windows to change the schedule to 05:15; `exitCode` answers each command it runs. */
  async function changeSchedule(exitCode: (c: Command) => number = () => 0) {
    const site = await installed();
    const commands: Command[] = [];
    const exec = async (c: Command) => {
      // The task is asked about first, before any question: it runs as this account, so nothing about the account is asked.
      if (isTaskQuery(c)) return { code: 0, stdout: TASK_REGISTERED, stderr: '' };
      commands.push(c);
      return { code: exitCode(c), stdout: 'registered', stderr: '' };
    };
    const { ctx, out } = stepContext({
      configPath: site.f.configPath,
      store: site.store,
      platform: 'win32',
      env: { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' },
      exec,
      script: ['schedule', '05:15', true, 'Vinter-2026!', true],
    });
    await runWizard(ctx);
    return { site, commands, out };
  }

  it('on Windows registers the task again and writes nothing else', async () => {
    const { site, commands, out } = await changeSchedule();
    expect(out()).toContain('  ✓ The scheduled task procapita-sync runs as KOMMUN\\svc-procapita, this account: it reads the secrets stored now.');
    expect(out()).toContain('✓ Scheduled task procapita-sync registered: every day at 05:15, as KOMMUN\\svc-procapita with its password stored');
    expect(commands).toHaveLength(2);
    expect(commands[0]).toEqual(sourceQueryCommand);
    expect(JSON.parse(commands[1]!.stdin!).xml).toContain('T05:15:00</StartBoundary>');
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
    expect(site.store.writes).toEqual([]);
  });

  it.each([
    ['run as an administrator: registers the event source', 0, '✓ Event source procapita-sync registered in the Application log'],
    ['not as an administrator: says what to run as one', 2, '! The event source procapita-sync is not registered, so the nightly runs cannot write to the Application log (only an administrator can register it). Run this once in a command prompt opened as an administrator:\n    eventcreate /L APPLICATION /T INFORMATION /SO procapita-sync /ID 1 /D "procapita-sync: the event source is registered."'],
  ])('on Windows, without the event source, %s', async (_, netSession, said) => {
    const { commands, out } = await changeSchedule((c) => (c.file === 'reg.exe' ? 1 : c.file === 'net.exe' ? netSession : 0));
    expect(out()).toContain(said);
    expect(commands.slice(0, 2)).toEqual([sourceQueryCommand, elevationCommand]);
    // Registered only when elevated; the task is registered either way.
    expect(commands.slice(2).map((c) => c.file)).toEqual(netSession === 0 ? ['eventcreate.exe', commands.at(-1)!.file] : [commands.at(-1)!.file]);
    if (netSession === 0) expect(commands[2]).toEqual(registerSourceCommand);
    expect(out()).toContain('✓ Scheduled task procapita-sync registered');
  });

  it('a Windows password Task Scheduler refuses is asked again; the secrets are not touched', async () => {
    const site = await installed();
    const results = [
      { code: 1, stdout: '', stderr: 'The user name or password is incorrect. [HRESULT 0x8007052e,Register-ScheduledTask]' },
      { code: 0, stdout: 'registered', stderr: '' },
    ];
    const passwords: string[] = [];
    const exec = async (c: Command) => {
      if (isTaskQuery(c)) return { code: 0, stdout: TASK_REGISTERED, stderr: '' };
      passwords.push(JSON.parse(c.stdin!).password);
      return results.shift()!;
    };
    const { ctx, out } = stepContext({
      configPath: site.f.configPath,
      store: site.store,
      platform: 'win32',
      env: { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' },
      exec,
      script: ['schedule', '', true, 'Fel-lösen', true, 'password', 'Rätt-lösen'],
    });
    await runWizard(ctx);
    expect(out()).toContain('✗ Registering the scheduled task as KOMMUN\\svc-procapita: Windows refused the password for KOMMUN\\svc-procapita (0x8007052E: wrong user name or password).');
    expect(out()).toContain('✓ Scheduled task procapita-sync registered: every day at 18:30');
    expect(passwords).toEqual(['Fel-lösen', 'Rätt-lösen']);
    expect(out()).not.toContain('lösen');
    expect(site.store.writes).toEqual([]);
  });
});

describe('re-run: go through everything', () => {
  it('Enter at every question keeps everything: the configuration is left alone and no secret is written', async () => {
    const site = await installed();
    const done = (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.startsWith('Done'))!.value;
    const script = [
      'everything',
      ...['', '', '', '', '', '', ''], // host, instance, port, database, login, password (kept), encryption
      '', // certificate check: the CA file, as before
      '', // CA file
      done,
      '', // teaching groups
      '', '', // privacy
      '', // e-mail addresses
      '', '', false, '', // url, API key (kept), no proxy, CA file
      '', // no e-mail alerts, as before
      'continue',
      '', // time
      true, // write
    ];
    const { ctx, prompts, out } = stepContext({ configPath: site.f.configPath, store: site.store, script });
    await runWizard(ctx);
    expect(prompts.left()).toBe(0);
    expect(prompts.screen).toContain('? Password for procapita_reader (Enter keeps the stored one) ');
    expect(out()).toContain(`Configuration ${site.f.configPath} unchanged`);
    expect(readFileSync(site.f.configPath, 'utf8')).toBe(site.text);
    expect(site.store.writes).toEqual([]);
    void (site.store satisfies MemoryStore);
  });
});
