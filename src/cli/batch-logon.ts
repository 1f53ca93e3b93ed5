/**
 * Whether an account has the "Log on as a batch job" right
 * (SeBatchLogonRight), which a scheduled task with a stored password needs.
 * `whoami /priv` does not list logon rights, and reading them
 * (`secedit /export /areas USER_RIGHTS`) needs an elevated prompt, so the
 * answer is often "could not check": doctor says so and never fails on it.
 * The command is built and its output read by pure functions; Io.exec runs it.
 */
import { asciiJson, type Command } from '../schedule/task';

/**
 * A fixed PowerShell script (no user data in it, no double quotes): the
 * account comes on stdin as JSON. It prints one line of JSON: whether the
 * user rights could be exported, the SIDs and names holding the right, the
 * account's SID, and its groups' SIDs when it is the account running this.
 */
export function batchLogonCommand(account: string): Command {
  const statements = [
    "$ErrorActionPreference = 'Stop'",
    'try { $in = [Console]::In.ReadToEnd() | ConvertFrom-Json',
    '$o = [ordered]@{ exported = $false; granted = @(); sid = $null; groups = $null }',
    'try { $o.sid = ([Security.Principal.NTAccount]$in.account).Translate([Security.Principal.SecurityIdentifier]).Value } catch { }',
    '$me = [Security.Principal.WindowsIdentity]::GetCurrent()',
    'if ($null -ne $o.sid -and $me.User.Value -eq $o.sid) { $o.groups = @($me.Groups | ForEach-Object { $_.Value }) }',
    '$f = [IO.Path]::GetTempFileName()',
    'try { $null = & secedit.exe /export /areas USER_RIGHTS /cfg $f /quiet; $t = @(Get-Content -LiteralPath $f -ErrorAction SilentlyContinue)',
    "if (($t -join ' ') -match '\\[Privilege Rights\\]') { $o.exported = $true; $l = $t | Where-Object { $_ -match '^\\s*SeBatchLogonRight\\s*=' } | Select-Object -First 1",
    "if ($l) { $o.granted = @(($l -split '=', 2)[1].Split(',') | ForEach-Object { $_.Trim().TrimStart('*') } | Where-Object { $_ }) } } }",
    'finally { Remove-Item -LiteralPath $f -ErrorAction SilentlyContinue }',
    "$o | ConvertTo-Json -Compress } catch { [Console]::Error.WriteLine(($_.Exception.Message -replace '\\s+', ' ')); exit 1 }",
  ];
  return {
    file: 'powershell.exe',
    args: ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', statements.join('; ')],
    stdin: asciiJson({ account }),
  };
}

export type BatchLogonRight = { readonly state: 'granted' } | { readonly state: 'missing' } | { readonly state: 'unknown'; readonly why: string };

/** Reads batchLogonCommand's answer (its exit code and stdout) for `account`. */
export function parseBatchLogon(result: { code: number; stdout: string }, account: string): BatchLogonRight {
  if (result.code !== 0) return { state: 'unknown', why: 'PowerShell could not read the user rights' };
  let data: { exported?: unknown; granted?: unknown; sid?: unknown; groups?: unknown };
  try {
    data = JSON.parse(result.stdout.replace(/^\uFEFF/, '').trim()) as typeof data;
  } catch {
    return { state: 'unknown', why: 'PowerShell gave an answer that could not be read' };
  }
  if (data.exported !== true) return { state: 'unknown', why: 'reading the user rights needs an elevated prompt (Run as administrator)' };
  // ConvertTo-Json writes a one-element array as the element itself.
  const list = (x: unknown): string[] => (Array.isArray(x) ? x : x === null || x === undefined ? [] : [x]).filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());
  const granted = new Set(list(data.granted));
  const sid = typeof data.sid === 'string' ? data.sid.toLowerCase() : undefined;
  const name = account.toLowerCase();
  const bare = name.includes('\\') ? name.slice(name.lastIndexOf('\\') + 1) : name;
  if ((sid && granted.has(sid)) || granted.has(name) || granted.has(bare)) return { state: 'granted' };
  if (data.groups === null || data.groups === undefined) {
    return {
      state: 'unknown',
      why: sid
        ? `${account} does not hold it itself, and whether one of its groups does can only be read when doctor runs as ${account} (elevated)`
        : `the account ${account} could not be found`,
    };
  }
  return list(data.groups).some((g) => granted.has(g)) ? { state: 'granted' } : { state: 'missing' };
}
