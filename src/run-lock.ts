/**
 * One run at a time: a lock file in the state folder holding the PID, the
 * host, the start time and what tells this process apart from a later one
 * with the same PID (the boot and the process's own start). A lock whose
 * process is gone (killed, power cut) is taken over at once; one that cannot
 * be read, or whose owner cannot be shown to be a live procapita-sync, once
 * it is older than a set age. The caller logs the takeover.
 */
import { readFileSync } from 'node:fs';
import { link, readFile, rm, stat } from 'node:fs/promises';
import { hostname, uptime } from 'node:os';
import { join } from 'node:path';
import { fileErrorAdvice, fileErrorReason, makePrivateFolder, writeFileAtomically, writePrivateFile } from './atomic-file';
import { AppError } from './errors';
import { given, ours, safe, type SafeText } from './safe-text';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Linux: /proc/sys/kernel/random/boot_id, one id per boot. */
  readonly bootId?: string;
  /** Linux: field 22 of /proc/PID/stat, the process's start in clock ticks since boot. */
  readonly procStart?: string;
  /** When the machine booted (ms since 1970, from the clock and the uptime): for systems without /proc. */
  readonly bootedAt?: number;
}

/** An unreadable lock (empty, cut short, not JSON) is taken over once it is this old: writing one takes a moment. */
export const UNREADABLE_LOCK_MS = 10 * 60_000;
/**
 * A lock whose process is running but cannot be shown to be procapita-sync
 * (another host, a lock of an older version, no /proc on Windows) is taken
 * over once it is this old: far longer than a night's run, which takes
 * minutes and whose upload retries end at deadlineSeconds (10 min by default).
 */
export const UNPROVEN_LOCK_MS = 6 * 3_600_000;
/** Boot times read from the clock and the uptime drift by seconds; a restart moves them by much more. */
const BOOT_TOLERANCE_MS = 5 * 60_000;

/** This machine now. */
export interface Machine {
  readonly host: string;
  readonly bootId?: string;
  readonly bootedAt: number;
}

/** The process a lock names, as seen on this machine now. */
export interface Owner {
  readonly alive: boolean;
  /** Linux only: its start in clock ticks since boot; undefined when there is no /proc or it is gone. */
  readonly procStart?: string;
}

export type LockVerdict =
  /** A live procapita-sync holds it: never taken over. */
  | { readonly kind: 'running' }
  /** Its process is gone: taken over at once. `why` is empty when it simply no longer exists. */
  | { readonly kind: 'gone'; readonly why?: SafeText }
  /** Unreadable, or not provably a live run: taken over once the file is `afterMs` old. */
  | { readonly kind: 'unproven'; readonly why: SafeText; readonly afterMs: number };

/** Whether a lock's owner is alive and is procapita-sync, from facts gathered at the edge. */
export function judgeLock(holder: LockHolder | undefined, here: Machine, owner: Owner): LockVerdict {
  if (!holder) return { kind: 'unproven', why: safe`the lock file cannot be read (empty or damaged)`, afterMs: UNREADABLE_LOCK_MS };
  if (holder.host !== here.host) return { kind: 'unproven', why: safe`it is on another computer, where this run cannot check it`, afterMs: UNPROVEN_LOCK_MS };
  if (!owner.alive) return { kind: 'gone' };
  if (holder.bootId && here.bootId) {
    if (holder.bootId !== here.bootId) return { kind: 'gone', why: safe`the computer has restarted since` };
    if (holder.procStart && owner.procStart) return holder.procStart === owner.procStart ? { kind: 'running' } : { kind: 'gone', why: safe`its process id now belongs to another process` };
  } else if (holder.bootedAt !== undefined && Math.abs(here.bootedAt - holder.bootedAt) > BOOT_TOLERANCE_MS) {
    return { kind: 'gone', why: safe`the computer has restarted since` };
  }
  return { kind: 'unproven', why: safe`a process ${holder.pid} is running, but it cannot be shown to be that run`, afterMs: UNPROVEN_LOCK_MS };
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

const readOr = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

/** Field 22 of /proc/PID/stat; the name in field 2 may hold spaces and parentheses, so count from the last ')'. */
export function procStartOf(pid: number): string | undefined {
  const text = readOr(`/proc/${pid}/stat`);
  return text?.slice(text.lastIndexOf(')') + 2).split(' ')[19];
}

export function thisMachine(): Machine {
  const bootId = readOr('/proc/sys/kernel/random/boot_id')?.trim();
  return { host: hostname(), bootedAt: Math.round(Date.now() - uptime() * 1000), ...(bootId ? { bootId } : {}) };
}

function ownerOf(holder: LockHolder | undefined, alive: (pid: number) => boolean): Owner {
  if (!holder) return { alive: false };
  const procStart = procStartOf(holder.pid);
  return { alive: alive(holder.pid), ...(procStart ? { procStart } : {}) };
}

/** The lock file as found: its text, its age, and the holder when it reads as one. */
interface Found {
  readonly text: string;
  readonly mtimeMs: number;
  readonly holder?: LockHolder;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const x = JSON.parse(text) as LockHolder | null;
    return x && Number.isInteger(x.pid) && typeof x.host === 'string' && typeof x.startedAt === 'string' ? x : undefined;
  } catch {
    return undefined;
  }
}

