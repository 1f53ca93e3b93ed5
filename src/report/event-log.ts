/**
 * One entry in the Windows Application log for every run, so that the
 * municipality's monitoring sees how each night went and can filter on the
 * event id. Written with eventcreate, which every Windows Server has; the
 * commands are built here, purely, and run by the shell.
 */
import { ExitCode, type ExitCodeName } from '../errors';
import { ours, type SafeText } from '../safe-text';

export const EVENT_SOURCE = 'procapita-sync';
/** A run that sent nothing because the roster was the one last delivered (an exit code 0 run). */
export const UNCHANGED_EVENT_ID = 200;
/**
 * eventcreate takes ids 1–1000: 100 + the exit code (delivered 100, held 112,
 * a failure 100 + its code), so monitoring can match on it; unchanged 200.
 */
export const eventId = (code: ExitCodeName, unchanged = false): number => (code === 'ok' && unchanged ? UNCHANGED_EVENT_ID : 100 + ExitCode[code]);
/** eventcreate refuses longer descriptions. */
const MAX_DESCRIPTION = 1000;

export interface EventCommand {
  readonly file: 'eventcreate.exe';
  readonly args: readonly string[];
}

/** What the entry says first, and its type: the run's outcome. */
function headOf(code: ExitCodeName, unchanged: boolean): { type: 'INFORMATION' | 'WARNING' | 'ERROR'; what: string } {
  if (code === 'ok') return { type: 'INFORMATION', what: unchanged ? 'the roster was the one last delivered, so nothing was sent' : 'the roster was delivered' };
  if (code === 'heldByGuard') return { type: 'WARNING', what: 'the run was held by the deletion guard' };
  return { type: 'ERROR', what: 'the run failed' };
}

/** `message`: the run's error, or empty for a good run. `unchanged`: a good run that sent nothing. */
export function eventCreateCommand(code: ExitCodeName, message: SafeText, reportFile: string, unchanged = false): EventCommand {
  const { type, what } = headOf(code, unchanged);
  const head = `procapita-sync: ${what} (exit code ${ExitCode[code]}, ${code}).`;
  const tail = ` Details: ${reportFile}`;
  // One line, and no double quotes: Windows re-parses the command line.
  const body = `${message}`.trim() === '' ? '' : ` ${message}`.replace(/\s+/g, ' ').replace(/"/g, "'");
  const room = Math.max(0, MAX_DESCRIPTION - head.length - tail.length);
  // A very long report path is cut too: eventcreate refuses anything over the limit.
  const description = `${head}${body.length > room ? `${body.slice(0, Math.max(0, room - 1))}…` : body}${tail}`.slice(0, MAX_DESCRIPTION);
  return {
    file: 'eventcreate.exe',
    args: ['/L', 'APPLICATION', '/T', type, '/SO', EVENT_SOURCE, '/ID', String(eventId(code, unchanged)), '/D', description],
  };
}

/**
 * Whether the event source exists: reg.exe answers 0 when the key is there and
 * 1 when it is not. Any account may read it.
 */
export const sourceQueryCommand = { file: 'reg.exe', args: ['query', `HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\${EVENT_SOURCE}`] } as const;

/**
 * Registers the source, as an administrator: eventcreate creates a source the
 * first time it writes one, which only an administrator may do; the nightly
 * task's account then only writes to it.
 */
export const registerSourceCommand = {
  file: 'eventcreate.exe',
  args: ['/L', 'APPLICATION', '/T', 'INFORMATION', '/SO', EVENT_SOURCE, '/ID', '1', '/D', 'procapita-sync: the event source is registered; each night\'s run writes one entry here.'],
} as const;

/** `net session` succeeds only in an elevated (administrator) process: the usual test, with no PowerShell needed. */
export const elevationCommand = { file: 'net.exe', args: ['session'] } as const;

/** What an administrator runs to register the source, as one line to copy (cmd.exe). */
export const registerSourceLine = `eventcreate /L APPLICATION /T INFORMATION /SO ${EVENT_SOURCE} /ID 1 /D "procapita-sync: the event source is registered."`;

/** Runs the command; resolves with why it failed (Windows's own words about eventcreate), or undefined. Never throws: the run's outcome stands. */
export function runEventCommand(command: EventCommand): Promise<SafeText | undefined> {
  return new Promise((done) => {
    process.getBuiltinModule('node:child_process').execFile(command.file, [...command.args], { windowsHide: true, timeout: 15_000 }, (err, _stdout, stderr) => {
      done(err ? ours((stderr.trim() || err.message).replace(/\s+/g, ' ')) : undefined);
    });
  });
}
