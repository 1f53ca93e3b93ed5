import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/errors';
import { acquireRunLock, currentRun, describeLock, inspectRunLock, judgeLock, ownHolder, procStartOf, thisMachine, type LockHolder, type RunLock } from '../../src/run-lock';
import { ROOT, tempDir } from '../support/cli';

/**
 * The rename that moves a stale lock aside, with a hook around it: lets a
 * test put other runs exactly between one run's reading of the lock and its
 * moving it. Without a hook it is the real rename. Likewise the exclusive
 * create of a lock file, which can pause between creating the file and
 * writing it (src/atomic-file.ts writePrivateFile opens, then writes).
 */
const around: { before?: () => Promise<void>; after?: () => Promise<void>; write?: () => Promise<void>; writeOnly?: string } = {};
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      const { before, after } = around;
      delete around.before;
      delete around.after;
      await before?.();
      await actual.rename(from, to);
      await after?.();
    },
    open: async (file: string, flags: string, mode?: number) => {
      const pause = around.write;
      if (!pause || flags !== 'wx' || (around.writeOnly && !file.endsWith(around.writeOnly))) return actual.open(file, flags, mode);
      delete around.write;
      delete around.writeOnly;
      const handle = await actual.open(file, flags, mode);
      await pause();
      return handle;
    },
  };
});

const STARTED = new Date('2026-09-01T02:00:00Z');
const DEAD = 4_000_001;
const me = (startedAt = STARTED): LockHolder => ({ pid: process.pid, host: hostname(), startedAt: startedAt.toISOString() });
const stale = (host = hostname()): LockHolder => ({ pid: DEAD, host, startedAt: '2026-08-31T02:00:00.000Z' });
/** Every process is alive but DEAD. */
const alive = (pid: number) => pid !== DEAD;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A lock's age in seconds depends on how fast the test ran: N. */
const secondsOld = (text: string) => text.replace(/ is \d+ s old/, ' is N s old');
const statMs = (file: string) => statSync(file).mtimeMs;
/** Sets a file's mtime this many minutes back. */
function age(file: string, minutes: number) {
  const then = new Date(Date.now() - minutes * 60_000);
  utimesSync(file, then, then);
}

function setup(holder?: LockHolder | string) {
  const state = join(tempDir(), 'state');
  const file = join(state, 'run.lock');
  if (holder !== undefined) {
    mkdirSync(state);
    writeFileSync(file, typeof holder === 'string' ? holder : JSON.stringify(holder));
  }
  return { state, file, read: () => JSON.parse(readFileSync(file, 'utf8')) as LockHolder };
}

async function refusal(p: Promise<RunLock>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    return err as AppError;
  }
  throw new Error('the lock was taken');
}

