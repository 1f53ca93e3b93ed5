/**
 * Windows: the folders with personal data are restricted to the task's
 * account, Administrators and SYSTEM (issue 13 §4). icacls and PowerShell
 * cannot run here, so the exact commands are tested, the wizard's write step
 * and doctor run against recorded answers, and doctor's reading of the ACLs
 * is tested on output captured from what the script prints.
 */
import { sourceQueryCommand } from '../../src/report/event-log';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  folderAccessCommand,
  icaclsLine,
  parseFolderAccess,
  privateFolders,
  restrictFolderCommand,
} from '../../src/cli/folder-access';
import { parseConfig } from '../../src/configure/config';
import { AppError } from '../../src/errors';
import { SCRIPT_OUTPUT, type Command } from '../../src/schedule/task';
import { NO_ANSWERS } from '../../wizard/answers';
import { writeStep } from '../../wizard/steps/write';
import { demoFixture, runCli, tempDir, writeSetup } from '../support/cli';
import { BATCH, TASK, windowsIo } from '../doctor/support';
import { stepContext } from '../wizard/support';

const ACCOUNT = 'KOMMUN\\svc-procapita';
const ME = 'S-1-5-21-3623811015-3361044348-30300820-1107';
const ENV = { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' };
const POWERSHELL = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command'];

describe('the commands, exactly', () => {
  it('restricting a folder: PowerShell makes it, then icacls cuts inheritance and grants Administrators and SYSTEM (by SID) full control and the account modify; folder and account on stdin', () => {
    expect(restrictFolderCommand('C:\\ProgramData\\Skolförvaltning\\procapita-sync\\state', ACCOUNT)).toEqual({
      file: 'powershell.exe',
      args: [
        ...POWERSHELL,
        "$ErrorActionPreference = 'Stop'; " +
          "try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json; $null = [IO.Directory]::CreateDirectory($in.folder) } catch { [Console]::Error.WriteLine(($_.Exception.Message -replace '\\s+', ' ')); exit 1 }; " +
          "$ErrorActionPreference = 'Continue'; " +
          "$out = & icacls.exe $in.folder /inheritance:r /grant:r '*S-1-5-32-544:(OI)(CI)F' '*S-1-5-18:(OI)(CI)F' ($in.account + ':(OI)(CI)M') 2>&1; " +
          "if ($LASTEXITCODE -ne 0) { [Console]::Error.WriteLine((($out | Out-String) -replace '\\s+', ' ')); exit $LASTEXITCODE }; " +
          "'restricted'",
      ],
      stdin: '{"folder":"C:\\\\ProgramData\\\\Skolf\\u00f6rvaltning\\\\procapita-sync\\\\state","account":"KOMMUN\\\\svc-procapita"}',
    });
  });

  it('the same as a line for the admin, with the SIDs to remove when doctor found some', () => {
    expect(icaclsLine('C:\\ProgramData\\procapita-sync\\logs', ACCOUNT)).toBe(
      'icacls "C:\\ProgramData\\procapita-sync\\logs" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F KOMMUN\\svc-procapita:(OI)(CI)M',
    );
    expect(icaclsLine('D:\\Export', ACCOUNT, ['S-1-1-0', 'S-1-5-11'])).toBe(
      'icacls "D:\\Export" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F KOMMUN\\svc-procapita:(OI)(CI)M /remove:g *S-1-1-0 *S-1-5-11',
    );
  });

  it('reading the access back: Get-Acl with the entries by SID (the same in every language), the folders on stdin', () => {
    expect(folderAccessCommand(['C:\\ProgramData\\procapita-sync\\logs', 'D:\\Överföring'])).toEqual({
      file: 'powershell.exe',
      args: [
        ...POWERSHELL,
        "$ErrorActionPreference = 'Stop'; " +
          'try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json; ' +
          '$me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value; ' +
          '$r = @(foreach ($d in @($in.folders)) { $o = [ordered]@{ folder = $d; exists = [IO.Directory]::Exists($d); protected = $null; rules = @() }; ' +
          'if ($o.exists) { $a = Get-Acl -LiteralPath $d; $o.protected = $a.AreAccessRulesProtected; ' +
          "$o.rules = @($a.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]) | ForEach-Object { [ordered]@{ sid = $_.IdentityReference.Value; allow = ($_.AccessControlType -eq 'Allow'); inherited = $_.IsInherited } }) }; " +
          '$o }); ' +
          '$j = [ordered]@{ me = $me; folders = $r } | ConvertTo-Json -Compress -Depth 5; ' +
          "[regex]::Replace($j, '[^\\x00-\\x7e]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value }) } catch { [Console]::Error.WriteLine(($_.Exception.Message -replace '\\s+', ' ')); exit 1 }",
      ],
      stdin: '{"folders":["C:\\\\ProgramData\\\\procapita-sync\\\\logs","D:\\\\\\u00d6verf\\u00f6ring"]}',
    });
  });

  it('the folders: state, logs, a directory target\'s folder and the mapping table\'s, each once', () => {
    const config = parseConfig(
      { source: { type: 'fixture', path: 'm.json' }, schools: [{ unitCode: 'A', schoolForm: 'GR' }], target: { type: 'directory', path: 'out' }, email: { mappingFile: 'state/email.csv' }, stateDir: 'state', logDir: 'logs' },
      '/srv/procapita-sync/config.json',
    );
    expect(privateFolders(config).map((f) => [f.what, f.dir])).toEqual([
      ['Log folder', '/srv/procapita-sync/logs'],
      ['State folder', '/srv/procapita-sync/state'],
      ['Snapshot folder', '/srv/procapita-sync/out'],
    ]);
  });
});

// ---- What the script prints, as captured ----------------------------------------------

const rule = (sid: string, inherited: boolean, allow = true) => ({ sid, allow, inherited });

/** A folder made under %ProgramData% by the account: what it inherits from there. */
const PROGRAMDATA_DEFAULT = [
  rule('S-1-5-18', true),
  rule('S-1-5-32-544', true),
  rule(ME, true), // CREATOR OWNER's grant, for the account that made it
  rule('S-1-3-0', true),
  rule('S-1-5-32-545', true), // Users: read and execute
  rule('S-1-5-32-545', true), // Users: create files and folders
];
/** After the wizard's icacls. */
const RESTRICTED = [rule('S-1-5-32-544', false), rule('S-1-5-18', false), rule(ME, false)];

const printed = (folders: { folder: string; exists?: boolean; protected: boolean | null; rules: unknown }[]) =>
  JSON.stringify({ me: ME, folders: folders.map((f) => ({ folder: f.folder, exists: f.exists ?? true, protected: f.protected, rules: f.rules })) });

describe('parseFolderAccess', () => {
  it('a folder as %ProgramData% leaves it: inheritance on, Users may read; once restricted: nobody else', () => {
    const out = printed([
      { folder: 'C:\\ProgramData\\procapita-sync\\logs', protected: false, rules: PROGRAMDATA_DEFAULT },
      { folder: 'C:\\ProgramData\\procapita-sync\\state', protected: true, rules: RESTRICTED },
    ]);
    expect(parseFolderAccess(`${out}\r\n`)).toEqual([
      { folder: 'C:\\ProgramData\\procapita-sync\\logs', exists: true, protected: false, others: ['S-1-5-32-545'] },
      { folder: 'C:\\ProgramData\\procapita-sync\\state', exists: true, protected: true, others: [] },
    ]);
  });

  it('grants an admin added by hand to Everyone and Authenticated Users stay after /inheritance:r and are named; a deny entry is no access', () => {
    const out = printed([{ folder: 'D:\\Export', protected: true, rules: [...RESTRICTED, rule('S-1-1-0', false), rule('S-1-5-11', false), rule('S-1-5-4', false, false)] }]);
    expect(parseFolderAccess(out)).toEqual([{ folder: 'D:\\Export', exists: true, protected: true, others: ['S-1-1-0', 'S-1-5-11'] }]);
  });

  it('what Windows PowerShell 5.1 writes: a one-element list as the element, a wrapped list, null for none, a BOM, å as \\u00e5; a missing folder', () => {
    const out =
      '\uFEFF{"me":"' + ME + '","folders":{"value":[' +
      '{"folder":"C:\\\\ProgramData\\\\Skolf\\u00f6rvaltning","exists":true,"protected":true,"rules":{"sid":"S-1-5-32-545","allow":true,"inherited":false}},' +
      '{"folder":"C:\\\\Saknas","exists":false,"protected":null,"rules":null}],"Count":2}}';
    expect(parseFolderAccess(out)).toEqual([
      { folder: 'C:\\ProgramData\\Skolförvaltning', exists: true, protected: true, others: ['S-1-5-32-545'] },
      { folder: 'C:\\Saknas', exists: false, protected: false, others: [] },
    ]);
  });

  it('an answer that is not JSON: an error that quotes nothing of it', () => {
    let err: unknown;
    try {
      parseFolderAccess('Get-Acl : Attempted to perform an unauthorized operation.');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe("PowerShell's answer about the folders' access could not be read.");
  });
});

// ---- doctor on "Windows" --------------------------------------------------------------

/** PowerShell as recorded (test/doctor/support.ts): the task fine, the user rights unreadable (not elevated), the folders' ACLs from `acl`. */
const recorded = (acl: (folders: string[]) => string) => windowsIo(TASK, { code: 0, stdout: JSON.stringify({ ...BATCH, exported: false }) }, ENV, acl);

describe('doctor on Windows (recorded PowerShell)', () => {
  const doctorSite = () => writeSetup(demoFixture(), { target: { type: 'directory', path: 'out' } });

  it('restricted folders: ✓; the folders go to PowerShell on stdin', async () => {
    const s = doctorSite();
    const ps = recorded((folders) => printed(folders.map((folder) => ({ folder, protected: true, rules: RESTRICTED }))));
    const r = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { platform: 'win32', exec: ps.exec });
    expect(r.stdout.split('\n').slice(-3)).toEqual(['✓ Only this account, Administrators and SYSTEM can open the log, state and snapshot folders', 'All 9 checks passed.', '']);
    expect(r.code).toBe(0);
    const acl = ps.commands.find((c) => /Get-Acl/.test(c.args.join(' ')))!;
    expect(acl).toEqual(folderAccessCommand([join(s.dir, 'logs'), join(s.dir, 'state'), join(s.dir, 'out')]));
  });

  it('a folder as %ProgramData% leaves it and one opened to Everyone: ✗ naming both, with the icacls line that fixes each, exit 3', async () => {
    const s = doctorSite();
    const ps = recorded(([logs, state, out]) =>
      printed([
        { folder: logs!, protected: false, rules: PROGRAMDATA_DEFAULT },
        { folder: state!, protected: true, rules: RESTRICTED },
        { folder: out!, protected: true, rules: [...RESTRICTED, rule('S-1-1-0', false), rule('S-1-5-21-3623811015-3361044348-30300820-513', false)] },
      ]),
    );
    const r = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { platform: 'win32', exec: ps.exec });
    const [logs, out] = [join(s.dir, 'logs'), join(s.dir, 'out')];
    expect(r.stdout.split('\n').at(-2)).toBe(
      `✗ Access to the log, state and snapshot folders: ` +
        `${logs}: it inherits its parent's permissions and Users (S-1-5-32-545) can open it; fix: icacls "${logs}" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F KOMMUN\\svc-procapita:(OI)(CI)M /remove:g *S-1-5-32-545; ` +
        `${out}: Everyone (S-1-1-0), S-1-5-21-3623811015-3361044348-30300820-513 can open it; fix: icacls "${out}" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F KOMMUN\\svc-procapita:(OI)(CI)M /remove:g *S-1-1-0 *S-1-5-21-3623811015-3361044348-30300820-513. ` +
        'These folders hold personal data. Run procapita-sync setup again as KOMMUN\\svc-procapita (it restricts them), or the icacls line shown from an elevated prompt.',
    );
    expect(r.code).toBe(3);
  });

  it('PowerShell cannot read an ACL: ✗ with its words, exit 1', async () => {
    const s = doctorSite();
    const ps = recorded(() => '');
    const exec = async (c: Command) => (/Get-Acl/.test(c.args.join(' ')) ? { code: 1, stdout: '', stderr: 'Attempted to perform an unauthorized operation.\r\n' } : ps.exec!(c));
    const r = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { platform: 'win32', exec });
    expect(r.stdout.split('\n').at(-2)).toBe("✗ Access to the log, state and snapshot folders: PowerShell could not read the folders' access (exit code 1: Attempted to perform an unauthorized operation.).");
    expect(r.code).toBe(1);
  });
});

