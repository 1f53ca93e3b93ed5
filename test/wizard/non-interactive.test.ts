/**
 * `setup --non-interactive --answers FILE`: the scripted install. Against the
 * TDS test server and the reference receiver, with an in-memory credential
 * store in Io.
 */
import { sourceQueryCommand } from '../../src/report/event-log';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { restrictFolderCommand } from '../../src/cli/folder-access';
import { taskXml, type Command } from '../../src/schedule/task';
import { currentRuntime, programFor } from '../../src/schedule/windows';
import { utf16 } from '../support/cli';
import { API_KEY, CA_FILE, cli, closeAll, folder, memoryStore, receiver, SQL_PASSWORD, tdsServer } from './support';
import { closeSmtpServers, smtp, SMTP_PASSWORD, SMTP_USER } from '../support/smtp';

afterEach(closeAll);

const ENV = { SQL_PW: SQL_PASSWORD, API_KEY_VAR: API_KEY, USER: 'svc-procapita' };

function answers(sqlPort: number, receiverUrl: string) {
  return {
    sql: { host: '127.0.0.1', port: sqlPort, database: 'ProCapita', user: 'procapita_reader', password: { fromEnv: 'SQL_PW' }, caFile: CA_FILE },
    schools: ['BJSK/GR', { unitCode: 'EKGY', schoolForm: 'GY' }],
    privacy: { requireEmail: true },
    target: { url: receiverUrl, apiKey: { fromEnv: 'API_KEY_VAR' }, caFile: CA_FILE },
    schedule: { time: '19:05' },
  };
}

const expectedConfig = (sqlPort: number, receiverUrl: string) =>
  `{
  "source": {
    "type": "sql",
    "host": "127.0.0.1",
    "port": ${sqlPort},
    "database": "ProCapita",
    "user": "procapita_reader",
    "encrypt": true,
    "trustServerCertificate": false,
    "caFile": "${CA_FILE}"
  },
  "schools": [
    {
      "unitCode": "BJSK",
      "schoolForm": "GR"
    },
    {
      "unitCode": "EKGY",
      "schoolForm": "GY"
    }
  ],
  "teachingGroups": {
    "select": "notesMarker"
  },
  "export": {
    "personalNumber": false
  },
  "email": {
    "requireEmail": true
  },
  "target": {
    "type": "https",
    "url": "${receiverUrl}/v1/snapshots",
    "caFile": "${CA_FILE}"
  }
}
`;

const setup = (f: { configPath: string; answersPath: string }, ...more: string[]) => ['setup', '--non-interactive', '--answers', f.answersPath, '--config', f.configPath, ...more];


