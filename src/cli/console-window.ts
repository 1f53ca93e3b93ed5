/**
 * Whether to keep the console window open when setup ends. A console window
 * that Windows made for procapita-sync alone (double-clicked, a shortcut,
 * `runas … "procapita-sync.exe setup"`) closes the moment the program ends,
 * taking the wizard's summary or last error with it. A shell the admin typed
 * in stays open by itself, and waiting for Enter there would only be a nuisance.
 */
import type { Command } from '../schedule/task';
import type { Io } from './io';

/** Programs whose window outlives what they start. */
const SHELLS = new Set(['cmd.exe', 'powershell.exe', 'pwsh.exe', 'powershell_ise.exe', 'bash.exe', 'sh.exe', 'wsl.exe', 'tcc.exe', 'far.exe', 'nu.exe', 'conemuc64.exe', 'conemuc.exe']);

/** What started this process: a shell, something else (Explorer, a shortcut), or gone (runas exits once it has started the program). */
export type Parent = 'shell' | 'other' | 'gone';

/** `setup`, or no arguments in a terminal (which starts it), in an interactive console on Windows, not from a shell. */
export function keepsWindowOpen(argv: readonly string[], io: Pick<Io, 'interactive' | 'platform'>, parent: Parent): boolean {
  if ((io.platform ?? process.platform) !== 'win32' || io.interactive !== true) return false;
  if (argv.length === 0) return true;
  if (argv[0] !== 'setup' || argv.some((a) => a === '-h' || a === '--help' || a === '--non-interactive')) return false;
  return parent !== 'shell';
}

/** tasklist's line about one process, without a header: `"cmd.exe","4242","Console","1","5,120 K"`. */
export const parentQuery = (pid: number): Command => ({ file: 'tasklist.exe', args: ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'] });

/** The parent from tasklist's answer; anything else (no such process, a localised notice) counts as "other": the window rather stays open. */
export function parentFrom(stdout: string): Parent {
  const image = /^"([^"]+)","\d+"/m.exec(stdout)?.[1]?.toLowerCase();
  return image !== undefined && SHELLS.has(image) ? 'shell' : 'other';
}
