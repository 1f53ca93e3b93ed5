import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type Io } from '../../src/cli/program';
import type { SecretName, SecretStore } from '../../src/configure/credentials';
import { parseConfig, type RuleConfig } from '../../src/configure/config';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DEMO_CONFIG = join(ROOT, 'assets/demo/config.json');
export const DEMO_FIXTURE = join(ROOT, 'assets/demo/municipality.json');
export const DEMO_DATE = '2026-09-01';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type MemoryStore = SecretStore & { readonly values: Partial<Record<SecretName, string>>; readonly reads: SecretName[]; readonly writes: SecretName[]; probes: number };

/** The credential store, in memory: what a test puts in it, and every read and write. `unusable`: the store's error, for every call. */
export function memoryStore(values: Partial<Record<SecretName, string>> = {}, unusable?: () => Error): MemoryStore {
  const reads: SecretName[] = [];
  const writes: SecretName[] = [];
  const check = () => {
    if (unusable) throw unusable();
  };
  return {
    values,
    reads,
    writes,
    probes: 0,
    async probe() {
      this.probes++;
      check();
    },
    get: async (name) => {
      check();
      reads.push(name);
      return values[name];
    },
    set: async (name, value) => {
      check();
      writes.push(name);
      values[name] = value;
    },
    delete: async (name) => {
      check();
      const had = values[name] !== undefined;
      delete values[name];
      return had;
    },
  };
}

/**
 * Runs the CLI in-process with captured output, as a user would see it.
 * The clock is virtual: waiting between upload attempts moves it on at once.
 * Secrets come from `env` or an in-memory store, never the machine's keyring.
 */
export async function runCli(
  args: readonly string[],
  now = new Date('2026-09-01T10:00:00Z'),
  env: NodeJS.ProcessEnv = {},
  more: Partial<Io> = {},
): Promise<CliResult & { waits: number[] }> {
  let stdout = '';
  let stderr = '';
  let clock = now.getTime();
  const waits: number[] = [];
  const code = await main(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: () => new Date(clock),
    env,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    secrets: memoryStore(),
    ...more,
  });
  return { code, stdout, stderr, waits };
}

export interface SpawnOptions {
  /** Added to the test process's own environment (PATH and the like stay). */
  readonly env?: NodeJS.ProcessEnv;
}

/** How a spawned CLI ended; `signal` only when a signal ended it (the exit code is then 1). */
export type SpawnResult = CliResult & { readonly signal?: NodeJS.Signals };

/** The end of a spawned CLI, and the child itself, e.g. to kill it mid-run. */
export type SpawnedCli = Promise<SpawnResult> & { readonly child: ChildProcess };

/** Runs the CLI as a real process through tsx, exactly as `npm start` does. */
export function spawnCli(args: readonly string[], o: SpawnOptions = {}): SpawnedCli {
  let child: ChildProcess | undefined;
  const ended = new Promise<SpawnResult>((done) => {
    const options = { cwd: ROOT, ...(o.env ? { env: { ...process.env, ...o.env } } : {}) };
    child = execFile(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], options, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      const signal = err?.signal ?? undefined;
      done({ code, stdout, stderr, ...(signal ? { signal } : {}) });
    });
  });
  return Object.assign(ended, { child: child! });
}

export function tempDir(prefix = 'procapita-sync-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function demoFixture(): Record<string, Record<string, unknown>[]> {
  return JSON.parse(readFileSync(DEMO_FIXTURE, 'utf8')) as Record<string, Record<string, unknown>[]>;
}

/** Text as Windows saves "Unicode" (Notepad, Excel's "Unicode text"): UTF-16 with a byte-order mark, little-endian unless said, CRLF. */
export function utf16(text: string, o: { bigEndian?: boolean; bom?: boolean } = {}): Buffer {
  const body = Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf16le');
  if (o.bigEndian) body.swap16();
  return o.bom === false ? body : Buffer.concat([Buffer.from(o.bigEndian ? [0xfe, 0xff] : [0xff, 0xfe]), body]);
}

/** Writes a fixture and a configuration for it into a fresh folder; returns the config path. */
export function writeSetup(fixture: unknown, config: Record<string, unknown> = {}): { dir: string; configPath: string } {
  const dir = tempDir();
  writeFileSync(join(dir, 'municipality.json'), JSON.stringify(fixture));
  const demo = JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')) as Record<string, unknown>;
  const configPath = join(dir, 'config.json');
  // State and logs stay in the test's own folder.
  writeFileSync(configPath, JSON.stringify({ ...demo, source: { type: 'fixture', path: 'municipality.json' }, stateDir: 'state', logDir: 'logs', ...config }));
  return { dir, configPath };
}

/** The text of the one snapshot file `run --out DIR` wrote, or null when there is none. */
export function snapshotText(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /^[0-9a-f]{64}\.json$/.test(f));
  if (files.length > 1) throw new Error(`more than one snapshot in ${dir}`);
  return files[0] ? readFileSync(join(dir, files[0]), 'utf8') : null;
}

/** The rules of the demo configuration (assets/demo/config.json). */
export function demoRules(): RuleConfig {
  return parseConfig(JSON.parse(readFileSync(DEMO_CONFIG, 'utf8')), DEMO_CONFIG).rules;
}

/** NODE_TLS_REJECT_UNAUTHORIZED=0, as an admin or an installer might leave it in the environment. */
export const TLS_CHECKS_OFF = { NODE_TLS_REJECT_UNAUTHORIZED: '0' } as const;

/**
 * Runs `body` with TLS_CHECKS_OFF in process.env, where Node's TLS default reads it (runCli's
 * `env` is only what procapita-sync's own code sees), and puts the environment back after.
 */
export async function withTlsChecksOff<T>(body: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = TLS_CHECKS_OFF.NODE_TLS_REJECT_UNAUTHORIZED;
  try {
    return await body();
  } finally {
    if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
  }
}