/** A scripted setup on Windows (Task Scheduler, icacls and the event log mocked: every command is recorded and succeeds), the nightly run at 19:05. */
async function windowsSetup(...more: string[]) {
  const sql = await tdsServer();
  const rec = await receiver();
  const f = folder({ ...answers(sql.port, rec.url), schedule: { time: '19:05', password: { fromEnv: 'WIN_PW' } } });
  const commands: Command[] = [];
  const exec = async (c: Command) => {
    commands.push(c);
    return { code: 0, stdout: /icacls/.test(c.args.join(' ')) ? 'restricted\n' : 'registered\n', stderr: '' };
  };
  const env = { ...ENV, USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita', WIN_PW: 'Vinter-2026!' };
  const r = await cli(setup(f, '--lang', 'en', ...more), env, memoryStore(), { platform: 'win32', exec });
  return { sql, rec, f, commands, r };
}

describe('setup --non-interactive --answers', () => {
  it('with every answer: tests each, writes exactly the configuration, stores the secrets, prints the timer, and never shows a secret', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), ENV, store);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(f.configPath, 'utf8')).toBe(expectedConfig(sql.port, rec.url));
    expect(store.values).toEqual({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY });
    expect(r.stdout).toContain('login and schema check passed');
    expect(r.stdout).toContain(`✓ Upload service ${rec.url}/v1/ping: reachable, API key accepted`);
    expect(r.stdout).toContain('✓ 2 school forms chosen, 19 students placed in their classes today.');
    expect(r.stdout).toMatch(/School unit +Forms +Students/); // the preview's summary
    expect(r.stdout).toContain('OnCalendar=*-*-* 19:05:00');
    expect(r.stdout).toContain(`run --config ${f.configPath}`);
    expect(r.stdout).toContain('✓ SQL password stored in the Secret Service keyring (service procapita-sync, account sqlPassword)');
    expect(r.stdout).toContain(`✓ Configuration written: ${f.configPath}`);
    for (const secret of [SQL_PASSWORD, API_KEY]) expect(r.stdout).not.toContain(secret);
    // The receiver saw a ping and nothing else: the preview delivers nothing.
    expect(rec.imports).toHaveLength(0);
  });

  it('with e-mail alerts: tested, a test message sent because asked for, alerts.email written and smtpPassword stored', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const mail = await smtp();
    try {
      const alerts = { enabled: true, host: 'localhost', port: mail.port, from: 'procapita-sync@kommun.example', to: 'it-drift@kommun.example', user: SMTP_USER, password: { fromEnv: 'SMTP_PW' }, caFile: CA_FILE, sendTest: true };
      const f = folder({ ...answers(sql.port, rec.url), alerts });
      const store = memoryStore();
      const r = await cli(setup(f, '--lang', 'en'), { ...ENV, SMTP_PW: SMTP_PASSWORD }, store);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`[7/10] E-mail alerts`);
      expect(r.stdout).toContain(`✓ SMTP server localhost:${mail.port}: STARTTLS, logged in as ${SMTP_USER}`);
      expect(r.stdout).toContain('✓ Test message sent to it-drift@kommun.example');
      expect(JSON.parse(readFileSync(f.configPath, 'utf8')).alerts).toEqual({
        email: { host: 'localhost', security: 'starttls', port: mail.port, from: 'procapita-sync@kommun.example', to: ['it-drift@kommun.example'], user: SMTP_USER, caFile: CA_FILE },
      });
      expect(store.values).toEqual({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY, smtpPassword: SMTP_PASSWORD });
      expect(mail.mails).toHaveLength(1);
      expect(r.stdout).not.toContain(SMTP_PASSWORD);
    } finally {
      await closeSmtpServers();
    }
  });

  it('speaks Swedish by default', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const r = await cli(setup(f), ENV, memoryStore());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[1/10] SQL Server (ProCapita)');
    expect(r.stdout).toContain('Provar inloggningen och schemakontrollen…');
    expect(r.stdout).toContain('✓ 2 skolformer valda, 19 elever placerade i sina klasser i dag.');
    expect(r.stdout).toContain(`✓ Konfigurationen skriven: ${f.configPath}`);
  });

  it('with one answer missing: exit 2 naming it, asks nothing and writes nothing', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const a = answers(sql.port, rec.url);
    const { host: _, ...sqlWithoutHost } = a.sql;
    const f = folder({ ...a, sql: sqlWithoutHost });
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), ENV, store);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: No answer for sql.host, and --non-interactive asks nothing: give "sql.host" in the answers file, or --sql-host <host>.\n');
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });

  it('a missing answer late in the wizard (the API key) also writes nothing, after the tests before it passed', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const a = answers(sql.port, rec.url);
    const f = folder({ ...a, target: { url: rec.url, caFile: CA_FILE } });
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), ENV, store);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No answer for target.apiKey');
    expect(r.stderr).toContain('--target-api-key-env <VAR>');
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });

  it('a flag answers too, and wins over the file', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const a = answers(sql.port, rec.url);
    const { host: _, ...sqlWithoutHost } = a.sql;
    const f = folder({ ...a, sql: { ...sqlWithoutHost, database: 'NoSuchDatabase' } });
    const r = await cli(setup(f, '--lang', 'en', '--sql-host', '127.0.0.1', '--sql-database', 'ProCapita', '--schools', 'EKGY/GY', '--schedule-time', '6:45'), ENV, memoryStore());
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(f.configPath, 'utf8'));
    expect(config.source.database).toBe('ProCapita');
    expect(config.schools).toEqual([{ unitCode: 'EKGY', schoolForm: 'GY' }]);
    expect(r.stdout).toContain('OnCalendar=*-*-* 06:45:00');
  });

  it('refuses a secret written into the answers file', async () => {
    const f = folder({ sql: { host: 'sql01', password: 'hunter2' } });
    const r = await cli(setup(f), ENV, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('sql.password: a secret is never read from the answers file: give {"fromEnv": "VARIABLE"}');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('names the answer and the variable when the variable is not set', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const r = await cli(setup(f, '--lang', 'en'), { API_KEY_VAR: API_KEY }, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: Answer sql.password (sql.password in ${f.answersPath}) names environment variable SQL_PW, which is not set. Set it for this command, or leave the answer out to be asked.\n`);
  });

  it('rejects unknown keys and bad values in the answers file, naming them', async () => {
    const typo = folder({ sql: { hots: 'sql01' } });
    const r1 = await cli(setup(typo), ENV, memoryStore());
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/Answers file .*answers\.json: sql: Unrecognized key: "hots"/);
    const form = folder({ schools: ['BJSK/XX'] });
    const r2 = await cli(setup(form), ENV, memoryStore());
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('schools[0]: "BJSK/XX" is not UNITCODE/FORM');
  });

  it('an answers file with a key given twice, or in UTF-16: the key is named (exit 2), the UTF-16 file is read', async () => {
    const twice = folder();
    writeFileSync(twice.answersPath, '{\n  "privacy": {\n    "requireEmail": true,\n    "requireEmail": false\n  }\n}\n');
    const r = await cli(setup(twice), ENV, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: Answers file ${twice.answersPath}: the key privacy.requireEmail appears twice (lines 3 and 4). JSON would silently take the last one; remove one.\n`);
    // In UTF-16 with a BOM the file is read: the answer in it is checked like any other.
    const wide = folder();
    writeFileSync(wide.answersPath, utf16(JSON.stringify({ sql: { hots: 'sql01' } })));
    const w = await cli(setup(wide), ENV, memoryStore());
    expect(w.code).toBe(2);
    expect(w.stderr).toMatch(/Answers file .*answers\.json: sql: Unrecognized key: "hots"/);
  });

  it('a school ProCapita does not have is an error naming the answer', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder({ ...answers(sql.port, rec.url), schools: ['BJSK/GR', 'NOPE/GR'] });
    const r = await cli(setup(f, '--lang', 'en'), ENV, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: schools in ${f.answersPath}: ProCapita has no NOPE/GR. Check the unit codes and school forms.\n`);
  });

  it('a wrong SQL password fails the test with its own exit code (8) and writes nothing', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), { ...ENV, SQL_PW: 'wrong' }, store);
    expect(r.code).toBe(8);
    expect(r.stdout).toContain("✗ SQL Server at 127.0.0.1:");
    expect(r.stderr).toMatch(/^error: SQL Server at 127\.0\.0\.1:\d+ refused the login for user 'procapita_reader'\./);
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });

  it('a wrong API key: exit 8, nothing written', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), { ...ENV, API_KEY_VAR: 'not-the-key' }, store);
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('refused the API key (401)');
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });

  it('a secret longer than Credential Manager holds is refused before anything is written', async () => {
    const long = 'k'.repeat(2561);
    const sql = await tdsServer();
    const rec = await receiver([long]);
    const f = folder(answers(sql.port, rec.url));
    const store = memoryStore();
    const r = await cli(setup(f, '--lang', 'en'), { ...ENV, API_KEY_VAR: long }, store);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: The API key is 2561 bytes long (UTF-8); Windows Credential Manager holds at most 2560. Nothing was stored.\n');
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });

  it('on Windows registers the task for the account running setup, the password on stdin only, with the task XML of the same answers', async () => {
    const { f, commands, r } = await windowsSetup();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Credential Manager, which is per user: the task can read them only when it runs as the account that stored them, KOMMUN\\svc-procapita");
    expect(r.stdout).toContain('✓ SQL password stored in Windows Credential Manager (service procapita-sync, account sqlPassword)');
    expect(r.stdout).toContain('✓ Scheduled task procapita-sync registered: every day at 19:05, as KOMMUN\\svc-procapita with its password stored');
    // First the folders with personal data, by default under %ProgramData%, restricted to the task's account; then the task.
    expect(commands.slice(0, 2)).toEqual(['C:\\ProgramData\\procapita-sync\\logs', 'C:\\ProgramData\\procapita-sync\\state'].map((d) => restrictFolderCommand(d, 'KOMMUN\\svc-procapita')));
    expect(r.stdout).toContain('✓ Access to C:\\ProgramData\\procapita-sync\\state: only KOMMUN\\svc-procapita, Administrators and SYSTEM');
    // Then the event source (there already, as the fake answers 0 to everything), then the task.
    expect(commands[2]).toEqual(sourceQueryCommand);
    expect(r.stdout).toContain('✓ The event source procapita-sync is registered in the Application log');
    expect(commands).toHaveLength(4);
    const command = commands[3];
    expect(command!.args.join(' ')).not.toContain('Vinter-2026!');
    const sent = JSON.parse(command!.stdin!) as { account: string; password: string; xml: string };
    expect(sent.account).toBe('KOMMUN\\svc-procapita');
    expect(sent.password).toBe('Vinter-2026!');
    expect(sent.xml).toBe(taskXml({ ...programFor(currentRuntime()), configPath: f.configPath, time: '19:05', account: 'KOMMUN\\svc-procapita', startDate: '2026-09-01' }));
    expect(sent.xml).toContain('<LogonType>Password</LogonType>');
    expect(r.stdout).not.toContain('Vinter-2026!');
  });

  it('on Windows refuses another account, with how to run the wizard as that one', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder({ ...answers(sql.port, rec.url), schedule: { account: 'KOMMUN\\other', password: { fromEnv: 'WIN_PW' } } });
    const store = memoryStore();
    const env = { ...ENV, USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita', WIN_PW: 'x' };
    const r = await cli(setup(f, '--lang', 'en'), env, store, { platform: 'win32', exec: async () => ({ code: 0, stdout: 'registered', stderr: '' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('runas /user:KOMMUN\\other "procapita-sync.exe setup"');
    expect(existsSync(f.configPath)).toBe(false);
    expect(store.writes).toEqual([]);
  });
});

describe('starting the wizard', () => {
  it('setup without a terminal and without --non-interactive says how to script it (exit 2)', async () => {
    const r = await cli(['setup'], {}, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--non-interactive --answers FILE');
  });

  it('no arguments and no terminal: the help, exit 2, as before', async () => {
    const r = await cli([], {}, memoryStore());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: procapita-sync');
  });

  it('setup --help explains how secrets are given ahead', async () => {
    const r = await cli(['setup', '--help'], {}, memoryStore());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--sql-password-env <VAR>');
    expect(r.stdout).toContain('{"fromEnv": "VAR"}');
  });
});


describe('a configuration with a name (several configurations on one server)', () => {
  it('--name on Windows: written first in the file, shown in the plan; the secrets, the folders and the task are procapita-sync-<name>', async () => {
    const { sql, rec, f, commands, r } = await windowsSetup('--name', 'north');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = readFileSync(f.configPath, 'utf8');
    expect(written).toBe(expectedConfig(sql.port, rec.url).replace(/^\{\n/, '{\n  "name": "north",\n'));
    expect(r.stdout).toContain('  configuration name: north (scheduled task and credential store service: procapita-sync-north; state and log folders of its own)\n');
    expect(r.stdout).toContain('  scheduled task procapita-sync-north: every day at 19:05, as KOMMUN\\svc-procapita\n');
    expect(r.stdout).toContain('✓ SQL password stored in Windows Credential Manager (service procapita-sync-north, account sqlPassword)');
    expect(r.stdout).toContain('✓ Scheduled task procapita-sync-north registered: every day at 19:05, as KOMMUN\\svc-procapita with its password stored');
    // Its own default folders, restricted like any.
    expect(commands.slice(0, 2)).toEqual(['C:\\ProgramData\\procapita-sync-north\\logs', 'C:\\ProgramData\\procapita-sync-north\\state'].map((d) => restrictFolderCommand(d, 'KOMMUN\\svc-procapita')));
    const sent = JSON.parse(commands.at(-1)!.stdin!) as { xml: string };
    expect(commands.at(-1)!.args.at(-1)).toContain("Register-ScheduledTask -TaskName 'procapita-sync-north' -TaskPath '\\'");
    expect(sent.xml).toBe(taskXml({ name: 'north', ...programFor(currentRuntime()), configPath: f.configPath, time: '19:05', account: 'KOMMUN\\svc-procapita', startDate: '2026-09-01' }));
  });

  it('name in the answers file, elsewhere: the systemd units are procapita-sync-<name>, in Swedish too', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder({ name: 'south', ...answers(sql.port, rec.url) });
    const r = await cli(setup(f), ENV, memoryStore());
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  konfigurationens namn: south (schemalagd aktivitet och tjänst för hemligheterna: procapita-sync-south; egna mappar för tillstånd och loggar)\n');
    expect(r.stdout).toContain('(tjänst procapita-sync-south, konto sqlPassword)');
    expect(r.stdout).toContain('# ~/.config/systemd/user/procapita-sync-south.service\n');
    expect(r.stdout).toContain('# ~/.config/systemd/user/procapita-sync-south.timer\n');
    expect(r.stdout).toContain('Unit=procapita-sync-south.service\n');
    expect(r.stdout).toContain('systemctl --user enable --now procapita-sync-south.timer');
    expect(JSON.parse(readFileSync(f.configPath, 'utf8')).name).toBe('south');
  });

  it('a name that is not one is refused before anything is asked or written; a re-run does not change the name', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const f = folder(answers(sql.port, rec.url));
    const store = memoryStore();
    const bad = await cli(setup(f, '--lang', 'en', '--name', 'Norra Skolan'), ENV, store);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --name Norra Skolan: not a valid name; expected name.\n');
    expect(existsSync(f.configPath)).toBe(false);

    expect((await cli(setup(f, '--lang', 'en', '--name', 'north'), ENV, store)).code).toBe(0);
    const before = readFileSync(f.configPath, 'utf8');
    const writes = store.writes.length;
    const rerun = await cli([...setup(f, '--lang', 'en', '--name', 'south'), '--change', 'schedule'], ENV, store);
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toBe(
      "error: --name: this configuration's name is north, and setup does not change it: its scheduled task and its secrets are stored under it. To set up another configuration with its own name, give another file with --config.\n",
    );
    expect(readFileSync(f.configPath, 'utf8')).toBe(before);
    expect(store.writes).toHaveLength(writes);
    // The same name, or none given: the re-run goes on with the file's name.
    const same = await cli([...setup(f, '--lang', 'en', '--name', 'north'), '--change', 'schedule'], ENV, store);
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('# ~/.config/systemd/user/procapita-sync-north.timer');
  });
});
