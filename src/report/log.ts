/**
 * The run's log: structured JSON lines (pino) in a daily file in the log
 * folder, and the same messages as plain lines on the terminal. What goes in
 * is messages written for the admin and counts: never a secret, a
 * personnummer or a name (test/privacy checks the files after full runs).
 */
import { fchmodSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type SonicBoom from 'sonic-boom';
import { fileErrorAdvice, fileErrorReason, makePrivateFolder, PRIVATE_FILE_MODE } from '../atomic-file';
import { AppError } from '../errors';
import { given, safe, type SafeText } from '../safe-text';

export const LOG_BASENAME = 'procapita-sync';
/** pino-roll's names: procapita-sync.2026-09-01.1.log */
const LOG_FILE = /^procapita-sync\.(\d{4}-\d{2}-\d{2})\.(\d+)\.log$/;

/**
 * Structured fields of a log line: counts, flags, our hashes and codes, and messages that are SafeText themselves.
 * A plain string is refused here too, so that no value from the data rides along beside a safe message.
 */
export type Field = SafeText | number | boolean | null | readonly Field[] | { readonly [key: string]: Field };
type Fields = Readonly<Record<string, Field>>;

export interface RunLog {
  info(message: SafeText, fields?: Fields): void;
  warn(message: SafeText, fields?: Fields): void;
  /** To the file only: the terminal has already shown it another way. */
  record(level: 'info' | 'warn' | 'error', message: SafeText, fields?: Fields): void;
  /** Why the log file could not be written, once a write has failed (a full disk): the run goes on and says so at its end. */
  failure(): SafeText | undefined;
  close(): Promise<void>;
}

/** A log for commands that keep no file (explain, and runs whose configuration could not be read). */
export function terminalLog(terminal: (line: string) => void): RunLog {
  return {
    info: (m) => terminal(m),
    warn: (m) => terminal(`warning: ${m}`),
    record: () => undefined,
    failure: () => undefined,
    close: async () => undefined,
  };
}

/**
 * Deletes all but the newest `keep` log files. pino-roll removes old files
 * only when it rolls over at midnight, which a run of a few minutes rarely
 * sees, so the files of earlier runs are pruned here at start.
 */
export async function pruneLogs(dir: string, keep: number): Promise<string[]> {
  const files = (await readdir(dir))
    .map((name) => ({ name, m: LOG_FILE.exec(name) }))
    .filter((f) => f.m)
    .sort((a, b) => (a.m![1]! === b.m![1]! ? Number(b.m![2]) - Number(a.m![2]) : a.m![1]! < b.m![1]! ? 1 : -1));
  const old = files.slice(keep).map((f) => f.name);
  await Promise.all(old.map((name) => rm(join(dir, name), { force: true })));
  return old;
}

export async function openRunLog(dir: string, o: { terminal: (line: string) => void; now: () => Date; keep: number; bindings?: Fields }): Promise<RunLog> {
  let stream: SonicBoom;
  // pino and pino-roll are loaded by the commands that keep a log, not at every start (--version, the wizard).
  const [{ default: pino }, { default: pinoRoll }] = await Promise.all([import('pino'), import('pino-roll')]);
  try {
    await makePrivateFolder(dir);
    // sync: each line is on disk before the run goes on, so a killed run still leaves its log.
    stream = await pinoRoll({
      file: join(dir, LOG_BASENAME),
      frequency: 'daily',
      dateFormat: 'yyyy-MM-dd',
      mode: PRIVATE_FILE_MODE,
      sync: true,
      limit: { count: o.keep - 1, removeOtherLogFiles: true },
    });
    // The mode above goes through the umask and does nothing to today's file when it is there
    // already: chmod the open file, now and whenever pino-roll opens the next one at midnight.
    const restrict = (s: SonicBoom) => fchmodSync((s as SonicBoom & { fd: number }).fd, PRIVATE_FILE_MODE);
    restrict(stream);
    const rolled = stream;
    // fchmod on our own open file does not fail; if it ever did, the run must not die of it at midnight.
    rolled.on('ready', () => {
      try {
        restrict(rolled);
      } catch {
        /* doctor reports a log file that is not private */
      }
    });
    await pruneLogs(dir, o.keep);
  } catch (err) {
    throw new AppError(
      'outputFailed',
      safe`Cannot write the log in ${given(dir)}: ${fileErrorReason(err)}. Nothing was read or delivered. Give the account that runs procapita-sync write access to the folder, or set logDir in the configuration.`,
    );
  }
  // A write that fails (ENOSPC, EIO) comes as an 'error' event, which would throw from the logging call itself:
  // the first one is kept and said once on the terminal, and the run goes on without its file.
  let failure: SafeText | undefined;
  stream.on('error', (err: unknown) => {
    if (failure) return;
    failure = safe`The log in ${given(dir)} could not be written: ${fileErrorReason(err)}. ${fileErrorAdvice(err, safe`logDir`)}.`;
    o.terminal(`warning: ${failure}`);
  });
  const logger: Logger = pino(
    {
      base: { pid: process.pid, ...o.bindings },
      timestamp: () => `,"time":"${o.now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  const write = (level: 'info' | 'warn' | 'error', message: SafeText, fields?: Fields) => {
    try {
      logger[level](fields ?? {}, message);
    } catch (err) {
      stream.emit('error', err);
    }
  };
  return {
    info: (message, fields) => {
      write('info', message, fields);
      o.terminal(message);
    },
    warn: (message, fields) => {
      write('warn', message, fields);
      o.terminal(`warning: ${message}`);
    },
    record: write,
    failure: () => failure,
    close: () =>
      new Promise<void>((done) => {
        stream.once('close', () => done());
        // A last write that fails leaves the file open: close it anyway. An error from closing itself ends it.
        stream.once('error', () => ((stream as SonicBoom & { destroyed?: boolean }).destroyed ? done() : stream.destroy()));
        try {
          stream.end();
        } catch {
          done();
        }
      }),
  };
}
