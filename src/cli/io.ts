import type { SecretStore } from '../configure/credentials';
import type { Hooks } from '../pipeline';
import type { EventCommand } from '../report/event-log';
import type { Command } from '../schedule/task';
import type { SafeText } from '../safe-text';

/** The edges the CLI talks to, so tests can see exactly what a user sees. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
  /** Environment variables the configuration names for secrets (they win over the store); also HTTPS_PROXY and NO_PROXY. */
  readonly env: NodeJS.ProcessEnv;
  /** Waiting between upload attempts; rejects when the signal aborts (the deadline). Tests make it instant. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random: () => number;
  /** Writes an entry to the Windows event log; resolves with why it failed. Default: eventcreate on Windows, nothing elsewhere. */
  readonly eventLog?: (command: EventCommand) => Promise<SafeText | undefined>;
  /** Where the secrets are kept. Default: the operating system's credential store (keytarStore()). */
  readonly secrets?: SecretStore;
  /** Reads one secret for `credentials set`: masked prompt on a terminal, else standard input. Tests give the value. */
  readonly readSecret?: (prompt: string) => Promise<string>;
  /** Runs a program without a shell, its stdin written to the child (the scheduled task's PowerShell). Default: execCommand. Tests record. */
  readonly exec?: (command: Command) => Promise<{ code: number; stdout: string; stderr: string }>;
  /** The operating system, for Windows-only commands. Default: process.platform. */
  readonly platform?: NodeJS.Platform;
  /** Both standard input and output are a terminal: `main([])` starts the setup wizard, and `setup` may ask. */
  readonly interactive?: boolean;
  /** Test-only. */
  readonly hooks?: Hooks;
}

/** Today's calendar date where the schools are, whatever the server's time zone. */
export function todayInStockholm(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
