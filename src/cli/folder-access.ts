/**
 * Who may read the folders that hold personal data: the state folder
 * (baseline, held snapshot, review file), the log folder, a directory
 * target's folder and the mapping table's folder.
 *
 * Windows: the setup wizard restricts each folder to the task's account
 * (modify), Administrators and SYSTEM (full), with inheritance from
 * %ProgramData% cut, which otherwise lets every local user read. The SIDs
 * are given as SIDs, so the command works on a Swedish Windows, where the
 * groups are called Administratörer and Användare.
 *
 * doctor reads the folders' ACLs back with PowerShell rather than parsing
 * `icacls <dir>`: icacls prints every principal by its localised name
 * (BUILTIN\Users, BUILTIN\Användare) and its text in the console code page,
 * and has no switch to print SIDs. Get-Acl's GetAccessRules(…, SecurityIdentifier)
 * gives the SIDs themselves, which are the same in every language.
 *
 * Linux: the modes (0700 folders, 0600 files, src/atomic-file.ts); doctor
 * stats them. Everything here that builds or reads a command is pure;
 * Io.exec runs the commands.
 */
import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Config } from '../configure/config';
import { AppError } from '../errors';
import { given, joined, ours, safe, type SafeText } from '../safe-text';
import { asciiJson, type Command } from '../schedule/task';
import { currentAccount, execCommand, onWindows } from '../schedule/windows';
import type { CheckResult } from './checks';
import type { Io } from './io';

/** Well-known SIDs: the same on every Windows, whatever its language. */
export const SID = {
  administrators: 'S-1-5-32-544',
  system: 'S-1-5-18',
  creatorOwner: 'S-1-3-0',
  users: 'S-1-5-32-545',
  authenticatedUsers: 'S-1-5-11',
  everyone: 'S-1-1-0',
  interactive: 'S-1-5-4',
} as const;

/** Our own words for the well-known SIDs doctor may name. */
const SID_NAMES: Readonly<Record<string, string>> = {
  [SID.users]: 'Users',
  [SID.authenticatedUsers]: 'Authenticated Users',
  [SID.everyone]: 'Everyone',
  [SID.interactive]: 'INTERACTIVE',
};

export interface PrivateFolder {
  /** "State folder", as doctor's label says it. */
  readonly what: string;
  readonly dir: string;
  /** The files in it to check on Linux: all of them, or only these (the mapping table, in a folder that may hold the admin's other files). */
  readonly files: 'all' | readonly string[];
}

/** The folders that hold personal data for this configuration, each once. */
export function privateFolders(config: Pick<Config, 'stateDir' | 'logDir' | 'target' | 'email'>): PrivateFolder[] {
  const all: PrivateFolder[] = [
    { what: 'Log folder', dir: config.logDir, files: 'all' },
    { what: 'State folder', dir: config.stateDir, files: 'all' },
  ];
  if (config.target?.type === 'directory') all.push({ what: 'Snapshot folder', dir: config.target.path, files: 'all' });
  const mapping = config.email.mappingFile;
  if (mapping) all.push({ what: 'Mapping table folder', dir: dirname(mapping), files: [mapping] });
  return all.filter((f, i) => all.findIndex((g) => g.dir === f.dir) === i);
}

// ---- Windows: restricting a folder -------------------------------------------------

/** The icacls arguments after the folder: inheritance cut, and the only grants. */
export function icaclsGrants(account: string): string[] {
  return ['/inheritance:r', '/grant:r', `*${SID.administrators}:(OI)(CI)F`, `*${SID.system}:(OI)(CI)F`, `${account}:(OI)(CI)M`];
}

/** The same as one line for the admin to type, e.g. in doctor's advice. */
export function icaclsLine(dir: string, account: string, remove: readonly string[] = []): string {
  const removal = remove.length > 0 ? ` /remove:g ${remove.map((s) => `*${s}`).join(' ')}` : '';
  return `icacls "${dir}" ${icaclsGrants(account).join(' ')}${removal}`;
}

/** Failures leave on stderr as one line. In the same statement as its try: a catch after `;` is a syntax error. */
const CATCH = "catch { [Console]::Error.WriteLine(($_.Exception.Message -replace '\\s+', ' ')); exit 1 }";

/** What the restricting script prints when it is done. */
export const RESTRICTED = 'restricted';

/**
 * Makes the folder when it is missing and restricts it:
 *   icacls <dir> /inheritance:r /grant:r *S-1-5-32-544:(OI)(CI)F *S-1-5-18:(OI)(CI)F <account>:(OI)(CI)M
 * PowerShell runs it so that the folder is made first, and the folder and
 * the account come on stdin as ASCII JSON (a path with å or ö survives any
 * console code page); the script is fixed and has no double quotes. Files
 * already in the folder inherit the new grants; their own explicit grants,
 * if an admin added any, stay (doctor names them).
 */