async function readLock(file: string): Promise<Found | undefined> {
  try {
    const [text, s] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const holder = parseHolder(text);
    return { text, mtimeMs: s.mtimeMs, ...(holder ? { holder } : {}) };
  } catch {
    return undefined;
  }
}

/** A lock as `status` and a starting run see it. */
export interface LockState {
  readonly file: string;
  readonly holder?: LockHolder;
  readonly ageMs: number;
  readonly verdict: LockVerdict;
  /** When a run may take it over (ms since 1970); undefined while a live run holds it. */
  readonly takeOverAt?: number;
}

function stateOf(file: string, found: Found, alive: (pid: number) => boolean, now: number): LockState {
  const verdict = judgeLock(found.holder, thisMachine(), ownerOf(found.holder, alive));
  // A gone owner's lock is free at once: mtimeMs has fractions of a millisecond and may lie past `now` (Date.now(), whole ones) when the file is fresh.
  const takeOverAt = verdict.kind === 'gone' ? Math.min(found.mtimeMs, now) : verdict.kind === 'unproven' ? found.mtimeMs + verdict.afterMs : undefined;
  return { file, ageMs: Math.max(0, now - found.mtimeMs), verdict, ...(found.holder ? { holder: found.holder } : {}), ...(takeOverAt !== undefined ? { takeOverAt } : {}) };
}

/** "40 s", "12 min", "6 h 5 min": a lock's age for the admin. */
export function duration(ms: number): SafeText {
  const s = Math.floor(ms / 1000);
  if (s < 60) return safe`${s} s`;
  const min = Math.floor(s / 60);
  if (min < 120) return safe`${min} min`;
  return min % 60 === 0 ? safe`${Math.floor(min / 60)} h` : safe`${Math.floor(min / 60)} h ${min % 60} min`;
}

const at = (ms: number) => ours(new Date(ms).toISOString());
// The lock file is ours: a process id, this machine's name and a time.
const named = (h: LockHolder) => safe`process ${h.pid} on ${given(h.host)}, started ${given(h.startedAt)}`;

/** One line for `status`: who holds the lock, how old it is, and whether it would be taken over. */
export function describeLock(l: LockState, now: number): SafeText {
  const v = l.verdict;
  const who = l.holder ? named(l.holder) : safe`the lock ${given(l.file)}`;
  const age = duration(l.ageMs);
  if (v.kind === 'running') return safe`A run is going on now: ${who}; its lock is ${age} old, and is not taken over while that process runs.`;
  if (v.kind === 'gone') return safe`A run lock is left by ${who}, which is no longer running${v.why ? safe` (${v.why})` : ''}; it is ${age} old, and the next run takes it over.`;
  const when = l.takeOverAt! <= now ? safe`the next run takes it over` : safe`a run takes it over from ${at(l.takeOverAt!)} (when it is ${duration(v.afterMs)} old)`;
  return safe`A run lock is in the way: ${who}; ${v.why}. It is ${age} old, and ${when}.`;
}

/** A lock this run took over: for the warning in the log. */
export interface TakenOver {
  readonly file: string;
  readonly holder?: LockHolder;
  readonly ageMs: number;
  readonly verdict: Exclude<LockVerdict, { kind: 'running' }>;
}

export function takeoverMessage(t: TakenOver): SafeText {
  const v = t.verdict;
  if (v.kind === 'gone' && t.holder) return safe`Took over the run lock of process ${t.holder.pid}, started ${given(t.holder.startedAt)}, which is no longer running${v.why ? safe` (${v.why})` : ''}.`;
  const who = t.holder ? safe`the run lock of ${named(t.holder)}` : safe`the run lock ${given(t.file)}`;
  return safe`Took over ${who}: ${v.kind === 'unproven' ? v.why : safe`its process is gone`}, and the lock was ${duration(t.ageMs)} old.`;
}

export interface RunLock {
  /** The lock this run took over, if any. */
  readonly tookOver?: TakenOver;
  release(): Promise<void>;
}

const same = (a: LockHolder, b: LockHolder) => a.pid === b.pid && a.host === b.host && a.startedAt === b.startedAt;