describe('the run lock', () => {
  it('is taken and released: the lock file names this process, host and start', async () => {
    const { state, file, read } = setup();
    const lock = await acquireRunLock(state, STARTED);
    expect(lock.tookOver).toBeUndefined();
    expect(read()).toMatchObject(me());
    expect(await currentRun(state)).toMatchObject(me());
    await lock.release();
    expect(existsSync(file)).toBe(false);
    expect(await currentRun(state)).toBeUndefined();
    const again = await acquireRunLock(state, STARTED);
    await again.release();
    expect(readdirSync(state)).toEqual([]);
  });

  it('a second run while it is held: alreadyRunning (exit 13), naming the PID, and the lock stays', async () => {
    const { state, file, read } = setup();
    const lock = await acquireRunLock(state, STARTED);
    const err = await refusal(acquireRunLock(state, new Date('2026-09-01T02:05:00Z')));
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('alreadyRunning');
    expect(err.exitCode).toBe(13);
    expect(err.message).toBe(
      `Another run is in progress (process ${process.pid} on ${hostname()}, started 2026-09-01T02:00:00.000Z); this one did nothing. If no run is going on, delete ${file}.`,
    );
    expect(read()).toMatchObject(me());
    await lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a lock whose process is gone is taken over at once, also when its time lies a fraction of a millisecond ahead of the clock', async () => {
    const { state, read } = setup(stale());
    // A file written within the current millisecond: its mtime has fractions, Date.now() has none.
    const soon = (Date.now() + 0.6) / 1000;
    utimesSync(join(state, 'run.lock'), soon, soon);
    const lock = await acquireRunLock(state, STARTED, alive);
    expect(lock.tookOver).toMatchObject({ verdict: { kind: 'gone' } });
    expect(read()).toMatchObject(me());
    await lock.release();
  });

  it('a stale lock, whose process is gone, is taken over and tookOver names the old holder', async () => {
    const { state, read } = setup(stale());
    const asked: number[] = [];
    const lock = await acquireRunLock(state, STARTED, (pid) => (asked.push(pid), alive(pid)));
    expect(asked).toEqual([DEAD]);
    expect(lock.tookOver).toMatchObject({ holder: stale(), verdict: { kind: 'gone' } });
    expect(read()).toMatchObject(me());
    expect(readdirSync(state)).toEqual(['run.lock']);
    expect(await currentRun(state, alive)).toMatchObject(me());
    await lock.release();
    expect(readdirSync(state)).toEqual([]);
  });

  it('a lock from another host is not taken over until it is 6 hours old: it cannot be checked from here', async () => {
    const other = stale('skolserver-02');
    const { state, file, read } = setup(other);
    const err = await refusal(acquireRunLock(state, STARTED, () => false));
    expect(err.code).toBe('alreadyRunning');
    expect(err.message).toMatch(
      new RegExp(
        `^Another run may be in progress \\(process ${DEAD} on skolserver-02, started 2026-08-31T02:00:00.000Z: it is on another computer, where this run cannot check it\\); this one did nothing. The lock is \\d+ s old; a run takes it over from \\S+Z \\(when it is 6 h old\\). If no run is going on, delete ${escape(file)}.$`,
      ),
    );
    expect(read()).toEqual(other);
    expect(readdirSync(state)).toEqual(['run.lock']);
    // status says so too: it cannot tell whether that run is alive.
    expect(await currentRun(state, () => false)).toEqual(other);
    age(file, 6 * 60 + 1);
    const lock = await acquireRunLock(state, STARTED, () => false);
    expect(lock.tookOver).toMatchObject({ holder: other, verdict: { kind: 'unproven' } });
    await lock.release();
  });

  it('a stale lock of this host is not shown as a run going on', async () => {
    const { state } = setup(stale());
    expect(await currentRun(state, alive)).toBeUndefined();
  });

  it('a lock file still being written (empty) counts as held', async () => {
    const { state, file } = setup('');
    const err = await refusal(acquireRunLock(state, STARTED, () => false));
    expect(err.message).toMatch(/^Another run may be in progress \(another process: the lock file cannot be read \(empty or damaged\)\); this one did nothing\. The lock is \d+ s old; a run takes it over from \S+Z \(when it is 10 min old\)\./);
    expect(readFileSync(file, 'utf8')).toBe('');
  });

  it('release leaves alone a lock it does not own', async () => {
    const { state, file, read } = setup();
    const lock = await acquireRunLock(state, STARTED);
    const successor: LockHolder = { pid: process.pid + 1, host: hostname(), startedAt: '2026-09-01T03:00:00.000Z' };
    writeFileSync(file, JSON.stringify(successor));
    await lock.release();
    expect(read()).toEqual(successor);
    // The same PID and host, a later start: not this run's lock either.
    writeFileSync(file, JSON.stringify(me(new Date('2026-09-02T02:00:00Z'))));
    await lock.release();
    expect(read()).toEqual(me(new Date('2026-09-02T02:00:00Z')));
    // Gone already: nothing to do, no error.
    writeFileSync(file, JSON.stringify(me()));
    await lock.release();
    await lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('a state folder that cannot be made (a file in the way): outputFailed, naming the folder', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'state'), 'not a folder');
    const err = await refusal(acquireRunLock(join(dir, 'state'), STARTED));
    expect(err.code).toBe('outputFailed');
    expect(err.exitCode).toBe(6);
    expect(err.message).toBe(`Cannot create the run lock in the state folder ${join(dir, 'state')}: a file is in the way of the folder. Check the folder's permissions (stateDir).`);
  });
});

