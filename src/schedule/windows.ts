/**
 * Runs the scheduled-task commands (src/schedule/task.ts) through Io.exec
 * and turns their failures into AppErrors that say what to do. Used by
 * `schedule install|remove|status`, the setup wizard and `doctor`.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Io } from '../cli/io';
import { AppError, errnoOf } from '../errors';
import {
  nextStartDate,
  normalizeTime,
  parseTaskStatus,
  queryTaskCommand,
  registerTaskCommand,
  removeTaskCommand,
  SCRIPT_OUTPUT,
  TASK_RESULT_MEANINGS,
  type Command,
  type TaskSpec,
  type TaskStatus,
} from './task';
import { given as admin, ours, safe, type SafeText } from '../safe-text';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const EXEC_TIMEOUT_MS = 120_000;

/**
 * Io.exec's default: the program without a shell and without a window, the
 * command's stdin written to it and closed. Rejects only when the program
 * could not be started or did not finish in time; a non-zero exit is a result.
 */
export function execCommand(command: Command): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = process.getBuiltinModule('node:child_process').execFile(command.file, [...command.args], { windowsHide: true, timeout: EXEC_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr });
      if (err.killed) return reject(new Error(`${command.file} did not finish within ${EXEC_TIMEOUT_MS / 1000} s`));
      reject(err);
    });
    // A child that exits without reading its stdin must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(command.stdin ?? '');
  });
}

export const platformOf = (io: Pick<Io, 'platform'>): NodeJS.Platform => io.platform ?? process.platform;
export const onWindows = (io: Pick<Io, 'platform'>): boolean => platformOf(io) === 'win32';

// ---- The program the task starts ----------------------------------------------

export interface Runtime {
  /** A packed exe (a Node single executable application, or pkg). */
  readonly packaged: boolean;
  /** process.execPath: the exe, or node.exe. */
  readonly execPath: string;
  /** The project folder (with package.json and node_modules), when running from source. */
  readonly projectRoot: string;
}

/** Whether this process is the packed exe. */
export function isPackaged(): boolean {
  if ((process as { pkg?: unknown }).pkg !== undefined) return true;
  try {
    const sea = process.getBuiltinModule?.('node:sea') as { isSea?: () => boolean } | undefined;
    return sea?.isSea?.() === true;
  } catch {
    return false;
  }
}

export function currentRuntime(): Runtime {
  const packaged = isPackaged();
  return { packaged, execPath: process.execPath, projectRoot: packaged ? '' : fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '') };
}

/**
 * What the task starts. The packed exe: itself, in its own folder. From
 * source: node with tsx, in the project folder, where `--import tsx` is
 * found (exactly what `npm start` and the tests run).
 */
export function programFor(runtime: Runtime): Pick<TaskSpec, 'exePath' | 'exeArgs' | 'workingDirectory'> {
  if (runtime.packaged) return { exePath: runtime.execPath };
  const sep = runtime.projectRoot.includes('\\') ? '\\' : '/';
  return { exePath: runtime.execPath, exeArgs: ['--import', 'tsx', [runtime.projectRoot, 'src', 'cli', 'main.ts'].join(sep)], workingDirectory: runtime.projectRoot };
}

/**
 * The spec for this installation (for `schedule install` and the wizard): this
 * exe, or node and tsx from source; the configuration path made absolute, as
 * the task starts elsewhere; the time checked.
 */
export function installSpec(configPath: string, time: string, account: string, runtime: Runtime = currentRuntime(), name?: string): TaskSpec {
  return { ...(name ? { name } : {}), ...programFor(runtime), configPath: resolve(configPath), time: normalizeTime(time), account };
}

// ---- The account ---------------------------------------------------------------

/** DOMAIN\user of this process on Windows (a local account's domain is the computer name), or undefined. */
export function currentAccount(env: NodeJS.ProcessEnv): string | undefined {
  return env.USERDOMAIN && env.USERNAME ? `${env.USERDOMAIN}\\${env.USERNAME}` : undefined;
}

/** How to start the wizard as another account; runas asks for that account's password itself. */
export const runasHint = (account: string): string => `runas /user:${account} "procapita-sync.exe setup"`;

/**
 * The account the task runs as: the current one. Credential Manager is per
 * user, so a task running as anyone else could not read the secrets this
 * account stored; naming another account is refused with how to do it instead.
 */
export function accountToUse(requested: string | undefined, env: NodeJS.ProcessEnv): string {
  const current = currentAccount(env);
  if (!current) {
    throw new AppError('usage', safe`Cannot tell which Windows account this is: USERDOMAIN and USERNAME are not set. Run procapita-sync from a normal Windows session as the account the task is to run as.`);
  }
  const given = requested?.trim();
  if (given === undefined || given === '') return current;
  const same = (a: string) => a.toLowerCase() === given.toLowerCase();
  if (same(current) || same(env.USERNAME!) || same(`.\\${env.USERNAME}`)) return current;
  throw new AppError(
    'usage',
    safe`The task must run as the account that stored the secrets, and that is the account running this: ${admin(current)}. Credential Manager keeps secrets per user, so a task running as ${admin(given)} could not read them. To use ${admin(given)}, run the setup as that account: ${admin(runasHint(given))}`,
  );
}