const release = (file: string, me: LockHolder) => async () => {
  const found = await readLock(file);
  if (found?.holder && same(found.holder, me)) await rm(file, { force: true });
};

/** Held only for the moment of a takeover; one older than this was left by a run that died in that moment. */
const TAKEOVER_STALE_MS = 60_000;

/**
 * Replaces a lock judged stale with ours. The path is never empty meanwhile
 * (a rename over it), and a second file taken with 'wx' lets only one run do
 * it at a time; that run checks the lock is still the same file (text and
 * time) before it acts.
 */
async function takeOver(file: string, stale: Found, me: LockHolder): Promise<void> {
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
    const still = await readLock(file);
    if (!still || still.text !== stale.text || still.mtimeMs !== stale.mtimeMs) throw busy();
    await writeFileAtomically(file, JSON.stringify(me));
  } finally {
    await rm(mutex, { force: true });
  }
}

/** Who this process is, as its lock says. */
export function ownHolder(startedAt: Date): LockHolder {
  const m = thisMachine();
  const procStart = procStartOf(process.pid);
  const identity = m.bootId && procStart ? { bootId: m.bootId, procStart } : { bootedAt: m.bootedAt };
  return { pid: process.pid, host: m.host, startedAt: startedAt.toISOString(), ...identity };
}

/**
 * Creates the lock with its content in one step, or fails with EEXIST when there is one: written aside,
 * then hard-linked into place. Created empty and then written, a run starting in the same instant could
 * read it empty and report a damaged lock. Where the disk has no hard links, 'wx' creates it (only one
 * process can), and is written at once.
 */
async function createLock(file: string, text: string): Promise<void> {
  // Its own name: runs of one process (the tests) and a takeover's temporary file must not share it.
  const aside = `${file}.${process.pid}.${process.getBuiltinModule('node:crypto').randomUUID()}.new`;
  try {
    await writePrivateFile(aside, text);
    try {
      await link(aside, file);
    } catch (err) {
      if (!['EPERM', 'ENOTSUP', 'ENOSYS', 'EINVAL'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await writePrivateFile(file, text, { exclusive: true });
    }
  } finally {
    await rm(aside, { force: true }).catch(() => undefined);
  }
}

export async function acquireRunLock(stateDir: string, startedAt: Date, alive = processAlive): Promise<RunLock> {
  const file = join(stateDir, 'run.lock');
  const me = ownHolder(startedAt);
  const cannot = (err: unknown) =>
    new AppError('outputFailed', safe`Cannot create the run lock in the state folder ${given(stateDir)}: ${fileErrorReason(err)}. ${fileErrorAdvice(err, safe`stateDir`)}.`);
  try {
    await makePrivateFolder(stateDir);
  } catch (err) {
    throw cannot(err);
  }
  try {
    await createLock(file, JSON.stringify(me));
    return { release: release(file, me) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw cannot(err);
  }
  const found = await readLock(file);
  const now = Date.now();
  const lock = found && stateOf(file, found, alive, now);
  if (!lock || lock.takeOverAt === undefined || lock.takeOverAt > now) {
    const holder = lock?.holder;
    const who = holder ? named(holder) : safe`another process`;
    if (!lock || lock.verdict.kind !== 'unproven') throw new AppError('alreadyRunning', safe`Another run is in progress (${who}); this one did nothing. If no run is going on, delete ${given(file)}.`);
    const v = lock.verdict;
    throw new AppError(
      'alreadyRunning',
      safe`Another run may be in progress (${who}: ${v.why}); this one did nothing. The lock is ${duration(lock.ageMs)} old; a run takes it over from ${at(lock.takeOverAt!)} (when it is ${duration(v.afterMs)} old). If no run is going on, delete ${given(file)}.`,
    );
  }
  try {
    await takeOver(file, found!, me);
  } catch (err) {
    throw err instanceof AppError ? err : cannot(err);
  }
  const tookOver: TakenOver = { file, ageMs: lock.ageMs, verdict: lock.verdict as TakenOver['verdict'], ...(lock.holder ? { holder: lock.holder } : {}) };
  return { tookOver, release: release(file, me) };
}

/** The lock in the state folder now, if there is one: for `status`. */
export async function inspectRunLock(stateDir: string, alive = processAlive, now = Date.now()): Promise<LockState | undefined> {
  const file = join(stateDir, 'run.lock');
  const found = await readLock(file);
  return found && stateOf(file, found, alive, now);
}

/** The run holding the lock now, unless its process is gone. */
export async function currentRun(stateDir: string, alive = processAlive): Promise<LockHolder | undefined> {
  const l = await inspectRunLock(stateDir, alive);
  return l?.holder && l.verdict.kind !== 'gone' ? l.holder : undefined;
}
