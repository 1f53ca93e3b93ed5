/**
 * The nightly run as a Windows scheduled task: the task XML, the command
 * lines that register, remove and query it, and what its last result means.
 * Everything here is pure; src/schedule/windows.ts runs the commands.
 * docs/scheduling.md explains the choices to the admin.
 */
import { EXIT_CODE_MEANINGS, ExitCode, type ExitCodeName, AppError } from '../errors';
import { DEFAULT_START_DATE, folderOf, normalizeTime, TASK_PATH, taskName, type TaskSpec } from './spec';
import { given, ours, safe, type SafeText } from '../safe-text';

export * from './spec';
export { linuxSchedule, type LinuxSchedule } from './linux';

/** A program and its arguments, run without a shell. Secrets only ever go in stdin, never in args or a file. */
export interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly stdin?: string;
}

export interface TaskStatus {
  readonly registered: boolean;
  /** ISO 8601 with the server's offset; absent when the task has never run. */
  readonly lastRunTime?: string;
  /** The last run's exit code, or Task Scheduler's own code (0x41303: has not run yet); unsigned. */
  readonly lastResult?: number;
  readonly nextRunTime?: string;
  /** The account the task runs as (Principal UserId). */
  readonly account?: string;
  /** Ready, Running, Disabled, Queued. */
  readonly state?: string;
  /** Password when registered by procapita-sync; S4U or Interactive cannot read Credential Manager. */
  readonly logonType?: string;
  /** The program and arguments the task starts. */
  readonly command?: string;
  readonly arguments?: string;
  readonly missedRuns?: number;
}

// ---- Checks and quoting ----------------------------------------------------

// XML 1.0 cannot carry these at all, escaped or not.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]|[\r\n\t]/;

function checkText(what: SafeText, value: string): string {
  if (value.trim() === '') throw new AppError('usage', safe`The task needs ${what}; it was empty.`);
  if (CONTROL.test(value)) throw new AppError('usage', safe`${what} holds a control character (a line break or tab?). Give it on one line.`);
  return value;
}

/** Text for an XML element: & < > escaped (" and ' need no escaping outside attributes). */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One argument as the Microsoft C runtime (and Node) splits a command line:
 * quoted when it holds a space, tab or quote, or is empty; inside quotes a
 * quote is \" and backslashes before a quote or the closing quote are doubled.
 * `always` quotes it anyway (paths read better that way).
 */