// ---- The wizard's write step on "Windows" ------------------------------------------------

describe('the wizard\'s write step on Windows', () => {
  const draft = (dir: string) => ({
    source: { type: 'fixture' as const, path: join(dir, 'municipality.json') },
    schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }],
    email: { mappingFile: join(dir, 'mapping', 'email.csv') },
    stateDir: join(dir, 'state'),
    logDir: join(dir, 'logs'),
  });

  it('restricts the state, log and mapping folders for the task\'s account before the mapping table is written, then registers the task', async () => {
    const dir = tempDir();
    const commands: Command[] = [];
    const exec = async (c: Command) => {
      commands.push(c);
      return { code: 0, stdout: /icacls/.test(c.args.join(' ')) ? 'processed file: x\r\nSuccessfully processed 1 files; Failed processing 0 files\r\nrestricted\r\n' : `${SCRIPT_OUTPUT.registered}\r\n`, stderr: '' };
    };
    const { ctx, out } = stepContext({ platform: 'win32', env: ENV, exec, configPath: join(dir, 'config.json'), draft: draft(dir), script: [true] });
    ctx.schedule = { time: '18:30', account: ACCOUNT, register: true, password: 'Vinter-2026!' };
    await writeStep(ctx);
    expect(commands.slice(0, 3)).toEqual([join(dir, 'logs'), join(dir, 'state'), join(dir, 'mapping')].map((d) => restrictFolderCommand(d, ACCOUNT)));
    // Then the event source (the fake answers 0: it is there), then the task, last.
    expect(commands[3]).toEqual(sourceQueryCommand);
    expect(JSON.parse(commands[4]!.stdin!).account).toBe(ACCOUNT);
    expect(commands).toHaveLength(5);
    const text = out();
    expect(text).toContain(`  access to the folders with personal data, ${join(dir, 'logs')}, ${join(dir, 'state')}, ${join(dir, 'mapping')}: only KOMMUN\\svc-procapita, Administrators and SYSTEM (icacls)`);
    expect(text).toContain(`✓ Access to ${join(dir, 'state')}: only KOMMUN\\svc-procapita, Administrators and SYSTEM`);
    expect(text.indexOf(`✓ Access to ${join(dir, 'mapping')}`)).toBeLessThan(text.indexOf('✓ Configuration written'));
  });

  it('icacls refused: ✗ with the line to run from an elevated prompt; without questions the wizard then ends with exit 8', async () => {
    const dir = tempDir();
    const exec = async (c: Command) =>
      /icacls/.test(c.args.join(' ')) ? { code: 5, stdout: '', stderr: `${JSON.parse(c.stdin!).folder}: Access is denied.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n` } : { code: 0, stdout: 'registered', stderr: '' };
    const { ctx, out } = stepContext({ platform: 'win32', env: ENV, exec, configPath: join(dir, 'config.json'), draft: { ...draft(dir), email: {} }, answers: { ...NO_ANSWERS, nonInteractive: true } });
    let err: unknown;
    try {
      await writeStep(ctx, { config: true, secrets: false, task: false });
    } catch (e) {
      err = e;
    }
    const logs = join(dir, 'logs');
    expect(out()).toContain(
      `✗ Access to ${logs} could not be restricted (icacls ended with exit code 5: ${logs}: Access is denied. Successfully processed 0 files; Failed processing 1 files). Every local user may read it until it is; from an elevated prompt: icacls "${logs}" /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F KOMMUN\\svc-procapita:(OI)(CI)M`,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('accessDenied');
    expect((err as AppError).message).toBe('2 folders with personal data could not be restricted (see above); every local user may read them until they are.');
  });
});
