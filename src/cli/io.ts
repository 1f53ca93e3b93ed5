import type { Hooks } from '../pipeline';
import type { EventCommand } from '../report/event-log';

/** The edges the CLI talks to, so tests can see exactly what a user sees. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
  /** Where secrets come from until the credential store lands; also HTTPS_PROXY and NO_PROXY. */
  readonly env: NodeJS.ProcessEnv;
  /** Waiting between upload attempts; tests make it instant. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Writes an entry to the Windows event log; resolves with why it failed. Default: eventcreate on Windows, nothing elsewhere. */
  readonly eventLog?: (command: EventCommand) => Promise<string | undefined>;
  /** Test-only. */
  readonly hooks?: Hooks;
}

/** Today's calendar date where the schools are, whatever the server's time zone. */
export function todayInStockholm(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