export function windowsArg(arg: string, always = false): string {
  if (!always && arg !== '' && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    out += ch === '"' ? '\\'.repeat(slashes * 2 + 1) + '"' : '\\'.repeat(slashes) + ch;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}

/** The arguments after the program: the spec's own, then `run --config "<configPath>"`. */
export function actionArguments(spec: Pick<TaskSpec, 'exeArgs' | 'configPath'>): string {
  return [...(spec.exeArgs ?? []).map((a) => windowsArg(a)), 'run', '--config', windowsArg(spec.configPath, true)].join(' ');
}

// ---- The task XML -----------------------------------------------------------

/**
 * The task definition, Task Scheduler schema 1.2 (Windows Server 2008 R2 and
 * later). The declaration says UTF-16: that is how Task Scheduler stores and
 * exports tasks, and what `schtasks /Create /XML` wants in a file (see
 * taskXmlFile). Register-ScheduledTask -Xml takes it as a string, where the
 * declared encoding does not matter.
 */
export function taskXml(spec: TaskSpec): string {
  const time = normalizeTime(spec.time);
  const startDate = spec.startDate ?? DEFAULT_START_DATE;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate)) throw new AppError('usage', safe`The task's start date ${given(startDate)} is not YYYY-MM-DD.`);
  const account = checkText(safe`the Windows account to run as`, spec.account);
  const exePath = checkText(safe`the program to run`, spec.exePath);
  const configPath = checkText(safe`the configuration file`, spec.configPath);
  for (const a of spec.exeArgs ?? []) checkText(safe`an argument for the program`, a);
  const workingDirectory = checkText(safe`the working directory`, spec.workingDirectory ?? folderOf(exePath));
  // A path with spaces is quoted, as the Task Scheduler UI does. The working directory never is:
  // Task Scheduler then fails with 0x8007010B (the directory name is invalid).
  const command = /\s/.test(exePath) ? `"${exePath}"` : exePath;
  const lines = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlText(`Runs procapita-sync every day at ${time}: reads ProCapita and delivers the school roster. Registered by procapita-sync schedule install; see procapita-sync help scheduling.`)}</Description>`,
    `    <URI>${xmlText(`${TASK_PATH}${taskName(spec.name)}`)}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <CalendarTrigger>',
    `      <StartBoundary>${startDate}T${time}:00</StartBoundary>`,
    '      <Enabled>true</Enabled>',
    '      <ScheduleByDay>',
    '        <DaysInterval>1</DaysInterval>',
    '      </ScheduleByDay>',
    '    </CalendarTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${xmlText(account)}</UserId>`,
    // The stored password lets the task read this account's Credential Manager; S4U cannot.
    '      <LogonType>Password</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <AllowHardTerminate>true</AllowHardTerminate>',
    '    <StartWhenAvailable>true</StartWhenAvailable>',
    '    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>',
    '    <IdleSettings>',
    '      <StopOnIdleEnd>false</StopOnIdleEnd>',
    '      <RestartOnIdle>false</RestartOnIdle>',
    '    </IdleSettings>',
    '    <AllowStartOnDemand>true</AllowStartOnDemand>',
    '    <Enabled>true</Enabled>',
    '    <Hidden>false</Hidden>',
    '    <RunOnlyIfIdle>false</RunOnlyIfIdle>',
    '    <WakeToRun>false</WakeToRun>',
    '    <ExecutionTimeLimit>PT2H</ExecutionTimeLimit>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(command)}</Command>`,
    `      <Arguments>${xmlText(actionArguments({ ...spec, configPath }))}</Arguments>`,
    `      <WorkingDirectory>${xmlText(workingDirectory)}</WorkingDirectory>`,
    '    </Exec>',
    '  </Actions>',
    '</Task>',
  ];
  return `${lines.join('\n')}\n`;
}

/** The XML as a file for `schtasks /Create /XML` or the Task Scheduler UI's Import: UTF-16 little-endian with a byte order mark. */
export function taskXmlFile(xml: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(xml, 'utf16le')]);
}

// ---- The commands -------------------------------------------------------------

/**
 * JSON for a PowerShell script's stdin, ASCII only: every other character as
 * \uXXXX, so the console code page (850 on a Swedish server) cannot garble
 * å, ä or ö in a path, an account or a password.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * powershell.exe (Windows PowerShell 5.1, on every supported Windows Server)
 * with a fixed script: no user data in the script, and no double quotes in it,
 * which Windows would re-parse. Statements on one line, separated by `;`.
 */
function powershell(statements: readonly string[], stdin?: string): Command {
  return {
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', statements.join('; ')],
    ...(stdin !== undefined ? { stdin } : {}),
  };
}

/** The task's parameters in every script. The name is safe inside single quotes: CONFIG_NAME allows only a-z, 0-9 and hyphens. */
const NAME = (name: string | undefined) => `-TaskName '${taskName(name)}' -TaskPath '${TASK_PATH}'`;
/** Failures leave on stderr as one line with the HRESULT (0x8007052E…), which is the same in every Windows language. */
const CATCH = "catch { [Console]::Error.WriteLine(($_.Exception.Message -replace '\\s+', ' ') + ' [' + $_.FullyQualifiedErrorId + ']'); exit 1 }";
/** What the scripts print on stdout, one word, so the shell can tell the outcomes apart. */
export const SCRIPT_OUTPUT = { registered: 'registered', removed: 'removed', notRegistered: 'not-registered' } as const;

/**
 * Registers (or replaces) the task to run as `spec.account` with its password.
 *
 * Not `schtasks /Create /XML file /RU account /RP password`, as the issue
 * first put it: the password would then be on a command line, which any
 * process on the server can read while schtasks runs (and which process
 * auditing logs). Register-ScheduledTask takes it from stdin here instead, with
 * the XML and the account, as one JSON object. The script itself is fixed.
 */
