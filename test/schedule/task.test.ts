import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_MEANINGS, ExitCode, type ExitCodeName } from '../../src/errors';
import {
  actionArguments,
  asciiJson,
  describeLastResult,
  folderOf,
  linuxSchedule,
  nextStartDate,
  normalizeTime,
  parseTaskStatus,
  queryTaskCommand,
  registerTaskCommand,
  removeTaskCommand,
  TASK_NAME,
  taskName,
  taskXml,
  taskXmlFile,
  windowsArg,
  xmlText,
  type TaskSpec,
} from '../../src/schedule/task';
import { resolve } from 'node:path';
import { installSpec, programFor } from '../../src/schedule/windows';

const SPEC: TaskSpec = {
  exePath: 'C:\\Program Files\\procapita-sync\\procapita-sync.exe',
  configPath: 'C:\\ProgramData\\procapita-sync\\config.json',
  time: '18:30',
  account: 'KOMMUN\\svc-sync',
  startDate: '2026-09-02',
};
const PASSWORD = 'Höst&Vår "2026" \\ ;$x';

/**
 * A small well-formedness check (no XML parser is installed, and none is added
 * for this): tags nest and close, attributes are quoted, every & starts an
 * entity, and no text holds a bare < or >.
 */
function wellFormed(xml: string): string[] {
  const body = xml.replace(/^<\?xml version="1\.0" encoding="UTF-16"\?>\n/, '');
  const stack: string[] = [];
  const problems: string[] = [];
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+="[^"<&]*")*)\s*(\/?)>|([^<]+)/gy;
  let at = 0;
  for (let m = token.exec(body); m; m = token.exec(body)) {
    at = token.lastIndex;
    const [, close, name, , selfClose, text] = m;
    if (text !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/i.test(text)) problems.push(`bare & in ${JSON.stringify(text)}`);
      if (/>/.test(text)) problems.push(`bare > in ${JSON.stringify(text)}`);
      if (stack.length === 0 && text.trim() !== '') problems.push('text outside the root');
    } else if (close) {
      if (stack.pop() !== name) problems.push(`</${name}> closes the wrong element`);
    } else if (!selfClose) stack.push(name!);
  }
  if (at !== body.length) problems.push(`cannot read from ${JSON.stringify(body.slice(at, at + 40))}`);
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(', ')}`);
  return problems;
}

/** The text of an element, unescaped. */
const element = (xml: string, name: string) => {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? m[1]!.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&') : undefined;
};

/** How the Microsoft C runtime splits a command line (CommandLineToArgvW's rules), to check windowsArg against. */
function splitWindows(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let arg = '';
    let quoted = false;
    for (; i < line.length; i++) {
      const ch = line[i]!;
      if (!quoted && (ch === ' ' || ch === '\t')) break;
      if (ch === '\\') {
        let n = 0;
        while (line[i] === '\\') (n++, i++);
        if (line[i] === '"') {
          arg += '\\'.repeat(Math.floor(n / 2));
          if (n % 2 === 1) arg += '"';
          else quoted = !quoted;
        } else {
          arg += '\\'.repeat(n);
          i--;
        }
      } else if (ch === '"') quoted = !quoted;
      else arg += ch;
    }
    args.push(arg);
  }
  return args;
}

describe('the task XML', () => {
  it('is exactly the expected text, character by character', () => {
    const expected = readFileSync(new URL('./expected-task.xml', import.meta.url), 'utf8');
    const actual = taskXml(SPEC);
    for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
      if (actual[i] !== expected[i]) expect(`${actual.slice(i, i + 60)}`, `first difference at character ${i}`).toBe(expected.slice(i, i + 60));
    }
    expect(actual).toBe(expected);
  });

  it("for a named configuration: the same text but the URI, \\procapita-sync-<name>", () => {
    const expected = readFileSync(new URL('./expected-task.xml', import.meta.url), 'utf8');
    const named = taskXml({ ...SPEC, name: 'north' });
    expect(named).toBe(expected.replace('    <URI>\\procapita-sync</URI>\n', '    <URI>\\procapita-sync-north</URI>\n'));
    expect(named).not.toBe(expected);
    expect(taskName('north')).toBe('procapita-sync-north');
    expect(taskName(undefined)).toBe(TASK_NAME);
  });

  it('is checked by a well-formedness test that does find faults', () => {
    expect(wellFormed('<a>x & y</a>')).toEqual(['bare & in "x & y"']);
    expect(wellFormed('<a>x > y</a>')).toEqual(['bare > in "x > y"']);
    expect(wellFormed('<a><b></a></b>')).toEqual(['</a> closes the wrong element', '</b> closes the wrong element']);
    expect(wellFormed('<a>x < y</a>')).toEqual(['cannot read from "< y</a>"', 'unclosed: a']);
    expect(wellFormed('<a x="1"><b/>&amp;&#x41;</a>')).toEqual([]);
  });

  it('has the settings the issue asks for', () => {
    const xml = taskXml(SPEC);
    expect(xml).toContain('<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">');
    expect(element(xml, 'StartBoundary')).toBe('2026-09-02T18:30:00');
    expect(element(xml, 'DaysInterval')).toBe('1');
    expect(element(xml, 'UserId')).toBe('KOMMUN\\svc-sync');
    expect(element(xml, 'LogonType')).toBe('Password');
    expect(element(xml, 'RunLevel')).toBe('LeastPrivilege');
    expect(element(xml, 'MultipleInstancesPolicy')).toBe('IgnoreNew');
    expect(element(xml, 'StartWhenAvailable')).toBe('true');
    expect(element(xml, 'ExecutionTimeLimit')).toBe('PT2H');
    expect(element(xml, 'DisallowStartIfOnBatteries')).toBe('false');
    expect(element(xml, 'StopIfGoingOnBatteries')).toBe('false');
    expect(xml).toMatch(/<\/IdleSettings>\n {4}<AllowStartOnDemand>true<\/AllowStartOnDemand>\n {4}<Enabled>true<\/Enabled>/);
    expect(element(xml, 'Command')).toBe('"C:\\Program Files\\procapita-sync\\procapita-sync.exe"');
    expect(element(xml, 'Arguments')).toBe('run --config "C:\\ProgramData\\procapita-sync\\config.json"');
    expect(element(xml, 'WorkingDirectory')).toBe('C:\\Program Files\\procapita-sync');
    expect(wellFormed(xml)).toEqual([]);
  });

  it('escapes &, < and > in the account, the paths and the arguments, and stays well-formed', () => {
    const xml = taskXml({
      exePath: 'D:\\R&D <test>\\procapita-sync.exe',
      configPath: 'D:\\Skolor & Förskolor\\a>b\\config.json',
      time: '6:05',
      account: 'KOMMUN\\svc&<sync>',
      startDate: '2026-09-02',
    });
    expect(wellFormed(xml)).toEqual([]);
    expect(xml).toContain('<UserId>KOMMUN\\svc&amp;&lt;sync&gt;</UserId>');
    expect(xml).toContain('<Command>"D:\\R&amp;D &lt;test&gt;\\procapita-sync.exe"</Command>');
    expect(xml).toContain('<Arguments>run --config "D:\\Skolor &amp; Förskolor\\a&gt;b\\config.json"</Arguments>');
    expect(xml).toContain('<WorkingDirectory>D:\\R&amp;D &lt;test&gt;</WorkingDirectory>');
    expect(element(xml, 'StartBoundary')).toBe('2026-09-02T06:05:00');
    expect(element(xml, 'UserId')).toBe('KOMMUN\\svc&<sync>');
    expect(xmlText('a&b<c>"d\'')).toBe('a&amp;b&lt;c&gt;"d\'');
  });

  it('leaves a path without spaces unquoted, and never quotes the working directory', () => {
    const xml = taskXml({ ...SPEC, exePath: 'C:\\procapita-sync\\procapita-sync.exe' });
    expect(element(xml, 'Command')).toBe('C:\\procapita-sync\\procapita-sync.exe');
    expect(element(xml, 'WorkingDirectory')).toBe('C:\\procapita-sync');
    expect(element(taskXml({ ...SPEC, exePath: 'C:\\procapita-sync.exe' }), 'WorkingDirectory')).toBe('C:\\');
  });

  it('from source: node with --import tsx and main.ts, in the project folder', () => {
    const program = programFor({ packaged: false, execPath: 'C:\\Program Files\\nodejs\\node.exe', projectRoot: 'C:\\src\\procapita sync' });
    expect(program).toEqual({
      exePath: 'C:\\Program Files\\nodejs\\node.exe',
      exeArgs: ['--import', 'tsx', 'C:\\src\\procapita sync\\src\\cli\\main.ts'],
      workingDirectory: 'C:\\src\\procapita sync',
    });
    const xml = taskXml({ ...SPEC, ...program });
    expect(element(xml, 'Command')).toBe('"C:\\Program Files\\nodejs\\node.exe"');
    expect(element(xml, 'Arguments')).toBe('--import tsx "C:\\src\\procapita sync\\src\\cli\\main.ts" run --config "C:\\ProgramData\\procapita-sync\\config.json"');
    expect(element(xml, 'WorkingDirectory')).toBe('C:\\src\\procapita sync');
    expect(splitWindows(element(xml, 'Arguments')!)).toEqual(['--import', 'tsx', 'C:\\src\\procapita sync\\src\\cli\\main.ts', 'run', '--config', SPEC.configPath]);
  });

  it('packed: the exe itself, with no arguments before run', () => {
    expect(programFor({ packaged: true, execPath: 'C:\\Program Files\\procapita-sync\\procapita-sync.exe', projectRoot: '' })).toEqual({ exePath: 'C:\\Program Files\\procapita-sync\\procapita-sync.exe' });
  });

  it('installSpec makes the configuration path absolute and checks the time', () => {
    const runtime = { packaged: true, execPath: 'C:\\procapita-sync\\procapita-sync.exe', projectRoot: '' };
    expect(installSpec('config.json', '6:05', 'KOMMUN\\svc-sync', runtime)).toEqual({ exePath: runtime.execPath, configPath: resolve('config.json'), time: '06:05', account: 'KOMMUN\\svc-sync' });
    expect(() => installSpec('config.json', '6.05', 'KOMMUN\\svc-sync', runtime)).toThrow(/not a time of day/);
  });

  it('refuses a bad time, an empty account and a line break in a path', () => {
    expect(() => taskXml({ ...SPEC, time: '25:00' })).toThrow(/--time 25:00 is not a time of day/);
    expect(() => taskXml({ ...SPEC, time: '18.30' })).toThrow(/Use HH:MM/);
    expect(() => taskXml({ ...SPEC, account: ' ' })).toThrow(/needs the Windows account to run as/);
    expect(() => taskXml({ ...SPEC, configPath: 'C:\\a\nb.json' })).toThrow(/control character/);
    expect(() => taskXml({ ...SPEC, startDate: '2.9.2026' })).toThrow(/not YYYY-MM-DD/);
  });

  it('is written as UTF-16 little-endian with a byte order mark for schtasks /XML', () => {
    const file = taskXmlFile(taskXml(SPEC));
    expect([...file.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(file.subarray(2).toString('utf16le')).toBe(taskXml(SPEC));
  });
});

describe('times, paths and quoting', () => {
  it('normalizes HH:MM', () => {
    expect(normalizeTime('18:30')).toBe('18:30');
    expect(normalizeTime('6:05')).toBe('06:05');
    expect(normalizeTime('00:00')).toBe('00:00');
    expect(normalizeTime('23:59')).toBe('23:59');
    for (const bad of ['24:00', '12:60', '1830', '', '18:3', 'x']) expect(() => normalizeTime(bad), bad).toThrow();
  });

  it('starts the trigger on the next HH:MM to come, in local time', () => {
    expect(nextStartDate('18:30', new Date(2026, 8, 1, 10, 0))).toBe('2026-09-01');
    expect(nextStartDate('18:30', new Date(2026, 8, 1, 18, 30))).toBe('2026-09-02');
    expect(nextStartDate('18:30', new Date(2026, 11, 31, 20, 0))).toBe('2027-01-01');
  });

  it('finds the folder of a Windows or POSIX path', () => {
    expect(folderOf('C:\\Program Files\\x\\a.exe')).toBe('C:\\Program Files\\x');
    expect(folderOf('C:\\a.exe')).toBe('C:\\');
    expect(folderOf('/opt/x/a')).toBe('/opt/x');
    expect(folderOf('/a')).toBe('/');
  });

  it.each([
    ['plain', 'plain'],
    ['with space', '"with space"'],
    ['', '""'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\dir with space\\', '"C:\\dir with space\\\\"'],
    ['a\\\\"b', '"a\\\\\\\\\\"b"'],
    ['C:\\no\\spaces', 'C:\\no\\spaces'],
  ])('windowsArg(%j) is %s and splits back to itself', (arg, quoted) => {
    expect(windowsArg(arg)).toBe(quoted);
    expect(splitWindows(`x ${windowsArg(arg)} y`)).toEqual(['x', arg, 'y']);
  });

  it('always quotes the configuration path', () => {
    expect(actionArguments({ configPath: 'C:\\cfg.json' })).toBe('run --config "C:\\cfg.json"');
    expect(actionArguments({ configPath: 'C:\\Program Files\\x\\' })).toBe('run --config "C:\\Program Files\\x\\\\"');
  });
});

describe('the PowerShell commands', () => {
  const scriptOf = (c: { args: readonly string[] }) => c.args[c.args.length - 1]!;

  it('registers with the password on stdin only: never in the arguments, never in a file', () => {
    const c = registerTaskCommand(SPEC, PASSWORD);
    expect(c.file).toBe('powershell.exe');
    expect(c.args.slice(0, 5)).toEqual(['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command']);
    expect(c.args).toHaveLength(6);
    for (const arg of c.args) {
      expect(arg).not.toContain(PASSWORD);
      expect(arg).not.toContain('Höst');
      expect(arg).not.toContain('svc-sync');
    }
    const script = scriptOf(c);
    expect(script).toContain("Register-ScheduledTask -TaskName 'procapita-sync' -TaskPath '\\' -Xml $in.xml -User $in.account -Password $in.password -Force");
    expect(script).toContain('[Console]::In.ReadToEnd() | ConvertFrom-Json');
    // Nothing is written to disk: no temp file, no schtasks /XML.
    expect(script).not.toMatch(/Out-File|Set-Content|TempPath|schtasks|\/RP/i);
    const stdin = JSON.parse(c.stdin!) as Record<string, string>;
    expect(stdin).toEqual({ account: 'KOMMUN\\svc-sync', password: PASSWORD, xml: taskXml(SPEC) });
  });

  it('sends stdin as ASCII, so the console code page cannot garble å, ä, ö', () => {
    const c = registerTaskCommand({ ...SPEC, account: 'KOMMUN\\åsa.öberg' }, 'lösenord€😀');
    expect(c.stdin).toMatch(/^[\x20-\x7e]*$/);
    expect(c.stdin).toContain('\\u00e5sa.\\u00f6berg');
    expect(JSON.parse(c.stdin!)).toMatchObject({ account: 'KOMMUN\\åsa.öberg', password: 'lösenord€😀' });
    expect(asciiJson({ x: 'ä"\\\n' })).toBe('{"x":"\\u00e4\\"\\\\\\n"}');
  });

  it('refuses an empty password before anything runs', () => {
    expect(() => registerTaskCommand(SPEC, '')).toThrow(/needs the Windows password of KOMMUN\\svc-sync/);
  });

  it('has fixed scripts on one line, without double quotes (Windows would re-parse them) and without user data', () => {
    for (const c of [registerTaskCommand(SPEC, PASSWORD), removeTaskCommand(), queryTaskCommand()]) {
      const script = scriptOf(c);
      expect(script).not.toMatch(/["\r\n]/);
      expect(script).toContain(`-TaskName '${TASK_NAME}'`);
      expect(script).toMatch(/^\$ErrorActionPreference = 'Stop'; try \{/);
      expect(script).toMatch(/\} catch \{ \[Console\]::Error\.WriteLine\(.*FullyQualifiedErrorId.*exit 1 \}$/);
      // Braces balance, so the try and catch blocks are whole.
      expect(script.split('{').length).toBe(script.split('}').length);
    }
    expect(registerTaskCommand(SPEC, PASSWORD).args.slice(0, 5)).toEqual(removeTaskCommand().args.slice(0, 5));
  });

  it('removes with Unregister-ScheduledTask, and says when there was nothing to remove', () => {
    const script = scriptOf(removeTaskCommand());
    expect(script).toContain("Unregister-ScheduledTask -TaskName 'procapita-sync' -TaskPath '\\' -Confirm:$false; 'removed'");
    expect(script).toContain("if ($null -eq $t) { 'not-registered' }");
    expect(removeTaskCommand().stdin).toBeUndefined();
  });

  it("a named configuration's task in all three scripts: procapita-sync-<name>, in the root folder", () => {
    const named = { ...SPEC, name: 'skola-2' };
    const register = scriptOf(registerTaskCommand(named, PASSWORD));
    expect(register).toContain("Register-ScheduledTask -TaskName 'procapita-sync-skola-2' -TaskPath '\\' -Xml $in.xml -User $in.account -Password $in.password -Force");
    expect((JSON.parse(registerTaskCommand(named, PASSWORD).stdin!) as { xml: string }).xml).toContain('<URI>\\procapita-sync-skola-2</URI>');
    const remove = scriptOf(removeTaskCommand('skola-2'));
    expect(remove).toContain("try { $t = Get-ScheduledTask -TaskName 'procapita-sync-skola-2' -TaskPath '\\' -ErrorAction SilentlyContinue");
    expect(remove).toContain("Unregister-ScheduledTask -TaskName 'procapita-sync-skola-2' -TaskPath '\\' -Confirm:$false; 'removed'");
    expect(scriptOf(queryTaskCommand('skola-2'))).toContain("try { $t = Get-ScheduledTask -TaskName 'procapita-sync-skola-2' -TaskPath '\\' -ErrorAction SilentlyContinue");
    // Never the default task by accident.
    for (const script of [register, remove, scriptOf(queryTaskCommand('skola-2'))]) expect(script).not.toContain("-TaskName 'procapita-sync' ");
    // Without a name: the task installs before names existed keep.
    expect(scriptOf(queryTaskCommand())).toContain("Get-ScheduledTask -TaskName 'procapita-sync' -TaskPath '\\'");
  });

  it('queries with Get-ScheduledTask and Get-ScheduledTaskInfo, as ASCII JSON', () => {
    const script = scriptOf(queryTaskCommand());
    expect(script).toContain('$i = $t | Get-ScheduledTaskInfo');
    expect(script).toContain("lastRunTime = $(if ($null -ne $i.LastRunTime) { $i.LastRunTime.ToString('o') } else { $null })");
    expect(script).toContain('ConvertTo-Json -Compress');
    expect(script).toContain("[regex]::Replace($j, '[^\\x00-\\x7e]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value })");
  });
});

/**
 * What queryTaskCommand's script prints, one line of JSON. Written to the
 * script's format (Task Scheduler cannot run here): the values are the ones
 * Windows gives, e.g. LastRunTime 1999-11-30 and result 267011 for a task that
 * has not run, and LastTaskResult as an unsigned 32-bit number.
 */
const SAMPLES = {
  ok: '{"registered":true,"state":"Ready","userId":"KOMMUN\\\\svc-sync","logonType":"Password","lastRunTime":"2026-09-01T18:30:01.0000000+02:00","lastTaskResult":0,"nextRunTime":"2026-09-02T18:30:00.0000000+02:00","numberOfMissedRuns":0,"execute":"\\"C:\\\\Program Files\\\\procapita-sync\\\\procapita-sync.exe\\"","arguments":"run --config \\"C:\\\\ProgramData\\\\procapita-sync\\\\config.json\\""}\r\n',
  held: '{"registered":true,"state":"Ready","userId":"KOMMUN\\\\svc-sync","logonType":"Password","lastRunTime":"2026-09-01T18:30:01.0000000+02:00","lastTaskResult":12,"nextRunTime":"2026-09-02T18:30:00.0000000+02:00","numberOfMissedRuns":0,"execute":"C:\\\\procapita-sync\\\\procapita-sync.exe","arguments":"run --config \\"C:\\\\ProgramData\\\\procapita-sync\\\\config.json\\""}\r\n',
  neverRun: '{"registered":true,"state":"Ready","userId":"KOMMUN\\\\\\u00e5sa","logonType":"Password","lastRunTime":"1999-11-30T00:00:00.0000000","lastTaskResult":267011,"nextRunTime":"2026-09-02T18:30:00.0000000+02:00","numberOfMissedRuns":0,"execute":"C:\\\\procapita-sync\\\\procapita-sync.exe","arguments":"run --config \\"C:\\\\cfg.json\\""}\r\n',
  disabled: '{"registered":true,"state":"Disabled","userId":"KOMMUN\\\\svc-sync","logonType":"S4U","lastRunTime":"2026-09-01T18:30:01.0000000+02:00","lastTaskResult":2147943726,"nextRunTime":null,"numberOfMissedRuns":3,"execute":"C:\\\\x.exe","arguments":null}\r\n',
  notRegistered: '{"registered":false}\r\n',
  /** A bare `Get-ScheduledTaskInfo -TaskName procapita-sync | ConvertTo-Json` in Windows PowerShell 5.1: dates as \/Date(ms)\/. */
  bareInfo: '{\r\n    "LastRunTime":  "\\/Date(1788280201000)\\/",\r\n    "LastTaskResult":  1,\r\n    "NextRunTime":  "\\/Date(1788366600000)\\/",\r\n    "NumberOfMissedRuns":  0,\r\n    "TaskName":  "procapita-sync",\r\n    "TaskPath":  "\\\\"\r\n}\r\n',
};

describe('parseTaskStatus', () => {
  it('a run that delivered: result 0, times and the account', () => {
    expect(parseTaskStatus(SAMPLES.ok)).toEqual({
      registered: true,
      state: 'Ready',
      account: 'KOMMUN\\svc-sync',
      logonType: 'Password',
      lastRunTime: '2026-09-01T18:30:01.0000000+02:00',
      lastResult: 0,
      nextRunTime: '2026-09-02T18:30:00.0000000+02:00',
      missedRuns: 0,
      command: '"C:\\Program Files\\procapita-sync\\procapita-sync.exe"',
      arguments: 'run --config "C:\\ProgramData\\procapita-sync\\config.json"',
    });
  });

  it('a held run: result 12', () => {
    expect(parseTaskStatus(SAMPLES.held)).toMatchObject({ registered: true, lastResult: 12 });
    expect(describeLastResult(parseTaskStatus(SAMPLES.held).lastResult!)).toMatch(/^12 \(0xC\) heldByGuard: held by the deletion guard/);
  });

  it('a task that has not run yet: 0x41303, and no last run time', () => {
    const status = parseTaskStatus(SAMPLES.neverRun);
    expect(status.lastResult).toBe(0x41303);
    expect(status).not.toHaveProperty('lastRunTime');
    expect(status.account).toBe('KOMMUN\\åsa');
  });

  it('a disabled task with S4U and a logon failure: no next run', () => {
    const status = parseTaskStatus(SAMPLES.disabled);
    expect(status).toMatchObject({ state: 'Disabled', logonType: 'S4U', lastResult: 0x8007052e, missedRuns: 3 });
    expect(status).not.toHaveProperty('nextRunTime');
    expect(status).not.toHaveProperty('arguments');
  });

  it('not registered', () => {
    expect(parseTaskStatus(SAMPLES.notRegistered)).toEqual({ registered: false });
    expect(parseTaskStatus('not-registered\r\n')).toEqual({ registered: false });
    expect(parseTaskStatus("Get-ScheduledTask : No MSFT_ScheduledTask objects found with property 'TaskName' equal to 'procapita-sync'.")).toEqual({ registered: false });
  });

  it("a bare Get-ScheduledTaskInfo's JSON, with \\/Date()\\/ times", () => {
    expect(parseTaskStatus(SAMPLES.bareInfo)).toEqual({
      registered: true,
      lastRunTime: '2026-09-01T16:30:01.000Z',
      lastResult: 1,
      nextRunTime: '2026-09-02T16:30:00.000Z',
      missedRuns: 0,
    });
  });

  it('a negative (signed) result is read as Windows shows it, unsigned', () => {
    expect(parseTaskStatus('{"registered":true,"lastTaskResult":-2147020576}').lastResult).toBe(0x800710e0);
  });

  it('anything else is an error that quotes what came back', () => {
    expect(() => parseTaskStatus('Get-ScheduledTask : Access is denied.')).toThrow(/Could not read the task's status from PowerShell's answer: "Get-ScheduledTask : Access is denied\."/);
    expect(() => parseTaskStatus('[1,2]')).toThrow(/Could not read/);
  });
});

describe('describeLastResult', () => {
  it.each([
    [0, '0 (0x0): ok: the roster was written'],
    [12, `12 (0xC) heldByGuard: ${EXIT_CODE_MEANINGS.heldByGuard}`],
    [9, `9 (0x9) uploadFailed: ${EXIT_CODE_MEANINGS.uploadFailed}`],
    [0x41300, '267008 (0x41300): Task Scheduler: the task is ready to run at its next scheduled time'],
    [0x41301, '267009 (0x41301): Task Scheduler: the task is running now'],
    [0x41303, '267011 (0x41303): Task Scheduler: the task has not run yet'],
    [0x41306, '267014 (0x41306): Task Scheduler: the run was terminated, by a person or because it went past the 2-hour limit (ExecutionTimeLimit); see the run log'],
    [
      0x800710e0,
      '2147946720 (0x800710E0): Windows refused to start the task (the operator or administrator has refused the request): the account may lack the "Log on as a batch job" right, or a policy blocked it',
    ],
    [-2147020576, '2147946720 (0x800710E0): Windows refused to start the task (the operator or administrator has refused the request): the account may lack the "Log on as a batch job" right, or a policy blocked it'],
    [
      0x8007052e,
      '2147943726 (0x8007052E): Windows refused the logon: wrong user name or password. The stored password is out of date; run `procapita-sync schedule install` again with the current one',
    ],
    [0x80070569, '2147943785 (0x80070569): Windows refused the logon: the account lacks the "Log on as a batch job" right on this server (logon type not granted)'],
    [0xc0000005, '3221225477 (0xC0000005): not a procapita-sync exit code; `certutil -error 0xC0000005` names the Windows error'],
  ])('%d', (code, text) => {
    expect(describeLastResult(code)).toBe(text);
  });

  it('names every procapita-sync exit code with its meaning', () => {
    for (const name of Object.keys(ExitCode) as ExitCodeName[]) {
      const text = describeLastResult(ExitCode[name]);
      expect(text).toContain(EXIT_CODE_MEANINGS[name]);
      expect(text.startsWith(`${ExitCode[name]} (0x${ExitCode[name].toString(16).toUpperCase()})`)).toBe(true);
    }
  });
});

describe('linuxSchedule', () => {
  it('a systemd service and timer, and a cron line, for the same run', () => {
    const s = linuxSchedule({ exePath: '/opt/procapita-sync/procapita-sync', configPath: '/etc/procapita-sync/config.json', time: '18:30' });
    expect(s.service).toBe(
      [
        '[Unit]',
        'Description=procapita-sync: read ProCapita and deliver the school roster',
        'Wants=network-online.target',
        'After=network-online.target',
        '',
        '[Service]',
        'Type=oneshot',
        'WorkingDirectory=/opt/procapita-sync',
        'ExecStart=/opt/procapita-sync/procapita-sync run --config /etc/procapita-sync/config.json',
        'TimeoutStartSec=2h',
        '# Secrets: the environment variables the configuration names, from a file only this user can read, e.g.',
        '# EnvironmentFile=%h/.config/procapita-sync/secrets.env',
        '',
      ].join('\n'),
    );
    expect(s.timer).toBe(
      [
        '[Unit]',
        'Description=procapita-sync every day at 18:30',
        '',
        '[Timer]',
        'OnCalendar=*-*-* 18:30:00',
        'Persistent=true',
        'Unit=procapita-sync.service',
        '',
        '[Install]',
        'WantedBy=timers.target',
        '',
      ].join('\n'),
    );
    expect(s.cron).toBe('30 18 * * * cd /opt/procapita-sync && /opt/procapita-sync/procapita-sync run --config /etc/procapita-sync/config.json');
  });

  it('for a named configuration: units procapita-sync-<name>, the timer starting that service; the cron line is the same', () => {
    const spec = { exePath: '/opt/procapita-sync/procapita-sync', configPath: '/etc/procapita-sync-north/config.json', time: '18:30' };
    const plain = linuxSchedule(spec);
    const s = linuxSchedule({ ...spec, name: 'north' });
    expect(plain.unit).toBe('procapita-sync');
    expect(s.unit).toBe('procapita-sync-north');
    expect(s.service).toBe(
      plain.service
        .replace('Description=procapita-sync: read', 'Description=procapita-sync-north: read')
        .replace('%h/.config/procapita-sync/secrets.env', '%h/.config/procapita-sync-north/secrets.env'),
    );
    expect(s.service).not.toBe(plain.service);
    expect(s.timer).toBe(
      ['[Unit]', 'Description=procapita-sync-north every day at 18:30', '', '[Timer]', 'OnCalendar=*-*-* 18:30:00', 'Persistent=true', 'Unit=procapita-sync-north.service', '', '[Install]', 'WantedBy=timers.target', ''].join('\n'),
    );
    expect(s.cron).toBe('30 18 * * * cd /opt/procapita-sync && /opt/procapita-sync/procapita-sync run --config /etc/procapita-sync-north/config.json');
  });

  it('quotes spaces and escapes % and $ for systemd, and % for cron', () => {
    const s = linuxSchedule({ exePath: '/usr/bin/node', exeArgs: ['--import', 'tsx', "/home/it/pro capita/src/cli/main.ts"], workingDirectory: "/home/it/pro capita", configPath: "/etc/it's 100%/$cfg.json", time: '6:05' });
    expect(s.service).toContain('WorkingDirectory=/home/it/pro capita\n');
    expect(s.service).toContain('ExecStart=/usr/bin/node --import tsx "/home/it/pro capita/src/cli/main.ts" run --config "/etc/it\'s 100%%/$$cfg.json"\n');
    expect(s.timer).toContain('OnCalendar=*-*-* 06:05:00\n');
    expect(s.cron).toBe("5 6 * * * cd '/home/it/pro capita' && /usr/bin/node --import tsx '/home/it/pro capita/src/cli/main.ts' run --config '/etc/it'\\''s 100\\%/$cfg.json'");
  });
});