describe('who owns a lock: judged from facts gathered at the edge', () => {
  const here = { host: 'SKOLSYNC01', bootId: 'boot-b', bootedAt: Date.parse('2026-09-01T00:00:00Z') };
  const holder = (x: Partial<LockHolder> = {}): LockHolder => ({ pid: 4812, host: 'SKOLSYNC01', startedAt: '2026-09-01T02:00:00.000Z', ...x });
  it.each([
    ['unreadable (empty, cut short, not JSON)', undefined, { alive: false }, 'unproven', 10 * 60_000],
    ['another host', holder({ host: 'SKOLSYNC02', bootId: 'boot-b', procStart: '100' }), { alive: true, procStart: '100' }, 'unproven', 6 * 3_600_000],
    ['its process is gone', holder({ bootId: 'boot-b', procStart: '100' }), { alive: false }, 'gone', undefined],
    ['Linux: the same boot and process start: a live run', holder({ bootId: 'boot-b', procStart: '100' }), { alive: true, procStart: '100' }, 'running', undefined],
    ['Linux: the PID now belongs to a process started later', holder({ bootId: 'boot-b', procStart: '100' }), { alive: true, procStart: '9000' }, 'gone', undefined],
    ['Linux: written before a restart', holder({ bootId: 'boot-a', procStart: '100' }), { alive: true, procStart: '100' }, 'gone', undefined],
    ['no /proc: booted an hour earlier, so written before a restart', holder({ bootedAt: here.bootedAt - 3_600_000 }), { alive: true }, 'gone', undefined],
    ['no /proc: the same boot, within the clock\'s drift: cannot be shown', holder({ bootedAt: here.bootedAt + 2_000 }), { alive: true }, 'unproven', 6 * 3_600_000],
    ['a lock of an older version (PID only), its PID alive', holder(), { alive: true, procStart: '100' }, 'unproven', 6 * 3_600_000],
  ] as const)('%s: %s', (_, h, owner, kind, afterMs) => {
    const v = judgeLock(h, here, owner);
    expect(v.kind).toBe(kind);
    expect(v.kind === 'unproven' ? v.afterMs : undefined).toBe(afterMs);
  });

  it('this process, as its own lock names it, is judged a live run', () => {
    const me = ownHolder(STARTED);
    expect(judgeLock(me, thisMachine(), { alive: true, ...(procStartOf(process.pid) ? { procStart: procStartOf(process.pid)! } : {}) })).toEqual({ kind: 'running' });
  });
});

/** A live process that is not procapita-sync, whose PID a lock can name. */
function sleeper(): { pid: number; stop(): void } {
  const child = spawn('sleep', ['600']);
  return { pid: child.pid!, stop: () => void child.kill() };
}

describe('a damaged lock, or one whose PID now belongs to another process', () => {
  const sleeping = sleeper();
  afterAll(() => sleeping.stop());
  const mine = ownHolder(STARTED);
  /** A lock of this version naming the sleeping process, with the start it would have had: its PID was reused. */
  const reused = (): LockHolder => ({ ...mine, pid: sleeping.pid, startedAt: '2026-08-31T02:00:00.000Z', ...(mine.procStart ? { procStart: '1' } : { bootedAt: mine.bootedAt! - 86_400_000 }) });

  it.each([
    ['zero-byte', '', 10, 'the lock file cannot be read (empty or damaged)', 'another process'],
    ['truncated', JSON.stringify(mine).slice(0, 20), 10, 'the lock file cannot be read (empty or damaged)', 'another process'],
    ['garbage', '\u0000\u0000\u0000 not a lock', 10, 'the lock file cannot be read (empty or damaged)', 'another process'],
    ['JSON, but not a lock', '{"pid":"x"}', 10, 'the lock file cannot be read (empty or damaged)', 'another process'],
  ])('%s: refused (exit 13) until it is %i minutes old, saying when; then taken over', async (_, text, minutes, why, who) => {
    const { state, file, read } = setup(text);
    const err = await refusal(acquireRunLock(state, STARTED));
    expect(err.exitCode).toBe(13);
    const from = new Date(statMs(file) + minutes * 60_000).toISOString();
    expect(secondsOld(err.message)).toBe(
      `Another run may be in progress (${who}: ${why}); this one did nothing. The lock is N s old; a run takes it over from ${from} (when it is ${minutes} min old). If no run is going on, delete ${file}.`,
    );
    expect(readFileSync(file, 'utf8')).toBe(text);
    const l = (await inspectRunLock(state))!;
    expect(secondsOld(describeLock(l, Date.now()))).toBe(`A run lock is in the way: the lock ${file}; ${why}. It is N s old, and a run takes it over from ${from} (when it is ${minutes} min old).`);

    age(file, minutes - 1);
    expect((await refusal(acquireRunLock(state, STARTED))).code).toBe('alreadyRunning');
    age(file, minutes + 1);
    const later = (await inspectRunLock(state))!;
    expect(describeLock(later, Date.now())).toBe(`A run lock is in the way: the lock ${file}; ${why}. It is ${minutes + 1} min old, and the next run takes it over.`);
    const lock = await acquireRunLock(state, STARTED);
    expect(lock.tookOver).toMatchObject({ file, verdict: { kind: 'unproven' } });
    expect(read()).toMatchObject(me());
    await lock.release();
    expect(readdirSync(state)).toEqual([]);
  });

  it('a lock of this version whose PID now belongs to a live, unrelated process: taken over at once', async () => {
    const { state, read } = setup(reused());
    const lock = await acquireRunLock(state, STARTED);
    const why = mine.procStart ? 'its process id now belongs to another process' : 'the computer has restarted since';
    expect(lock.tookOver).toMatchObject({ holder: reused(), verdict: { kind: 'gone', why } });
    expect(read()).toMatchObject(me());
    await lock.release();
  });

  it('a lock of an older version (PID, host, start only) naming a live, unrelated process: refused until it is 6 hours old, then taken over', async () => {
    const old: LockHolder = { pid: sleeping.pid, host: hostname(), startedAt: '2026-08-31T02:00:00.000Z' };
    const { state, file } = setup(old);
    const err = await refusal(acquireRunLock(state, STARTED));
    expect(err.exitCode).toBe(13);
    const from = new Date(statMs(file) + 6 * 3_600_000).toISOString();
    expect(secondsOld(err.message)).toBe(
      `Another run may be in progress (process ${sleeping.pid} on ${hostname()}, started 2026-08-31T02:00:00.000Z: a process ${sleeping.pid} is running, but it cannot be shown to be that run); this one did nothing. The lock is N s old; a run takes it over from ${from} (when it is 6 h old). If no run is going on, delete ${file}.`,
    );
    age(file, 5 * 60 + 59);
    expect((await refusal(acquireRunLock(state, STARTED))).code).toBe('alreadyRunning');
    age(file, 6 * 60 + 1);
    const lock = await acquireRunLock(state, STARTED);
    expect(lock.tookOver).toMatchObject({ holder: old, verdict: { kind: 'unproven' } });
    await lock.release();
  });
});

