/**
 * One run at a time: a lock file in the state folder holding the PID, the
 * host and the start time. A lock whose process is gone (killed, power cut)
 * is taken over; the caller logs that.
 */
import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileErrorReason } from './atomic-file';
import { AppError } from './errors';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export interface RunLock {
  /** The stale lock this run took over, if any. */
  readonly tookOver?: LockHolder;
  release(): Promise<void>;
}

/** Whether a process with this PID exists on this machine. EPERM means it does, run by someone else. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const x = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return Number.isInteger(x.pid) ? x : undefined;
  } catch {
    return undefined;
  }
}

const same = (a: LockHolder, b: LockHolder) => a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

export async function acquireRunLock(stateDir: string, startedAt: Date, alive = processAlive): Promise<RunLock> {
  const file = join(stateDir, 'run.lock');
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: startedAt.toISOString() };
  const cannot = (err: unknown) =>
    new AppError('outputFailed', `Cannot create the run lock in the state folder ${stateDir}: ${fileErrorReason(err)}. Check the folder's permissions (stateDir).`);
  try {
    await mkdir(stateDir, { recursive: true });
  } catch (err) {
    throw cannot(err);
  }
  let tookOver: LockHolder | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      // 'wx': only one process can create the file.
      await writeFile(file, JSON.stringify(me), { flag: 'wx' });
      return {
        ...(tookOver ? { tookOver } : {}),
        release: async () => {
          const holder = await readHolder(file);
          if (holder && same(holder, me)) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(err);
    }
    const holder = await readHolder(file);
    // A lock being written right now reads as empty: its writer is alive.
    if (!holder || holder.host !== me.host || alive(holder.pid)) {
      const who = holder ? `process ${holder.pid} on ${holder.host}, started ${holder.startedAt}` : 'another process';
      throw new AppError(
        'alreadyRunning',
        `Another run is in progress (${who}); this one did nothing. If no run is going on, delete ${file}.`,
      );
    }
    // Stale. Move it aside under a name of our own: of two runs doing this at once, one rename wins.
    const aside = `${file}.stale-${process.pid}`;
    try {
      await rename(file, aside);
    } catch {
      continue; // someone else moved it; try to create ours again
    }
    const moved = await readHolder(aside);
    if (moved && !same(moved, holder)) {
      // We moved a fresh lock a faster run had just taken: give it back and stand aside.
      await link(aside, file).catch(() => undefined);
      await rm(aside, { force: true });
      throw new AppError('alreadyRunning', `Another run started at the same moment (process ${moved.pid}); this one did nothing.`);
    }
    await rm(aside, { force: true });
    tookOver = holder;
  }
  throw new AppError('alreadyRunning', `Could not take the run lock ${file}: other runs keep taking it. Try again later.`);
}

/** The run holding the lock now, if its process is alive: for `status`. */
export async function currentRun(stateDir: string, alive = processAlive): Promise<LockHolder | undefined> {
  const holder = await readHolder(join(stateDir, 'run.lock'));
  return holder && (holder.host !== hostname() || alive(holder.pid)) ? holder : undefined;
}
