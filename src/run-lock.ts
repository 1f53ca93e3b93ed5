/**
 * One run at a time: a lock file in the state folder holding the PID, the
 * host and the start time. A lock whose process is gone (killed, power cut)
 * is taken over; the caller logs that.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileErrorReason, makePrivateFolder, writeFileAtomically, writePrivateFile } from './atomic-file';
import { AppError } from './errors';
import { given, safe } from './safe-text';

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

const release = (file: string, me: LockHolder) => async () => {
  const holder = await readHolder(file);
  if (holder && same(holder, me)) await rm(file, { force: true });
};

/** Held only for the moment of a takeover; one older than this was left by a run that died in that moment. */
const TAKEOVER_STALE_MS = 60_000;

/**
 * Replaces a stale lock with ours. The path is never empty meanwhile (a
 * rename over it), and a second file taken with 'wx' lets only one run do it
 * at a time; that run checks the lock is still the stale one before it acts.
 */
async function takeOver(file: string, stale: LockHolder, me: LockHolder, releaseMine: () => Promise<void>): Promise<RunLock> {
  const mutex = `${file}.takeover`;
  const busy = () => new AppError('alreadyRunning', safe`Another run is starting at the same moment and taking over the stale lock ${given(file)}; this one did nothing.`);
  try {
    await writePrivateFile(mutex, JSON.stringify(me), { exclusive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const age = await stat(mutex).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > TAKEOVER_STALE_MS) await rm(mutex, { force: true });
    throw busy();
  }
  try {
    const still = await readHolder(file);
    if (!still || !same(still, stale)) throw busy();
    await writeFileAtomically(file, JSON.stringify(me));
    return { tookOver: stale, release: releaseMine };
  } finally {
    await rm(mutex, { force: true });
  }
}

export async function acquireRunLock(stateDir: string, startedAt: Date, alive = processAlive): Promise<RunLock> {
  const file = join(stateDir, 'run.lock');
  const me: LockHolder = { pid: process.pid, host: hostname(), startedAt: startedAt.toISOString() };
  const cannot = (err: unknown) =>
    new AppError('outputFailed', safe`Cannot create the run lock in the state folder ${given(stateDir)}: ${fileErrorReason(err)}. Check the folder's permissions (stateDir).`);
  try {
    await makePrivateFolder(stateDir);
  } catch (err) {
    throw cannot(err);
  }
  try {
    // 'wx': only one process can create the file.
    await writePrivateFile(file, JSON.stringify(me), { exclusive: true });
    return { release: release(file, me) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(err);
  }
  const holder = await readHolder(file);
  // A lock being written right now reads as empty: its writer is alive.
  if (!holder || holder.host !== me.host || alive(holder.pid)) {
    // The lock file is ours: a process id, this machine's name and a time.
    const who = holder ? safe`process ${holder.pid} on ${given(holder.host)}, started ${given(holder.startedAt)}` : 'another process';
    throw new AppError('alreadyRunning', safe`Another run is in progress (${who}); this one did nothing. If no run is going on, delete ${given(file)}.`);
  }
  return takeOver(file, holder, me, release(file, me)).catch((err: unknown) => {
    throw err instanceof AppError ? err : cannot(err);
  });
}

/** The run holding the lock now, if its process is alive: for `status`. */
export async function currentRun(stateDir: string, alive = processAlive): Promise<LockHolder | undefined> {
  const holder = await readHolder(join(stateDir, 'run.lock'));
  return holder && (holder.host !== hostname() || alive(holder.pid)) ? holder : undefined;
}