export function registerTaskCommand(spec: TaskSpec, password: string): Command {
  if (password === '') throw new AppError('usage', safe`The task needs the Windows password of ${given(spec.account)}; it was empty.`);
  const xml = taskXml(spec);
  return powershell(
    [
      "$ErrorActionPreference = 'Stop'",
      'try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json',
      `$null = Register-ScheduledTask ${NAME(spec.name)} -Xml $in.xml -User $in.account -Password $in.password -Force`,
      `'${SCRIPT_OUTPUT.registered}' } ${CATCH}`,
    ],
    asciiJson({ account: spec.account, password, xml }),
  );
}

/** Removes the configuration's task (`name`: its name); prints `removed`, or `not-registered` when there was none (not an error). */
export function removeTaskCommand(name?: string): Command {
  return powershell([
    "$ErrorActionPreference = 'Stop'",
    `try { $t = Get-ScheduledTask ${NAME(name)} -ErrorAction SilentlyContinue`,
    `if ($null -eq $t) { '${SCRIPT_OUTPUT.notRegistered}' } else { Unregister-ScheduledTask ${NAME(name)} -Confirm:$false; '${SCRIPT_OUTPUT.removed}' } } ${CATCH}`,
  ]);
}

/**
 * The task's state and last result as one line of JSON (ASCII only; times as
 * ISO 8601 with the server's offset), or {"registered":false}. parseTaskStatus reads it.
 */
export function queryTaskCommand(name?: string): Command {
  const time = (x: string) => `$(if ($null -ne ${x}) { ${x}.ToString('o') } else { $null })`;
  return powershell([
    "$ErrorActionPreference = 'Stop'",
    `try { $t = Get-ScheduledTask ${NAME(name)} -ErrorAction SilentlyContinue`,
    'if ($null -eq $t) { $o = [ordered]@{ registered = $false } } else { $i = $t | Get-ScheduledTaskInfo; $a = @($t.Actions)[0]',
    `$o = [ordered]@{ registered = $true; state = [string]$t.State; userId = $t.Principal.UserId; logonType = [string]$t.Principal.LogonType; lastRunTime = ${time('$i.LastRunTime')}; lastTaskResult = $i.LastTaskResult; nextRunTime = ${time('$i.NextRunTime')}; numberOfMissedRuns = $i.NumberOfMissedRuns; execute = $a.Execute; arguments = $a.Arguments } }`,
    '$j = $o | ConvertTo-Json -Compress',
    // ASCII only, whatever the console code page: every other character as \uXXXX.
    `[regex]::Replace($j, '[^\\x00-\\x7e]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value }) } ${CATCH}`,
  ]);
}

// ---- Reading the status ---------------------------------------------------------

/** Task Scheduler's "never" for LastRunTime: 30 November 1999. */
const NEVER = /^1999-11-30/;

function timeValue(x: unknown): string | undefined {
  if (typeof x !== 'string' || x === '') return undefined;
  // Windows PowerShell's ConvertTo-Json writes a bare DateTime as \/Date(ms)\/.
  const ms = /^\/Date\((-?\d+)\)\/$/.exec(x);
  const iso = ms ? new Date(Number(ms[1])).toISOString() : x;
  return NEVER.test(iso) ? undefined : iso;
}

/**
 * Reads queryTaskCommand's output. Also takes what a bare
 * `Get-ScheduledTaskInfo | ConvertTo-Json` prints, and PowerShell's
 * "No MSFT_ScheduledTask objects found" for a task that is not there.
 */