// ---- Running the commands -------------------------------------------------------

function requireWindows(io: Io, what: SafeText): void {
  if (!onWindows(io)) throw new AppError('usage', safe`${what} needs Windows Task Scheduler; this is ${ours(platformOf(io))}. See \`procapita-sync help scheduling\` for a systemd timer or cron line.`);
}

async function run(command: Command, io: Io, what: SafeText): Promise<ExecResult> {
  const exec = io.exec ?? execCommand;
  try {
    return await exec(command);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new AppError('internal', safe`${what}: ${ours(command.file)} was not found. procapita-sync needs Windows PowerShell 5.1, which every supported Windows Server has; check that it is on PATH.`);
    throw new AppError('internal', safe`${what}: ${ours(command.file)} could not be run (${errnoOf(e)}).`);
  }
}

/** The HRESULT in PowerShell's error line (FullyQualifiedErrorId "HRESULT 0x8007052e,…"), unsigned. */
export function hresultOf(text: string): number | undefined {
  const m = /0x([0-9a-f]{8})\b/i.exec(text);
  return m ? Number.parseInt(m[1]!, 16) : undefined;
}

/** A failed command as an AppError: the cause by its HRESULT (the same in every Windows language), never the password. */
export function taskFailure(what: SafeText, result: ExecResult, account?: string, password?: string): AppError {
  let detail = (result.stderr.trim() || result.stdout.trim()).replace(/\s+/g, ' ').slice(0, 400);
  if (password) detail = detail.split(password).join('***');
  const hr = hresultOf(detail);
  const who = account ? admin(account) : safe`the account`;
  const code = hr === undefined ? safe`` : ours(`0x${hr.toString(16).toUpperCase()}`);
  switch (hr) {
    case 0x8007052e:
      return new AppError('accessDenied', safe`${what}: Windows refused the password for ${who} (${code}: wrong user name or password). Nothing was changed; try again with the account's current Windows password.`);
    case 0x80070005:
      return new AppError(
        'accessDenied',
        safe`${what}: access denied (${code}). Run procapita-sync as ${who} itself, or from an elevated prompt (Run as administrator); a policy may also forbid creating tasks.`,
      );
    case 0x80070569:
    case 0x800710e0:
    case 0x80070532:
    case 0x80070533:
    case 0x80070775:
      return new AppError('accessDenied', safe`${what}: ${ours(TASK_RESULT_MEANINGS.get(hr) ?? '')} (${code}, for ${who}). See \`procapita-sync help scheduling\`.`);
    default:
      if (/access is denied/i.test(detail)) return taskFailure(what, { ...result, stderr: `${detail} 0x80070005` }, account);
      return new AppError('internal', safe`${what} failed (PowerShell exit code ${result.code ?? 'none'}): ${detail ? ours(detail) : 'no message'}`);
  }
}

/**
 * Registers the task, or replaces it, to run as `spec.account` with its
 * Windows password; the first run is the next HH:MM from now. The password
 * goes to PowerShell on stdin only.
 */
export async function registerTask(spec: TaskSpec, password: string, io: Io): Promise<void> {
  requireWindows(io, safe`Registering the scheduled task`);
  const command = registerTaskCommand({ ...spec, startDate: spec.startDate ?? nextStartDate(spec.time, io.now()) }, password);
  const what = safe`Registering the scheduled task as ${admin(spec.account)}`;
  const result = await run(command, io, what);
  if (result.code !== 0 || result.stdout.trim() !== SCRIPT_OUTPUT.registered) throw taskFailure(what, result, spec.account, password);
}

/** Removes the configuration's task (`name`: the configuration's name): true when it was there, false when there was none. */
export async function removeTask(io: Io, name?: string): Promise<boolean> {
  const what = safe`Removing the scheduled task`;
  requireWindows(io, what);
  const result = await run(removeTaskCommand(name), io, what);
  const said = result.stdout.trim();
  if (result.code !== 0 || (said !== SCRIPT_OUTPUT.removed && said !== SCRIPT_OUTPUT.notRegistered)) throw taskFailure(what, result);
  return said === SCRIPT_OUTPUT.removed;
}

/** The account the configuration's registered task runs as; undefined off Windows, without a task, or when Task Scheduler cannot say. */
export async function registeredTaskAccount(io: Io, name?: string): Promise<string | undefined> {
  if (!onWindows(io)) return undefined;
  try {
    const status = await taskStatus(io, name);
    return status.registered ? status.account : undefined;
  } catch {
    return undefined;
  }
}

/** The configuration's task's state and last result (`name`: the configuration's name). Windows only: check onWindows(io) first. */
export async function taskStatus(io: Io, name?: string): Promise<TaskStatus> {
  const what = safe`Reading the scheduled task`;
  requireWindows(io, what);
  const result = await run(queryTaskCommand(name), io, what);
  if (result.code !== 0) throw taskFailure(what, result);
  return parseTaskStatus(result.stdout);
}
