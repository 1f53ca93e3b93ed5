/** What the scheduled run needs to know, on Windows and on Linux alike. */
import { AppError } from '../errors';
import { given, safe } from '../safe-text';
import { BASE_NAME, instanceName } from '../configure/instance';

/** The task of a configuration without a name; a named one's is taskName(name). */
export const TASK_NAME = BASE_NAME;
/** The task lives in the root folder of the Task Scheduler Library. */
export const TASK_PATH = '\\';
/** The wizard's default: after the working day. */
export const DEFAULT_TIME = '18:30';
/** StartBoundary's date when the spec names none; any past date gives the same daily times. */
export const DEFAULT_START_DATE = '2026-01-01';

/** The task for a configuration: `procapita-sync`, or `procapita-sync-<name>` (the configuration's `name`). */
export function taskName(name: string | undefined): string {
  return instanceName(name);
}

export interface TaskSpec {
  /** The configuration's `name`, when it has one: the task is then `procapita-sync-<name>`. */
  readonly name?: string;
  /** The program the task starts: the packed exe, or node.exe when running from source. */
  readonly exePath: string;
  /** Arguments before `run --config …`: for node.exe, `--import tsx <path to src/cli/main.ts>`. None for the packed exe. */
  readonly exeArgs?: readonly string[];
  /** Default: the exe's folder. From source: the project folder, where node finds tsx. */
  readonly workingDirectory?: string;
  readonly configPath: string;
  /** HH:MM, local time of the server. */
  readonly time: string;
  /** DOMAIN\user; the task runs as this account with its stored password. */
  readonly account: string;
  /** YYYY-MM-DD: the first day the trigger fires. Default DEFAULT_START_DATE; `registerTask` gives the next occurrence. */
  readonly startDate?: string;
}

/** HH:MM (or H:MM), 00:00–23:59, as HH:MM; a usage error otherwise. */
export function normalizeTime(time: string): string {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(time.trim());
  if (!m) throw new AppError('usage', safe`--time ${given(time)} is not a time of day. Use HH:MM in 24-hour time, e.g. --time 18:30.`);
  return `${m[1]!.padStart(2, '0')}:${m[2]}`;
}

/** The first day on or after `now` (local time) when HH:MM is still to come: the task's first run is never in the past. */
export function nextStartDate(time: string, now: Date): string {
  const [h, m] = normalizeTime(time).split(':').map(Number) as [number, number];
  const day = new Date(now.getFullYear(), now.getMonth(), now.getDate(), h, m);
  if (day.getTime() <= now.getTime()) day.setDate(day.getDate() + 1);
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`;
}

/** The folder part of a Windows or POSIX path (the exe's folder is the working directory). */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  if (cut < 0) return '.';
  const folder = path.slice(0, cut);
  // C:\x.exe → C:\ ; /x → /
  return /^[A-Za-z]:$/.test(folder) || folder === '' ? path.slice(0, cut + 1) : folder;
}
