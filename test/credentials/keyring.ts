/**
 * A real Secret Service for the credential tests: GNOME Keyring on a D-Bus
 * session of its own. Each keyring() is a fresh, empty keyring in its own
 * folder (HOME, XDG_DATA_HOME, XDG_RUNTIME_DIR, XDG_CONFIG_HOME), so nothing
 * touches the keyring of whoever runs the tests.
 *
 * dbus-run-session wraps a process, so every call spawns
 *   dbus-run-session -- bash -c '<start and unlock gnome-keyring>; exec "$@"' …
 * and the keyring file in XDG_DATA_HOME carries the secrets from one call to
 * the next, as a login keyring does from one logon to the next.
 *
 * Never skipped: without dbus-run-session or gnome-keyring-daemon the tests
 * fail, locally and in CI (test/run-all.sh installs gnome-keyring, dbus and
 * libsecret-1-0).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../support/cli';

export const KEYRING_TOOLS = ['dbus-run-session', 'gnome-keyring-daemon'] as const;

/** Throws, with what to install, when a tool is missing. Never a reason to skip. */
export function requireKeyringTools(): void {
  const missing = KEYRING_TOOLS.filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `The credential tests need a real Secret Service, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not installed. Install the Debian packages gnome-keyring, dbus and libsecret-1-0 (test/run-all.sh does).${process.env.CI === 'true' ? ' CI=true: these tests never skip.' : ''}`,
    );
  }
}

export interface KeyringResult {
  readonly code: number;
  readonly stdout: string;
  /** The command's own standard error. */
  readonly stderr: string;
  /** What dbus-daemon and gnome-keyring-daemon said, kept apart from the command's output. */
  readonly session: string;
}

export interface RunOptions {
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface Keyring {
  readonly dir: string;
  /** Runs a command on a fresh D-Bus session with this keyring unlocked. */
  run(command: readonly string[], o?: RunOptions): Promise<KeyringResult>;
  /** The CLI as `npm start` runs it (node --import tsx src/cli/main.ts), in this keyring's session. */
  cli(args: readonly string[], o?: RunOptions): Promise<KeyringResult>;
}

// The unlock password comes on gnome-keyring-daemon's standard input; the command's
// standard error goes to fd 3, so that dbus-daemon's own notices stay out of it.
const SESSION = [
  'set -eo pipefail',
  'printf %s "$TEST_KEYRING_UNLOCK" | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
  'unset TEST_KEYRING_UNLOCK',
  'exec "$@" 2>&3 3>&-',
].join('\n');

export function spawnCollect(file: string, args: readonly string[], env: NodeJS.ProcessEnv, o: RunOptions = {}, fd3 = false): Promise<KeyringResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: fd3 ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'] });
    const out: Record<'stdout' | 'stderr' | 'session', Buffer[]> = { stdout: [], stderr: [], session: [] };
    child.stdout!.on('data', (b: Buffer) => out.stdout.push(b));
    if (fd3) {
      child.stderr!.on('data', (b: Buffer) => out.session.push(b));
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => out.stderr.push(b));
    } else child.stderr!.on('data', (b: Buffer) => out.stderr.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const text = (k: keyof typeof out) => Buffer.concat(out[k]).toString('utf8');
      resolve({ code: code ?? (signal ? 1 : 0), stdout: text('stdout'), stderr: text('stderr'), session: text('session') });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(o.input ?? '');
  });
}

/** The environment a spawned CLI gets: the test's own, without its session bus. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return env;
}

export const CLI = ['node', '--import', 'tsx', join(ROOT, 'src/cli/main.ts')] as const;

/** A fresh, empty keyring. */
export function keyring(): Keyring {
  requireKeyringTools();
  const dir = tempDir('procapita-sync-keyring-');
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const base = {
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_RUNTIME_DIR: runtime,
    TEST_KEYRING_UNLOCK: 'keyring-unlock-password',
    DBUS_SESSION_BUS_ADDRESS: undefined,
    DISPLAY: undefined,
  };
  const run: Keyring['run'] = (command, o = {}) =>
    spawnCollect('dbus-run-session', ['--', 'bash', '-c', SESSION, 'keyring-session', ...command], cleanEnv({ ...o.env, ...base }), o, true);
  return { dir, run, cli: (args, o) => run([...CLI, ...args], o) };
}
