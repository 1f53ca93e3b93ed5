import { describe, expect, it } from 'vitest';
import { ExitCode, type ExitCodeName } from '../../src/errors';
import { elevationCommand, EVENT_SOURCE, eventCreateCommand, eventId, registerSourceCommand, registerSourceLine, sourceQueryCommand, UNCHANGED_EVENT_ID } from '../../src/report/event-log';
import { ours } from '../../src/safe-text';

const REPORT = 'C:\\ProgramData\\procapita-sync\\state\\last-run.json';
const description = (args: readonly string[]) => args[args.indexOf('/D') + 1]!;
const HEAD = 'procapita-sync: the run failed (exit code 1, internal).';
/** Room for the message, which comes with a leading space: it just fits at ROOM - 1 characters. */
const ROOM = 1000 - HEAD.length - ` Details: ${REPORT}`.length;

describe('the Windows event log entry (eventcreate)', () => {
  it('for a held run: a WARNING with ID 112', () => {
    const c = eventCreateCommand('heldByGuard', ours('The deletion guard held snapshot sha256:ab12: 40 of 400 students would be removed (10.0 %).'), REPORT);
    expect(c).toEqual({
      file: 'eventcreate.exe',
      args: [
        '/L',
        'APPLICATION',
        '/T',
        'WARNING',
        '/SO',
        'procapita-sync',
        '/ID',
        '112',
        '/D',
        `procapita-sync: the run was held by the deletion guard (exit code 12, heldByGuard). The deletion guard held snapshot sha256:ab12: 40 of 400 students would be removed (10.0 %). Details: ${REPORT}`,
      ],
    });
    expect(EVENT_SOURCE).toBe('procapita-sync');
  });

  it('for a failed run: an ERROR with ID 100 + the exit code', () => {
    const c = eventCreateCommand('uploadFailed', ours('The upload did not get through: 4 attempt(s) in 90 s.'), REPORT);
    expect(c.args).toEqual([
      '/L',
      'APPLICATION',
      '/T',
      'ERROR',
      '/SO',
      'procapita-sync',
      '/ID',
      '109',
      '/D',
      `procapita-sync: the run failed (exit code 9, uploadFailed). The upload did not get through: 4 attempt(s) in 90 s. Details: ${REPORT}`,
    ]);
  });

  it.each((Object.keys(ExitCode) as ExitCodeName[]).filter((c) => c !== 'ok'))('%s: ID 100 + its exit code, WARNING only when held', (code) => {
    const c = eventCreateCommand(code, ours('x'), REPORT);
    expect(eventId(code)).toBe(100 + ExitCode[code]);
    expect(c.args.slice(0, 8)).toEqual(['/L', 'APPLICATION', '/T', code === 'heldByGuard' ? 'WARNING' : 'ERROR', '/SO', 'procapita-sync', '/ID', String(100 + ExitCode[code])]);
    expect(description(c.args)).toContain(`(exit code ${ExitCode[code]}, ${code}).`);
  });

  it('puts the message on one line and turns double quotes into single ones', () => {
    const c = eventCreateCommand('sourceUnavailable', ours('Cannot reach "sql01\\PROCAPITA":\r\n  connection refused.\n\tCheck the "host".'), REPORT);
    expect(description(c.args)).toBe(
      `procapita-sync: the run failed (exit code 4, sourceUnavailable). Cannot reach 'sql01\\PROCAPITA': connection refused. Check the 'host'. Details: ${REPORT}`,
    );
    for (const a of c.args) {
      expect(a).not.toMatch(/["\r\n\t]/);
    }
  });

  it.each([0, 1, 500, ROOM - 2, ROOM - 1, ROOM, ROOM + 1, 1000, 5000, 100_000])('a message of %i characters: the description stays within 1000 and ends with the report path', (n) => {
    const message = 'x'.repeat(n);
    const d = description(eventCreateCommand('internal', ours(message), REPORT).args);
    expect(d.length).toBeLessThanOrEqual(1000);
    expect(d.endsWith(` Details: ${REPORT}`)).toBe(true);
    expect(d.startsWith(`${HEAD} `)).toBe(true);
    if (n + 1 <= ROOM) {
      // Fits: all of it.
      // An empty message leaves no double space.
      expect(d).toBe(`procapita-sync: the run failed (exit code 1, internal).${n > 0 ? ` ${message}` : ''} Details: ${REPORT}`);
    } else {
      // Cut, and says so.
      expect(d).toHaveLength(1000);
      expect(d).toContain('x… Details: ');
    }
  });

  it('counts the length after joining lines: a long message of many short lines is cut only as far as needed', () => {
    const message = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n');
    const d = description(eventCreateCommand('heldByGuard', ours(message), REPORT).args);
    expect(d).toHaveLength(1000);
    expect(d).not.toContain('\n');
    expect(d.endsWith(`… Details: ${REPORT}`)).toBe(true);
  });
});

describe('a report path longer than eventcreate allows', () => {
  it('a good run: information, 100 when delivered, 200 when nothing was sent as the roster was unchanged', () => {
    const delivered = eventCreateCommand('ok', ours(''), REPORT);
    expect(delivered.args).toEqual(['/L', 'APPLICATION', '/T', 'INFORMATION', '/SO', EVENT_SOURCE, '/ID', '100', '/D', `procapita-sync: the roster was delivered (exit code 0, ok). Details: ${REPORT}`]);
    const unchanged = eventCreateCommand('ok', ours(''), REPORT, true);
    expect(unchanged.args).toEqual(['/L', 'APPLICATION', '/T', 'INFORMATION', '/SO', EVENT_SOURCE, '/ID', '200', '/D', `procapita-sync: the roster was the one last delivered, so nothing was sent (exit code 0, ok). Details: ${REPORT}`]);
    // Only a good run can be unchanged: a failure keeps its own id.
    expect(eventId('uploadFailed', true)).toBe(100 + ExitCode.uploadFailed);
    const names = Object.keys(ExitCode) as ExitCodeName[];
    expect(new Set([...names.map((c) => eventId(c)), UNCHANGED_EVENT_ID]).size).toBe(names.length + 1);
  });

  it('the event source: queried in the registry, registered by eventcreate as an administrator, elevation seen with net session', () => {
    expect(sourceQueryCommand).toEqual({ file: 'reg.exe', args: ['query', 'HKLM\\SYSTEM\\CurrentControlSet\\Services\\EventLog\\Application\\procapita-sync'] });
    expect(registerSourceCommand.file).toBe('eventcreate.exe');
    expect(registerSourceCommand.args.slice(0, 8)).toEqual(['/L', 'APPLICATION', '/T', 'INFORMATION', '/SO', 'procapita-sync', '/ID', '1']);
    expect(elevationCommand).toEqual({ file: 'net.exe', args: ['session'] });
    expect(registerSourceLine).toBe('eventcreate /L APPLICATION /T INFORMATION /SO procapita-sync /ID 1 /D "procapita-sync: the event source is registered."');
  });

  it('is cut so the description stays within 1000 characters', () => {
    const path = `C:\\${'very-deep-folder\\'.repeat(80)}last-run.json`;
    const description = eventCreateCommand('sourceUnavailable', ours('SQL Server cannot be reached.'), path).args.at(-1)!;
    expect(path.length).toBeGreaterThan(1000);
    expect(description).toHaveLength(1000);
    expect(description.startsWith('procapita-sync: the run failed (exit code 4, sourceUnavailable).')).toBe(true);
  });
});
