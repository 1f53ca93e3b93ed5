import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileErrorReason } from '../../src/atomic-file';
import { AppError } from '../../src/errors';
import { openRunLog, pruneLogs } from '../../src/report/log';
import { DEMO_DATE, demoFixture, runCli, tempDir, writeSetup } from '../support/cli';
import { ours } from '../../src/safe-text';

const NOW = new Date('2026-09-01T02:00:00Z');
/** The local calendar date, as pino-roll names the day's file. */
const localDate = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;

/** Opens the log; returns it, what the terminal got and the dates "today" may have had meanwhile. */
async function open(dir: string, keep = 30) {
  const terminal: string[] = [];
  const before = localDate();
  const log = await openRunLog(dir, { terminal: (line) => terminal.push(line), now: () => NOW, keep, bindings: { syncDate: ours(DEMO_DATE) } });
  return { log, terminal, today: new Set([before, localDate()]) };
}

const LOG_NAME = /^procapita-sync\.(\d{4}-\d{2}-\d{2})\.(\d+)\.log$/;

describe('the run log', () => {
  it('writes JSON lines with level, time and msg to procapita-sync.YYYY-MM-DD.N.log; the terminal gets the plain message', async () => {
    const dir = join(tempDir(), 'logs');
    const { log, terminal, today } = await open(dir);
    log.info(ours('Read 4711 rows from ProCapita in 2.1 s.'), { rows: 4711 });
    log.warn(ours('The heartbeat to the service failed (HTTP 503); the run\'s outcome stands.'));
    log.record('error', ours('The upload service refused the API key (401).'), { exitCode: 8, exitName: ours('accessDenied') });
    log.record('info', ours('Run ended: failed, exit code 8 (accessDenied).'));
    await log.close();

    expect(terminal).toEqual(['Read 4711 rows from ProCapita in 2.1 s.', "warning: The heartbeat to the service failed (HTTP 503); the run's outcome stands."]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const [, date, n] = LOG_NAME.exec(files[0]!)!;
    expect(today.has(date!)).toBe(true);
    expect(n).toBe('1');

    const text = readFileSync(join(dir, files[0]!), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const base = { time: '2026-09-01T02:00:00.000Z', pid: process.pid, syncDate: DEMO_DATE };
    expect(text.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual([
      { level: 'info', ...base, rows: 4711, msg: 'Read 4711 rows from ProCapita in 2.1 s.' },
      { level: 'warn', ...base, msg: "The heartbeat to the service failed (HTTP 503); the run's outcome stands." },
      { level: 'error', ...base, exitCode: 8, exitName: 'accessDenied', msg: 'The upload service refused the API key (401).' },
      { level: 'info', ...base, msg: 'Run ended: failed, exit code 8 (accessDenied).' },
    ]);
  });

  it('a second run the same day appends to the same file', async () => {
    const dir = join(tempDir(), 'logs');
    for (const m of ['first run', 'second run']) {
      const { log } = await open(dir);
      log.record('info', ours(m));
      await log.close();
    }
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0]!), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['first run', 'second run']);
  });

  it('on opening, keeps the newest 30 log files, by date and then by number, and every other file', async () => {
    const dir = join(tempDir(), 'logs');
    mkdirSync(dir);
    const day = (i: number) => new Date(Date.UTC(2020, 0, 1 + i)).toISOString().slice(0, 10);
    const old: string[] = [];
    // 10 days, then two files of one day (number 2 is older than 10), then 28 more days: 40 files.
    for (let i = 0; i < 10; i++) old.push(`procapita-sync.${day(i)}.1.log`);
    old.push(`procapita-sync.${day(10)}.2.log`, `procapita-sync.${day(10)}.10.log`);
    for (let i = 11; i < 39; i++) old.push(`procapita-sync.${day(i)}.1.log`);
    expect(old).toHaveLength(40);
    const unrelated = ['notes.txt', 'procapita-sync.log', 'procapita-sync.2020-01-01.1.log.gz', 'other-app.2020-01-01.1.log', 'procapita-sync.2020-01-01.log'];
    for (const f of [...old, ...unrelated]) writeFileSync(join(dir, f), `${f}\n`);

    const { log, today } = await open(dir);
    log.record('info', ours('Run started.'));
    await log.close();

    const after = readdirSync(dir);
    const logs = after.filter((f) => LOG_NAME.test(f));
    const current = logs.filter((f) => today.has(LOG_NAME.exec(f)![1]!));
    expect(current).toHaveLength(1);
    expect(readFileSync(join(dir, current[0]!), 'utf8')).toContain('"msg":"Run started."');
    // The newest 29 of the old ones: 2020-01-11 number 10, and the 28 days after it.
    expect(logs.filter((f) => f !== current[0]).sort()).toEqual([`procapita-sync.${day(10)}.10.log`, ...old.slice(12)].sort());
    expect(logs).toHaveLength(30);
    for (const f of unrelated) expect(after).toContain(f);
    expect(after).toHaveLength(30 + unrelated.length);
  });

  it('pruneLogs returns what it deleted, and leaves a folder with fewer files alone', async () => {
    const dir = tempDir();
    const names = ['procapita-sync.2026-08-30.1.log', 'procapita-sync.2026-08-31.1.log', 'procapita-sync.2026-08-31.2.log', 'procapita-sync.2026-09-01.1.log'];
    for (const f of [...names, 'readme.txt']) writeFileSync(join(dir, f), '');
    expect(await pruneLogs(dir, 4)).toEqual([]);
    expect(await pruneLogs(dir, 2)).toEqual(['procapita-sync.2026-08-31.1.log', 'procapita-sync.2026-08-30.1.log']);
    expect(readdirSync(dir).sort()).toEqual(['procapita-sync.2026-08-31.2.log', 'procapita-sync.2026-09-01.1.log', 'readme.txt']);
  });

  it.each([
    ['is a regular file', (d: string) => join(d, 'logs')],
    ['is under a regular file', (d: string) => join(d, 'logs', 'procapita-sync')],
  ])('a log folder that %s: outputFailed (exit 6), naming the folder', async (_name, where) => {
    const parent = tempDir();
    writeFileSync(join(parent, 'logs'), 'a file where the folder should be');
    const dir = where(parent);
    const err = await open(dir).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('outputFailed');
    expect((err as AppError).exitCode).toBe(6);
    expect((err as AppError).message).toBe(
      `Cannot write the log in ${dir}: a file is in the way of the folder. Nothing was read or delivered. Give the account that runs procapita-sync write access to the folder, or set logDir in the configuration.`,
    );
  });

  it('through `run`: an unwritable log folder stops the run with exit 6 before anything is delivered, and frees the lock', async () => {
    const { dir, configPath } = writeSetup(demoFixture(), { target: { type: 'directory', path: 'out' } });
    writeFileSync(join(dir, 'logs'), 'in the way');
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE]);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(
      `error: Cannot write the log in ${join(dir, 'logs')}: a file is in the way of the folder. Nothing was read or delivered. Give the account that runs procapita-sync write access to the folder, or set logDir in the configuration.\n`,
    );
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'state', 'run.lock'))).toBe(false);
  });
});

describe('why a folder cannot be written, in words', () => {
  it.each([
    ['EACCES', 'permission denied'],
    ['EPERM', 'permission denied'],
    ['EROFS', 'permission denied'],
    ['ENOSPC', 'the disk is full'],
    ['ENOTDIR', 'a file is in the way of the folder'],
    ['EEXIST', 'a file is in the way of the folder'],
    ['EIO', 'the disk reported an input/output error (EIO)'],
    ['EDQUOT', 'the disk quota is used up'],
    ['ESOMETHING', 'ESOMETHING'],
  ])('%s → %s', (code, words) => {
    expect(fileErrorReason(Object.assign(new Error('x'), { code }))).toBe(words);
  });
});
