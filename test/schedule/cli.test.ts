/**
 * `schedule install|remove|status|xml` through the CLI, with Io.exec recorded
 * and the platform given through Io: Task Scheduler cannot run here, so the
 * tests check what would be sent to PowerShell, and read answers written to
 * the scripts' format.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/io';
import { main } from '../../src/cli/program';
import { nextStartDate, type Command } from '../../src/schedule/task';
import { execCommand } from '../../src/schedule/windows';
import { demoFixture, ROOT, tempDir, writeSetup } from '../support/cli';

const NOW = new Date('2026-09-01T10:00:00Z');
const WINDOWS_ENV = { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-sync' };
const PASSWORD = 'Vinter&Sommar "2026"';

interface Answer {
  readonly code?: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

interface Options {
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  /** What each PowerShell call answers, in order. */
  readonly answers?: Answer[];
  readonly password?: string;
}

async function schedule(args: readonly string[], o: Options = {}) {
  let stdout = '';
  let stderr = '';
  const commands: Command[] = [];
  const prompts: string[] = [];
  const answers = [...(o.answers ?? [])];
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => NOW,
    env: o.env ?? WINDOWS_ENV,
    sleep: async () => undefined,
    random: () => 0.5,
    platform: o.platform ?? 'win32',
    exec: async (command) => {
      commands.push(command);
      const a = answers.shift();
      if (!a) throw new Error('no answer left for this command');
      return { code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
    },
    readSecret: async (prompt) => {
      prompts.push(prompt);
      return o.password ?? PASSWORD;
    },
  };
  const code = await main(['schedule', ...args], io);
  return { code, stdout, stderr, commands, prompts };
}