export function restrictFolderCommand(dir: string, account: string): Command {
  const [inheritance, grant, admins, system] = icaclsGrants(account);
  const statements = [
    "$ErrorActionPreference = 'Stop'",
    `try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json; $null = [IO.Directory]::CreateDirectory($in.folder) } ${CATCH}`,
    "$ErrorActionPreference = 'Continue'",
    `$out = & icacls.exe $in.folder ${inheritance} ${grant} '${admins}' '${system}' ($in.account + ':(OI)(CI)M') 2>&1`,
    "if ($LASTEXITCODE -ne 0) { [Console]::Error.WriteLine((($out | Out-String) -replace '\\s+', ' ')); exit $LASTEXITCODE }",
    `'${RESTRICTED}'`,
  ];
  return {
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', statements.join('; ')],
    stdin: asciiJson({ folder: dir, account }),
  };
}

/** Restricts one folder; resolves with why it failed, or undefined when it worked. Never throws. */
export async function restrictFolder(dir: string, account: string, io: Pick<Io, 'exec'>): Promise<SafeText | undefined> {
  try {
    const result = await (io.exec ?? execCommand)(restrictFolderCommand(dir, account));
    if (result.code === 0 && result.stdout.trim().split(/\r?\n/).pop() === RESTRICTED) return undefined;
    // icacls' own text is the folder and Windows' words, in the console's language: no data value.
    const said = given((result.stderr.trim() || result.stdout.trim()).replace(/\s+/g, ' ').slice(0, 300));
    return safe`icacls ended with exit code ${result.code}${said ? safe`: ${said}` : ''}`;
  } catch (err) {
    return safe`PowerShell could not be run (${ours((err as NodeJS.ErrnoException).code ?? 'error')})`;
  }
}

// ---- Windows: reading the access back ---------------------------------------------

/**
 * Prints one line of JSON: the SID of the account running it, and for each
 * folder whether it exists, whether its ACL is protected (inheritance off),
 * and its allow and deny entries by SID. The folders come on stdin.
 */
export function folderAccessCommand(dirs: readonly string[]): Command {
  const statements = [
    "$ErrorActionPreference = 'Stop'",
    'try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json',
    '$me = [Security.Principal.WindowsIdentity]::GetCurrent().User.Value',
    '$r = @(foreach ($d in @($in.folders)) { $o = [ordered]@{ folder = $d; exists = [IO.Directory]::Exists($d); protected = $null; rules = @() }',
    'if ($o.exists) { $a = Get-Acl -LiteralPath $d; $o.protected = $a.AreAccessRulesProtected',
    "$o.rules = @($a.GetAccessRules($true, $true, [Security.Principal.SecurityIdentifier]) | ForEach-Object { [ordered]@{ sid = $_.IdentityReference.Value; allow = ($_.AccessControlType -eq 'Allow'); inherited = $_.IsInherited } }) }",
    '$o })',
    '$j = [ordered]@{ me = $me; folders = $r } | ConvertTo-Json -Compress -Depth 5',
    `[regex]::Replace($j, '[^\\x00-\\x7e]', { param($m) '\\u{0:x4}' -f [int][char]$m.Value }) } ${CATCH}`,
  ];
  return {
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', statements.join('; ')],
    stdin: asciiJson({ folders: dirs }),
  };
}

export interface FolderAccess {
  readonly folder: string;
  readonly exists: boolean;
  /** Inheritance from the parent is off. */
  readonly protected: boolean;
  /** SIDs with an allow entry other than the account running doctor, Administrators, SYSTEM and CREATOR OWNER. */
  readonly others: readonly string[];
}

/** ConvertTo-Json writes a one-element array as the element itself, and an empty one as null. */
const list = (x: unknown): unknown[] => {
  // Windows PowerShell 5.1 may also write a wrapped array as {"value": [...], "Count": n}.
  const wrapped = x !== null && typeof x === 'object' && !Array.isArray(x) && Array.isArray((x as { value?: unknown }).value);
  const y = wrapped ? (x as { value: unknown[] }).value : x;
  return Array.isArray(y) ? y : y === null || y === undefined ? [] : [y];
};

/** Reads folderAccessCommand's output. Throws when it cannot be read. */
export function parseFolderAccess(stdout: string): FolderAccess[] {
  let data: { me?: unknown; folders?: unknown };
  try {
    data = JSON.parse(stdout.replace(/^\uFEFF/, '').trim()) as typeof data;
  } catch {
    throw new AppError('internal', safe`PowerShell's answer about the folders' access could not be read.`);
  }
  const me = typeof data.me === 'string' ? data.me : undefined;
  const allowed = new Set<string>([SID.administrators, SID.system, SID.creatorOwner, ...(me ? [me] : [])]);
  return list(data.folders).map((f) => {
    const x = f as { folder?: unknown; exists?: unknown; protected?: unknown; rules?: unknown };
    const rules = list(x.rules) as { sid?: unknown; allow?: unknown }[];
    const others = rules.filter((r) => r.allow === true && typeof r.sid === 'string' && !allowed.has(r.sid)).map((r) => r.sid as string);
    return { folder: String(x.folder), exists: x.exists === true, protected: x.protected === true, others: [...new Set(others)] };
  });
}