export function parseTaskStatus(stdout: string): TaskStatus {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  if (text === SCRIPT_OUTPUT.notRegistered || /No MSFT_ScheduledTask objects found/i.test(text)) return { registered: false };
  let data: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    data = parsed as Record<string, unknown>;
  } catch {
    throw new AppError('internal', safe`Could not read the task's status from PowerShell's answer: ${ours(JSON.stringify(text.slice(0, 200)))}.`);
  }
  if (data.registered === false) return { registered: false };
  const string = (x: unknown) => (typeof x === 'string' && x !== '' ? x : undefined);
  const result = typeof data.lastTaskResult === 'number' ? data.lastTaskResult >>> 0 : typeof data.LastTaskResult === 'number' ? data.LastTaskResult >>> 0 : undefined;
  const fields: Record<string, unknown> = {
    lastRunTime: timeValue(data.lastRunTime ?? data.LastRunTime),
    lastResult: result,
    nextRunTime: timeValue(data.nextRunTime ?? data.NextRunTime),
    account: string(data.userId),
    state: string(data.state),
    logonType: string(data.logonType),
    command: string(data.execute),
    arguments: string(data.arguments),
    missedRuns: typeof data.numberOfMissedRuns === 'number' ? data.numberOfMissedRuns : typeof data.NumberOfMissedRuns === 'number' ? data.NumberOfMissedRuns : undefined,
  };
  return { registered: true, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) };
}

// ---- What a last result means ------------------------------------------------------

/** Task Scheduler's and Windows' own codes that show up as a task's last result. */
export const TASK_RESULT_MEANINGS: ReadonlyMap<number, string> = new Map([
  [0x41300, 'Task Scheduler: the task is ready to run at its next scheduled time'],
  [0x41301, 'Task Scheduler: the task is running now'],
  [0x41302, 'Task Scheduler: the task is disabled'],
  [0x41303, 'Task Scheduler: the task has not run yet'],
  [0x41304, 'Task Scheduler: there are no more runs scheduled'],
  [0x41306, 'Task Scheduler: the run was terminated, by a person or because it went past the 2-hour limit (ExecutionTimeLimit); see the run log'],
  [0x8004131f, 'Task Scheduler: an instance was already running, so this start was skipped (MultipleInstancesPolicy IgnoreNew)'],
  [0x800710e0, 'Windows refused to start the task (the operator or administrator has refused the request): the account may lack the "Log on as a batch job" right, or a policy blocked it'],
  [0x80070569, 'Windows refused the logon: the account lacks the "Log on as a batch job" right on this server (logon type not granted)'],
  [0x8007052e, 'Windows refused the logon: wrong user name or password. The stored password is out of date; run `procapita-sync schedule install` again with the current one'],
  [0x80070532, "Windows refused the logon: the account's password has expired"],
  [0x80070533, 'Windows refused the logon: the account is disabled'],
  [0x80070775, 'Windows refused the logon: the account is locked out'],
  [0x800704dd, 'Windows: the account was not logged on (the task is set to run only when the user is logged on); register it again with `procapita-sync schedule install`'],
  [0x80070002, 'Windows could not find the program: the exe has moved or was removed; register the task again'],
  [0x80070005, 'Windows: access denied starting the program or its folder'],
  [0x8007010b, 'Windows: the working directory is invalid (missing, or in quotes)'],
  [0xc000013a, 'the program was stopped (Ctrl+C, End task, or the computer shutting down)'],
  [0xc0000142, 'the program could not start (a DLL failed to initialise); often out of desktop heap, try again or restart the server'],
]);

/** `12 (0xC)`: a result as Task Scheduler shows it, decimal and hex. */
export function resultNumber(code: number): string {
  const unsigned = code >>> 0;
  return `${unsigned} (0x${unsigned.toString(16).toUpperCase()})`;
}

/**
 * What a task's last result means: procapita-sync's own exit codes
 * (docs/exit-codes.md), Task Scheduler's codes, and the Windows errors a
 * scheduled run meets most. Signed or unsigned, as PowerShell or schtasks show it.
 */
export function describeLastResult(code: number): string {
  const unsigned = code >>> 0;
  const own = (Object.keys(ExitCode) as ExitCodeName[]).find((name) => ExitCode[name] === unsigned);
  // Ours by name (docs/exit-codes.md): `12 (0xC) heldByGuard: held by the deletion guard: …`.
  if (own) return `${resultNumber(unsigned)}${own === 'ok' ? '' : ` ${own}`}: ${EXIT_CODE_MEANINGS[own]}`;
  const meaning = TASK_RESULT_MEANINGS.get(unsigned) ?? `not a procapita-sync exit code; \`certutil -error 0x${unsigned.toString(16).toUpperCase()}\` names the Windows error`;
  return `${resultNumber(unsigned)}: ${meaning}`;
}