const setup = () => writeSetup(demoFixture());
const element = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('schedule install on Windows', () => {
  it('registers the task as the current account, the password on stdin, node and tsx from source', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { answers: [{ stdout: 'registered\r\n' }] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.prompts).toEqual(['Windows password for KOMMUN\\svc-sync (Task Scheduler keeps it so the task runs while nobody is logged on):']);
    expect(r.commands).toHaveLength(1);
    const [c] = r.commands as [Command];
    expect(c.file).toBe('powershell.exe');
    expect(c.args.join(' ')).not.toContain(PASSWORD);
    expect(c.args.join(' ')).not.toContain('svc-sync');
    const stdin = JSON.parse(c.stdin!) as { account: string; password: string; xml: string };
    expect(stdin.account).toBe('KOMMUN\\svc-sync');
    expect(stdin.password).toBe(PASSWORD);
    expect(element(stdin.xml, 'UserId')).toBe('KOMMUN\\svc-sync');
    expect(element(stdin.xml, 'LogonType')).toBe('Password');
    expect(element(stdin.xml, 'StartBoundary')).toBe(`${nextStartDate('18:30', NOW)}T18:30:00`);
    // From source, the task runs node with tsx in the project folder, as `npm start` does.
    const main = join(ROOT, 'src/cli/main.ts');
    expect(element(stdin.xml, 'Command')).toBe(/\s/.test(process.execPath) ? `"${process.execPath}"` : process.execPath);
    expect(element(stdin.xml, 'Arguments')).toBe(`--import tsx ${/\s/.test(main) ? `"${main}"` : main} run --config "${configPath}"`);
    expect(element(stdin.xml, 'WorkingDirectory')).toBe(ROOT.replace(/\/$/, ''));
    expect(r.stdout).toBe(
      [
        `Registered the scheduled task procapita-sync: every day at 18:30 (first run ${nextStartDate('18:30', NOW)}), as KOMMUN\\svc-sync with its stored password.`,
        `It runs: ${process.execPath} --import tsx ${main} run --config "${configPath}"`,
        'KOMMUN\\svc-sync needs the "Log on as a batch job" right on this server (`procapita-sync help scheduling`). `procapita-sync schedule status` shows the last result.',
        '',
      ].join('\n'),
    );
  });

  it('takes --time, and the account named by its user name alone', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath, '--time', '5:45', '--account', 'SVC-SYNC'], { answers: [{ stdout: 'registered' }] });
    expect(r.code).toBe(0);
    const xml = (JSON.parse(r.commands[0]!.stdin!) as { xml: string }).xml;
    expect(element(xml, 'StartBoundary')).toBe(`${nextStartDate('05:45', NOW)}T05:45:00`);
    expect(element(xml, 'UserId')).toBe('KOMMUN\\svc-sync');
  });

  it('refuses another account, before asking for a password, and says to run the setup as that account', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath, '--account', 'KOMMUN\\admin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: The task must run as the account that stored the secrets, and that is the account running this: KOMMUN\\svc-sync. ' +
        'Credential Manager keeps secrets per user, so a task running as KOMMUN\\admin could not read them. ' +
        'To use KOMMUN\\admin, run the setup as that account: runas /user:KOMMUN\\admin "procapita-sync.exe setup"\n',
    );
    expect(r.prompts).toEqual([]);
    expect(r.commands).toEqual([]);
  });

  it('says when Windows refuses the password (0x8007052E), without repeating it', async () => {
    const { configPath } = setup();
    const stderr = `Register-ScheduledTask : The user name or password is incorrect. (1,21):UserId: ${PASSWORD} [HRESULT 0x8007052e,Register-ScheduledTask]\r\n`;
    const r = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr }] });
    expect(r.code).toBe(8);
    expect(r.stderr).toBe(
      "error: Registering the scheduled task as KOMMUN\\svc-sync: Windows refused the password for KOMMUN\\svc-sync (0x8007052E: wrong user name or password). Nothing was changed; try again with the account's current Windows password.\n",
    );
    expect(r.stdout).toBe('');
  });

  it('says to run as administrator or as that user when creating tasks is denied', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr: 'Register-ScheduledTask : Åtkomst nekad. [HRESULT 0x80070005,Register-ScheduledTask]' }] });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('access denied (0x80070005). Run procapita-sync as KOMMUN\\svc-sync itself, or from an elevated prompt (Run as administrator)');
    const english = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr: 'Register-ScheduledTask : Access is denied.' }] });
    expect(english.code).toBe(8);
    expect(english.stderr).toContain('(Run as administrator)');
  });

  it('names the missing "Log on as a batch job" right', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr: 'x [HRESULT 0x80070569,Register-ScheduledTask]' }] });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('"Log on as a batch job"');
  });

  it('an unexpected failure quotes PowerShell', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr: 'Register-ScheduledTask : The task XML is malformed.\r\n [HRESULT 0x8004131a,Register-ScheduledTask]' }] });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: Registering the scheduled task as KOMMUN\\svc-sync failed (PowerShell exit code 1): Register-ScheduledTask : The task XML is malformed. [HRESULT 0x8004131a,Register-ScheduledTask]\n');
  });

  it('never shows the password, even when PowerShell echoes it', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { answers: [{ code: 1, stderr: `Register-ScheduledTask : Bad value ${PASSWORD}.` }] });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: Registering the scheduled task as KOMMUN\\svc-sync failed (PowerShell exit code 1): Register-ScheduledTask : Bad value ***.\n');
  });

  it('when PowerShell cannot be started', async () => {
    const { configPath } = setup();
    let stderr = '';
    const code = await main(['schedule', 'install', '--config', configPath], {
      stdout: () => undefined,
      stderr: (t) => void (stderr += t),
      now: () => NOW,
      env: WINDOWS_ENV,
      sleep: async () => undefined,
      random: () => 0.5,
      platform: 'win32',
      readSecret: async () => PASSWORD,
      exec: async () => {
        throw Object.assign(new Error('spawn powershell.exe ENOENT'), { code: 'ENOENT' });
      },
    });
    expect(code).toBe(1);
    expect(stderr).toContain('powershell.exe was not found');
  });

  it('refuses an empty password, a bad time and a broken configuration before anything runs', async () => {
    const { configPath } = setup();
    const empty = await schedule(['install', '--config', configPath], { password: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('No password was given for KOMMUN\\svc-sync, so nothing was registered.');
    const time = await schedule(['install', '--config', configPath, '--time', '25:00']);
    expect(time.code).toBe(2);
    expect(time.stderr).toContain('--time 25:00 is not a time of day.');
    const missing = await schedule(['install', '--config', join(tempDir(), 'nope.json')]);
    expect(missing.code).toBe(3);
    for (const r of [empty, time, missing]) expect(r.commands).toEqual([]);
    expect([...time.prompts, ...missing.prompts]).toEqual([]);
  });

  it('needs to know the current account', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('USERDOMAIN and USERNAME are not set');
  });
});