/** "Users (S-1-5-32-545)", or the SID alone for an account of the site's own. */
export const sidText = (sid: string): SafeText => (SID_NAMES[sid] ? safe`${ours(SID_NAMES[sid])} (${ours(sid)})` : ours(sid));

// ---- Linux: the modes --------------------------------------------------------------

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/**
 * What is not private in a folder: the folder itself not 0700 (group or
 * others have a bit), a file in it (or the listed files) readable by group
 * or others, or anything owned by another user. Empty when all is well, or
 * when the folder does not exist yet (the first run makes it 0700).
 * A symbolic link is judged as a link (lstat), never followed.
 */
export async function modeProblems(folder: PrivateFolder, uid: number): Promise<SafeText[]> {
  const problems: SafeText[] = [];
  const stat = await lstat(folder.dir).catch(() => undefined);
  // Missing, or a file in the way: the folder check says so.
  if (!stat?.isDirectory()) return problems;
  const look = (path: string, s: { mode: number; uid: number }, want: string, mask: number) => {
    if ((s.mode & mask) !== 0) problems.push(safe`${given(path)} is ${ours(octal(s.mode))}, not ${ours(want)} (chmod ${ours(want.slice(1))} ${given(path)})`);
    if (s.uid !== uid) problems.push(safe`${given(path)} belongs to user ${s.uid}, not to the account running this (${uid})`);
  };
  look(folder.dir, stat, '0700', 0o077);
  const names = folder.files === 'all' ? await readdir(folder.dir).then((n) => n.map((x) => join(folder.dir, x)), () => []) : folder.files;
  for (const file of names) {
    const s = await lstat(file).catch(() => undefined);
    if (s?.isFile()) look(file, s, '0600', 0o077);
  }
  return problems;
}

// ---- doctor's check ------------------------------------------------------------------

/** "log, state and snapshot folders": the folders' kinds in one phrase. */
function kinds(folders: readonly PrivateFolder[]): SafeText {
  const words = folders.map((f) => f.what.replace(/ folder$/, '').toLowerCase());
  const last = words.pop()!;
  return ours(`${words.length > 0 ? `${words.join(', ')} and ${last}` : last} folder${words.length > 0 ? 's' : ''}`);
}

/**
 * Only the account running procapita-sync can read the folders with
 * personal data. Linux: folders 0700 and files 0600, owned by this user.
 * Windows: inheritance off and no allow entry for anyone but this account,
 * Administrators and SYSTEM. doctor runs it after the folder checks, which
 * make missing folders. Never throws.
 */
export async function checkFolderAccess(config: Pick<Config, 'stateDir' | 'logDir' | 'target' | 'email'>, io: Pick<Io, 'platform' | 'exec' | 'env'>): Promise<CheckResult> {
  const folders = privateFolders(config);
  const label = safe`Access to the ${kinds(folders)}`;
  if (!onWindows(io)) {
    const uid = process.getuid?.() ?? -1;
    const problems = (await Promise.all(folders.map((f) => modeProblems(f, uid)))).flat();
    if (problems.length === 0) return { ok: true, label: safe`Only this account can read the ${kinds(folders)} (folders 0700, files 0600)`, detail: safe`` };
    return {
      ok: false,
      label,
      detail: safe`${joined(problems, '; ')}. They hold personal data: make them private as shown, as the account that runs procapita-sync.`,
      code: 'config',
    };
  }
  let access: FolderAccess[];
  try {
    const result = await (io.exec ?? execCommand)(folderAccessCommand(folders.map((f) => f.dir)));
    if (result.code !== 0) {
      const said = given(result.stderr.trim().replace(/\s+/g, ' ').slice(0, 300));
      throw new AppError('internal', safe`PowerShell could not read the folders' access (exit code ${result.code}${said ? safe`: ${said}` : ''}).`);
    }
    access = parseFolderAccess(result.stdout);
  } catch (err) {
    return { ok: false, label, detail: err instanceof AppError ? err.message : safe`PowerShell could not be run.`, code: 'internal' };
  }
  const account = given(currentAccount(io.env ?? {}) ?? '<account>');
  const problems = access
    .filter((a) => !a.exists || !a.protected || a.others.length > 0)
    .map((a) => {
      const dir = given(a.folder);
      if (!a.exists) return safe`${dir} does not exist`;
      const open = a.others.length > 0 ? safe`${joined(a.others.map(sidText), ', ')} can open it` : undefined;
      const inherits = a.protected ? undefined : safe`it inherits its parent's permissions`;
      const fix = given(icaclsLine(a.folder, account, a.others));
      return safe`${dir}: ${joined([inherits, open].filter((x): x is SafeText => x !== undefined), ' and ')}; fix: ${fix}`;
    });
  if (problems.length === 0) return { ok: true, label: safe`Only this account, Administrators and SYSTEM can open the ${kinds(folders)}`, detail: safe`` };
  return {
    ok: false,
    label,
    detail: safe`${joined(problems, '; ')}. These folders hold personal data. Run procapita-sync setup again as ${account} (it restricts them), or the icacls line shown from an elevated prompt.`,
    code: 'config',
  };
}