describe('two runs taking over one stale lock at once', () => {
  /**
   * B takes over the stale lock. While B renames its own lock over it, A
   * starts: the lock path is never empty and B holds the takeover file, so A
   * is refused. Just after, C starts and finds B's lock.
   */
  it('a run that starts during a takeover is refused, and so is one that comes just after: at most one run holds the lock', async () => {
    const { state } = setup(stale());
    const holders: string[] = [];
    const attempt = (name: string, at: string) =>
      acquireRunLock(state, new Date(at), alive).then(
        (lock) => (holders.push(name), lock),
        (err: AppError) => {
          if (err.code !== 'alreadyRunning') throw err;
          return undefined;
        },
      );
    let a: Promise<RunLock | undefined> | undefined;
    let c: Promise<RunLock | undefined> | undefined;
    around.before = async () => {
      a = attempt('A', '2026-09-01T02:00:01Z');
      await a;
    };
    around.after = async () => {
      c = attempt('C', '2026-09-01T02:00:02Z');
      await c;
    };
    await attempt('B', '2026-09-01T02:00:00Z');
    // Had the rename not been reached, A and C still try, after B.
    a ??= attempt('A', '2026-09-01T02:00:01Z');
    await a;
    c ??= attempt('C', '2026-09-01T02:00:02Z');
    await c;
    expect(holders, 'the runs that hold the lock').toHaveLength(1);
  });

  /**
   * B reads the stale lock and decides to take it over; before B holds the
   * takeover file, another run has already replaced the lock with its own.
   * B must check again and stand aside, not replace a fresh lock.
   */
  it('a run that judged the lock stale checks again before replacing it, and stands aside for a fresh one', async () => {
    const { state, file, read } = setup(stale());
    const fresh = { pid: process.pid, host: hostname(), startedAt: '2026-09-01T02:00:01.000Z' };
    around.writeOnly = '.takeover';
    around.write = async () => writeFileSync(file, JSON.stringify(fresh));
    const err = await refusal(acquireRunLock(state, STARTED, alive));
    expect(err.code).toBe('alreadyRunning');
    expect(err.message).toBe(`Another run is starting at the same moment and taking over the stale lock ${file}; this one did nothing.`);
    expect(read()).toEqual(fresh);
    expect(readdirSync(state)).toEqual(['run.lock']);
  });

  it('a takeover file left by a run that died in that moment is cleared after a minute', async () => {
    const { state, file } = setup(stale());
    const mutex = `${file}.takeover`;
    writeFileSync(mutex, '{}');
    expect((await refusal(acquireRunLock(state, STARTED, alive))).code).toBe('alreadyRunning');
    expect(existsSync(mutex)).toBe(true);
    const old = new Date(Date.now() - 61_000);
    utimesSync(mutex, old, old);
    expect((await refusal(acquireRunLock(state, STARTED, alive))).code).toBe('alreadyRunning');
    expect(existsSync(mutex)).toBe(false);
    const lock = await acquireRunLock(state, STARTED, alive);
    expect(lock.tookOver?.holder?.pid).toBe(DEAD);
    await lock.release();
  });
});