describe('schedule install elsewhere', () => {
  it('prints the systemd units and a cron line, and registers nothing', async () => {
    const { configPath } = setup();
    const r = await schedule(['install', '--config', configPath, '--time', '19:15'], { platform: 'linux', env: { USER: 'it' } });
    expect(r.code).toBe(0);
    expect(r.commands).toEqual([]);
    expect(r.prompts).toEqual([]);
    expect(r.stdout).toMatch(/^Windows Task Scheduler is not available on linux, so nothing was registered\./);
    expect(r.stdout).toContain('# ~/.config/systemd/user/procapita-sync.service\n[Unit]\n');
    expect(r.stdout).toContain(`ExecStart=${process.execPath} --import tsx ${join(ROOT, 'src/cli/main.ts')} run --config ${configPath}\n`);
    expect(r.stdout).toContain('OnCalendar=*-*-* 19:15:00\n');
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now procapita-sync.timer');
    expect(r.stdout).toContain('loginctl enable-linger it');
    expect(r.stdout).toContain(`\n15 19 * * * cd ${ROOT.replace(/\/$/, '')} && ${process.execPath} --import tsx ${join(ROOT, 'src/cli/main.ts')} run --config ${configPath}\n`);
  });

  it('remove and status say what to use instead', async () => {
    const remove = await schedule(['remove'], { platform: 'linux' });
    expect(remove.code).toBe(0);
    expect(remove.stdout).toContain('systemctl --user disable --now procapita-sync.timer');
    const status = await schedule(['status'], { platform: 'darwin' });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^There is no Windows scheduled task on darwin\./);
    expect([...remove.commands, ...status.commands]).toEqual([]);
  });
});

