/**
 * One entry in the Windows Application log for a run that failed or was
 * held, so that the municipality's monitoring sees it. Written with
 * eventcreate, which every Windows Server has; the command is built here,
 * purely, and run by the shell.
 */
import { ExitCode, type ExitCodeName } from '../errors';
import { ours, type SafeText } from '../safe-text';

export const EVENT_SOURCE = 'procapita-sync';
/** eventcreate takes ids 1–1000: 100 + the exit code, so monitoring can match on it. */
export const eventId = (code: ExitCodeName): number => 100 + ExitCode[code];
/** eventcreate refuses longer descriptions. */
const MAX_DESCRIPTION = 1000;

export interface EventCommand {
  readonly file: 'eventcreate.exe';
  readonly args: readonly string[];
}

export function eventCreateCommand(code: ExitCodeName, message: SafeText, reportFile: string): EventCommand {
  const held = code === 'heldByGuard';
  const head = `procapita-sync: ${held ? 'the run was held by the deletion guard' : 'the run failed'} (exit code ${ExitCode[code]}, ${code}).`;
  const tail = ` Details: ${reportFile}`;
  // One line, and no double quotes: Windows re-parses the command line.
  const body = ` ${message}`.replace(/\s+/g, ' ').replace(/"/g, "'");
  const room = Math.max(0, MAX_DESCRIPTION - head.length - tail.length);
  // A very long report path is cut too: eventcreate refuses anything over the limit.
  const description = `${head}${body.length > room ? `${body.slice(0, Math.max(0, room - 1))}…` : body}${tail}`.slice(0, MAX_DESCRIPTION);
  return {
    file: 'eventcreate.exe',
    args: ['/L', 'APPLICATION', '/T', held ? 'WARNING' : 'ERROR', '/SO', EVENT_SOURCE, '/ID', String(eventId(code)), '/D', description],
  };
}

/** Runs the command; resolves with why it failed (Windows's own words about eventcreate), or undefined. Never throws: the run's outcome stands. */
export function runEventCommand(command: EventCommand): Promise<SafeText | undefined> {
  return new Promise((done) => {
    process.getBuiltinModule('node:child_process').execFile(command.file, [...command.args], { windowsHide: true, timeout: 15_000 }, (err, _stdout, stderr) => {
      done(err ? ours((stderr.trim() || err.message).replace(/\s+/g, ' ')) : undefined);
    });
  });
}