/** A process that has ended: its PID is free, as after a power cut. */
function deadPid(): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => done(child.pid!));
  });
}

/**
 * Eight real processes (test/ops/lock-holder.ts), loaded once, then told to
 * take the lock at the same moment, round after round. Each round starts
 * from an empty state folder, or one holding the lock of a dead process.
 */
describe('eight processes started together', () => {
  const ROUNDS = 20;
  const state = join(tempDir(), 'state');
  let racers: ChildProcessWithoutNullStreams[] = [];
  let exited: Promise<number | null>[] = [];
  let lines: AsyncIterator<string>[] = [];
  let dead = 0;
  /** The next line of every racer. */
  const next = () => Promise.all(lines.map(async (l) => ((await l.next()).value as string | undefined) ?? '(ended)'));

  beforeAll(async () => {
    dead = await deadPid();
    mkdirSync(state);
    racers = Array.from({ length: 8 }, () => spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/ops/lock-holder.ts'), state], { cwd: ROOT }));
    exited = racers.map((r) => new Promise<number | null>((done) => r.on('exit', (code) => done(code))));
    lines = racers.map((r) => createInterface({ input: r.stdout })[Symbol.asyncIterator]());
    expect(await next()).toEqual(Array(8).fill('READY'));
  }, 60_000);

  afterAll(async () => {
    for (const r of racers) r.stdin.end();
    expect(await Promise.all(exited)).toEqual(Array(8).fill(0));
  });

  /** One race: what each racer printed, and whose PID the lock file named while they held it. */
  async function race(start: 'empty' | 'stale'): Promise<{ results: string[]; lockPid: number | undefined; left: string[] }> {
    for (const f of readdirSync(state)) rmSync(join(state, f));
    if (start === 'stale') writeFileSync(join(state, 'run.lock'), JSON.stringify({ pid: dead, host: hostname(), startedAt: '2026-08-31T02:00:00.000Z' }));
    for (const r of racers) r.stdin.write('go\n');
    const results = await next();
    const lockPid = existsSync(join(state, 'run.lock')) ? (JSON.parse(readFileSync(join(state, 'run.lock'), 'utf8')) as LockHolder).pid : undefined;
    for (const r of racers) r.stdin.write('release\n');
    expect(await next()).toEqual(Array(8).fill('RELEASED'));
    return { results, lockPid, left: readdirSync(state) };
  }

  function expectOneWinner(rounds: Awaited<ReturnType<typeof race>>[]) {
    const wrong = rounds.map((r, i) => ({ round: i + 1, ...r })).filter((r) => r.results.filter((x) => x.startsWith('OK')).length !== 1 || r.results.filter((x) => x === '13').length !== 7);
    expect(wrong, 'rounds without exactly one winner and seven refused').toEqual([]);
    for (const r of rounds) {
      expect(r.lockPid).toBe(racers[r.results.findIndex((x) => x.startsWith('OK'))]!.pid);
      // Released, and no lock left moved aside.
      expect(r.left).toEqual([]);
    }
  }

  it(`with no lock: in each of ${ROUNDS} rounds exactly one gets it, the seven others get alreadyRunning (exit 13)`, async () => {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await race('empty'));
    expectOneWinner(rounds);
    expect(rounds.every((r) => r.results.includes('OK'))).toBe(true);
  });

  it(`on the stale lock of a dead process: in each of ${ROUNDS} rounds exactly one gets it, the seven others get alreadyRunning (exit 13)`, async () => {
    const rounds = [];
    for (let i = 0; i < ROUNDS; i++) rounds.push(await race('stale'));
    expectOneWinner(rounds);
  });
});