describe('schedule remove on Windows', () => {
  it('removes the task', async () => {
    const r = await schedule(['remove'], { answers: [{ stdout: 'removed\r\n' }] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Removed the scheduled task procapita-sync. The configuration, the secrets and the state are left as they are.\n');
    expect(r.commands[0]!.args.at(-1)).toContain('Unregister-ScheduledTask');
    expect(r.commands[0]!.stdin).toBeUndefined();
  });

  it('is content when there is none', async () => {
    const r = await schedule(['remove'], { answers: [{ stdout: 'not-registered\r\n' }] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No scheduled task procapita-sync was registered; nothing to remove.\n');
  });

  it('access denied', async () => {
    const r = await schedule(['remove'], { answers: [{ code: 1, stderr: 'Unregister-ScheduledTask : Access is denied. [HRESULT 0x80070005,Unregister-ScheduledTask]' }] });
    expect(r.code).toBe(8);
    expect(r.stderr).toContain('Removing the scheduled task: access denied (0x80070005).');
  });
});

describe('schedule status on Windows', () => {
  const status = (fields: Record<string, unknown>) => `${JSON.stringify({ registered: true, state: 'Ready', userId: 'KOMMUN\\svc-sync', logonType: 'Password', execute: 'C:\\procapita-sync\\procapita-sync.exe', arguments: 'run --config "C:\\ProgramData\\procapita-sync\\config.json"', ...fields })}\r\n`;

  it('the last run, its result translated, and the next run', async () => {
    const r = await schedule(['status'], { answers: [{ stdout: status({ lastRunTime: '2026-09-01T18:30:01.0000000+02:00', lastTaskResult: 12, nextRunTime: '2026-09-02T18:30:00.0000000+02:00' }) }] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        'Scheduled task procapita-sync: registered, Ready, runs as KOMMUN\\svc-sync.',
        '  Runs:         C:\\procapita-sync\\procapita-sync.exe run --config "C:\\ProgramData\\procapita-sync\\config.json"',
        '  Last run:     2026-09-01 18:30:01 +02:00',
        '  Last result:  12 (0xC) heldByGuard: held by the deletion guard: too much would be removed; nothing was delivered (see the review file, then `approve`)',
        '  Next run:     2026-09-02 18:30:00 +02:00',
        '',
      ].join('\n'),
    );
    expect(r.commands[0]!.args.at(-1)).toContain('Get-ScheduledTaskInfo');
  });

  it('a task that has not run yet', async () => {
    const r = await schedule(['status'], { answers: [{ stdout: status({ lastRunTime: '1999-11-30T00:00:00.0000000', lastTaskResult: 267011, nextRunTime: '2026-09-02T18:30:00.0000000+02:00' }) }] });
    expect(r.stdout).toContain('  Last run:     never\n  Last result:  267011 (0x41303): Task Scheduler: the task has not run yet\n');
  });

  it('warns about a task without a stored password, run as someone else', async () => {
    const r = await schedule(['status'], { answers: [{ stdout: status({ userId: 'KOMMUN\\other', logonType: 'S4U', lastTaskResult: 0, lastRunTime: '2026-09-01T18:30:01.0000000+02:00', nextRunTime: null }) }] });
    expect(r.stdout).toContain('  Last result:  0 (0x0): ok: the roster was written\n  Next run:     none scheduled\n');
    expect(r.stdout).toContain('! The task does not store the account\'s password (LogonType S4U), so it cannot read the secrets in Credential Manager.');
    expect(r.stdout).toContain('! The task runs as KOMMUN\\other, but you are KOMMUN\\svc-sync: the secrets must be stored by KOMMUN\\other (runas /user:KOMMUN\\other "procapita-sync.exe setup").');
  });

  it('not registered', async () => {
    const r = await schedule(['status'], { answers: [{ stdout: '{"registered":false}\r\n' }] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('No scheduled task procapita-sync is registered. `procapita-sync schedule install --config FILE` registers it.\n');
  });
});

describe('schedule xml', () => {
  it('prints the XML, or writes it as UTF-16 for schtasks /XML', async () => {
    const { configPath } = setup();
    const printed = await schedule(['xml', '--config', configPath, '--account', 'KOMMUN\\svc-sync'], { platform: 'linux', env: {} });
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^<\?xml version="1\.0" encoding="UTF-16"\?>\n<Task version="1\.2"/);
    expect(element(printed.stdout, 'Arguments')).toContain(`run --config "${configPath}"`);
    const out = join(tempDir(), 'task.xml');
    const written = await schedule(['xml', '--config', configPath, '--out', out]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`schtasks /Create /TN procapita-sync /XML "${out}" /RU KOMMUN\\svc-sync /RP *`);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(bytes.subarray(2).toString('utf16le')).toBe(printed.stdout);
    expect(written.commands).toEqual([]);
  });
});

describe('execCommand, Io.exec by default', () => {
  it('writes stdin to the child and collects what it prints, with its exit code', async () => {
    const r = await execCommand({ file: process.execPath, args: ['-e', 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { console.log(s.toUpperCase()); console.error("err"); process.exit(3); })'], stdin: 'hemligt' });
    expect(r).toEqual({ code: 3, stdout: 'HEMLIGT\n', stderr: 'err\n' });
  });

  it('closes stdin when there is none, and rejects when the program is missing', async () => {
    expect(await execCommand({ file: process.execPath, args: ['-e', 'process.stdin.resume(); process.stdin.on("end", () => console.log("closed"))'] })).toEqual({ code: 0, stdout: 'closed\n', stderr: '' });
    await expect(execCommand({ file: 'no-such-program-procapita', args: [] })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a named configuration: its own task, procapita-sync-<name>', () => {
  const named = (name: string) => writeSetup(demoFixture(), { name });
  const registered = (execute: string, config: string) =>
    `${JSON.stringify({ registered: true, state: 'Ready', userId: 'KOMMUN\\svc-sync', logonType: 'Password', execute, arguments: `run --config "${config}"`, lastTaskResult: 0, lastRunTime: '2026-09-01T18:30:01.0000000+02:00', nextRunTime: '2026-09-02T18:30:00.0000000+02:00' })}\r\n`;

  it('install registers procapita-sync-<name>: the URI and the script name it, and so does what it prints', async () => {
    const { configPath } = named('north');
    const r = await schedule(['install', '--config', configPath], { answers: [{ stdout: 'registered\r\n' }] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [c] = r.commands as [Command];
    expect(c.args.at(-1)).toContain("Register-ScheduledTask -TaskName 'procapita-sync-north' -TaskPath '\\' -Xml $in.xml");
    const xml = (JSON.parse(c.stdin!) as { xml: string }).xml;
    expect(element(xml, 'URI')).toBe('\\procapita-sync-north');
    expect(element(xml, 'Arguments')).toMatch(new RegExp(` run --config "${configPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"$`));
    expect(r.stdout.split('\n')[0]).toBe(`Registered the scheduled task procapita-sync-north: every day at 18:30 (first run ${nextStartDate('18:30', NOW)}), as KOMMUN\\svc-sync with its stored password.`);
    expect(r.stdout).toContain(`\`procapita-sync schedule status --config "${configPath}"\` shows the last result.`);
  });

  it('status --config A asks for A\'s task only, and says it is A\'s', async () => {
    const a = named('north');
    const b = named('south');
    const r = await schedule(['status', '--config', a.configPath], { answers: [{ stdout: registered('C:\\procapita-sync\\procapita-sync.exe', a.configPath) }] });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.commands).toHaveLength(1);
    const script = r.commands[0]!.args.at(-1)!;
    expect(script).toContain("Get-ScheduledTask -TaskName 'procapita-sync-north' -TaskPath '\\'");
    expect(script).not.toContain('procapita-sync-south');
    expect(script).not.toContain("-TaskName 'procapita-sync' ");
    expect(r.stdout.split('\n')[0]).toBe('Scheduled task procapita-sync-north: registered, Ready, runs as KOMMUN\\svc-sync.');
    const other = await schedule(['status', '--config', b.configPath], { answers: [{ stdout: '{"registered":false}\r\n' }] });
    expect(other.commands[0]!.args.at(-1)).toContain("Get-ScheduledTask -TaskName 'procapita-sync-south' -TaskPath '\\'");
    expect(other.stdout).toBe('No scheduled task procapita-sync-south is registered. `procapita-sync schedule install --config FILE` registers it.\n');
  });

  it('remove --config removes that configuration\'s task and no other', async () => {
    const { configPath } = named('north');
    const r = await schedule(['remove', '--config', configPath], { answers: [{ stdout: 'removed\r\n' }] });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Removed the scheduled task procapita-sync-north. The configuration, the secrets and the state are left as they are.\n');
    expect(r.commands[0]!.args.at(-1)).toContain("Unregister-ScheduledTask -TaskName 'procapita-sync-north' -TaskPath '\\' -Confirm:$false");
  });

  it('a configuration without a name keeps the task procapita-sync; a --config that is not there is exit 3, nothing run', async () => {
    const { configPath } = setup();
    const plain = await schedule(['status', '--config', configPath], { answers: [{ stdout: '{"registered":false}\r\n' }] });
    expect(plain.commands[0]!.args.at(-1)).toContain("Get-ScheduledTask -TaskName 'procapita-sync' -TaskPath '\\'");
    expect(plain.stdout).toBe('No scheduled task procapita-sync is registered. `procapita-sync schedule install --config FILE` registers it.\n');
    for (const command of ['status', 'remove']) {
      const missing = await schedule([command, '--config', join(tempDir(), 'nope.json')]);
      expect(missing.code).toBe(3);
      expect(missing.commands).toEqual([]);
    }
  });

  it('xml names the task in the URI and in the schtasks line', async () => {
    const { configPath } = named('north');
    const out = join(tempDir(), 'task.xml');
    const r = await schedule(['xml', '--config', configPath, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`schtasks /Create /TN procapita-sync-north /XML "${out}" /RU KOMMUN\\svc-sync /RP *`);
    expect(element(readFileSync(out).subarray(2).toString('utf16le'), 'URI')).toBe('\\procapita-sync-north');
  });

  it('elsewhere: the systemd units are procapita-sync-<name>, and remove and status name them', async () => {
    const { configPath } = named('north');
    const r = await schedule(['install', '--config', configPath], { platform: 'linux', env: { USER: 'it' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('# ~/.config/systemd/user/procapita-sync-north.service\n[Unit]\nDescription=procapita-sync-north: read ProCapita');
    expect(r.stdout).toContain('# ~/.config/systemd/user/procapita-sync-north.timer\n[Unit]\n');
    expect(r.stdout).toContain('Unit=procapita-sync-north.service\n');
    expect(r.stdout).toContain('systemctl --user daemon-reload && systemctl --user enable --now procapita-sync-north.timer');
    const remove = await schedule(['remove', '--config', configPath], { platform: 'linux' });
    expect(remove.stdout).toContain('systemctl --user disable --now procapita-sync-north.timer');
    const status = await schedule(['status', '--config', configPath], { platform: 'linux' });
    expect(status.stdout).toContain('`systemctl --user list-timers procapita-sync-north.timer` and `journalctl --user -u procapita-sync-north`');
    expect([...r.commands, ...remove.commands, ...status.commands]).toEqual([]);
  });
});
