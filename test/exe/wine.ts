/**
 * The Windows exe under Wine, for wine.test.ts: a fresh Wine prefix of its
 * own, the exe's standard streams on real files, a console in tmux, and a
 * transcript of what an admin sees. What Wine 8.0 needs differently from
 * Windows is said where it bites.
 */
import { execFile, spawn, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../support/cli';
import { openPane, type Pane } from '../wizard/tmux';
import { WINDOWS_EXE } from './support';

const execFileAsync = promisify(execFile);

export interface WineTools {
  readonly wine64: string;
  readonly wineserver: string;
}

/** wine64 and its wineserver (Debian keeps both in /usr/lib/wine, off PATH); throws, saying what to install, when they are missing. */
export function requireWine(): WineTools {
  const dirs = ['/usr/lib/wine', ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  const wine64 = dirs.map((d) => join(d, 'wine64')).find((p) => existsSync(p));
  // The server of the same installation first: the `wineserver` wrapper picks wineserver64 or wineserver32.
  const wineserver = wine64 && [join(dirname(wine64), 'wineserver'), join(dirname(wine64), 'wineserver64'), ...dirs.map((d) => join(d, 'wineserver'))].find((p) => existsSync(p));
  if (!wine64 || !wineserver) {
    throw new Error(
      `wine64 was not found in ${dirs.join(', ')}: install wine64 (apt-get install --no-install-recommends wine64; npm run test:all does).${process.env.CI === 'true' ? ' CI=true: these tests never skip.' : ''}`,
    );
  }
  return { wine64, wineserver };
}

export interface ExeResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock time of the whole wine64 process, Wine's start-up included. */
  readonly ms: number;
}

export interface ExeOptions {
  /** The working folder: a Linux folder, which the exe sees on drive Z:. */
  readonly cwd: string;
  /** More environment for the exe, e.g. the variables the configuration names for secrets. */
  readonly env?: NodeJS.ProcessEnv;
  /** Standard input, given through a file. */
  readonly stdin?: string;
  readonly timeoutMs?: number;
}

/** A Wine prefix of its own (set to Windows 10: Node refuses older versions), in a scratch folder removed by close(). */
export class WinePrefix {
  private runs = 0;

  private constructor(
    readonly tools: WineTools,
    /** The scratch folder: the prefix, a home folder, the exe's standard streams. */
    readonly dir: string,
    /** `wine64 --version`, e.g. wine-8.0 (Debian 8.0~repack-4). */
    readonly version: string,
  ) {}

  static async create(): Promise<WinePrefix> {
    const tools = requireWine();
    const dir = tempDir('procapita-sync-wine-');
    mkdirSync(join(dir, 'home'));
    const { stdout } = await execFileAsync(tools.wine64, ['--version'], { encoding: 'utf8' });
    const wine = new WinePrefix(tools, dir, stdout.trim());
    try {
      await wine.wineCommand(['wineboot', '--init']);
      await wine.wineCommand(['winecfg', '-v', 'win10']);
      await wine.settle();
    } catch (err) {
      await wine.close();
      throw err;
    }
    return wine;
  }

  get prefix(): string {
    return join(this.dir, 'prefix');
  }

  /**
   * Every Wine process's environment: only what Wine needs, so that nothing of
   * the test runner's (NODE_OPTIONS, a secret) reaches the exe unasked.
   */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(this.dir, 'home'),
      ...(process.env.USER ? { USER: process.env.USER } : {}),
      // The console converts the exe's UTF-16 to the locale's charset: å, ä, ö and ✓ need UTF-8.
      LANG: 'C.UTF-8',
      WINEPREFIX: this.prefix,
      WINEDEBUG: '-all',
      // No Mono or Gecko installer is offered.
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      ...extra,
    };
  }

  /**
   * Runs the exe with its standard streams on files: Wine gives Node EBADF for
   * a pipe, on standard input as on output (the CLI looks at stdin.isTTY at
   * start, so even a pipe nothing is written to fails). No stdin: /dev/null.
   */
  async run(args: readonly string[], o: ExeOptions): Promise<ExeResult> {
    const n = ++this.runs;
    const io = join(this.dir, 'io');
    mkdirSync(io, { recursive: true, mode: 0o700 });
    const files = { in: join(io, `${n}.in`), out: join(io, `${n}.out`), err: join(io, `${n}.err`) };
    if (o.stdin !== undefined) writeFileSync(files.in, o.stdin, { mode: 0o600 });
    const fds = [...(o.stdin !== undefined ? [openSync(files.in, 'r')] : []), openSync(files.out, 'w'), openSync(files.err, 'w')];
    const stdio: StdioOptions = o.stdin !== undefined ? [fds[0], fds[1], fds[2]] : ['ignore', fds[0], fds[1]];
    const started = performance.now();
    try {
      const child = spawn(this.tools.wine64, [WINDOWS_EXE, ...args], { cwd: o.cwd, env: this.env(o.env), stdio });
      const timeoutMs = o.timeoutMs ?? 60_000;
      const end = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve({ code: null, signal: 'SIGKILL', timedOut: true });
        }, timeoutMs);
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, timedOut: false });
        });
      });
      const ms = performance.now() - started;
      const stdout = readFileSync(files.out, 'utf8');
      const stderr = readFileSync(files.err, 'utf8');
      if (end.code === null) {
        const why = end.timedOut ? `did not end within ${timeoutMs / 1000} s` : `was ended by ${end.signal}`;
        throw new Error(`procapita-sync.exe ${args.join(' ')} ${why}.\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      return { code: end.code, stdout, stderr, ms };
    } finally {
      for (const fd of fds) closeSync(fd);
      for (const file of Object.values(files)) rmSync(file, { force: true });
    }
  }

  /**
   * The exe in a console: a tmux pane (200×50, a tmux server of its own) that
   * runs it with exactly this prefix's environment, then shows "[exit N]".
   */
  console(args: readonly string[], cwd: string): Pane {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const assignments = Object.entries(this.env()).map(([k, v]) => quote(`${k}=${v ?? ''}`));
    const script = join(this.dir, `console-${++this.runs}.sh`);
    writeFileSync(
      script,
      [
        `cd ${quote(cwd)}`,
        `env -i "TERM=$TERM" ${assignments.join(' ')} ${quote(this.tools.wine64)} ${quote(WINDOWS_EXE)} ${args.map(quote).join(' ')}`,
        'echo "[exit $?]"',
        'exec sleep 3600',
      ].join('\n'),
    );
    return openPane(`bash ${quote(script)}`, `procapita-sync-wine-${process.pid}-${this.runs}`);
  }

  /** The names of the generic credentials in Wine's Credential Manager (kept in the prefix's user registry), e.g. procapita-sync/sqlPassword. */
  async credentialTargets(): Promise<string[]> {
    await this.settle();
    const registry = readFileSync(join(this.prefix, 'user.reg'), 'utf8');
    return [...registry.matchAll(/^\[Software\\\\Wine\\\\Credential Manager\\\\Generic: ([^\]]+)\]/gm)].map((m) => m[1]!);
  }

  /** Waits until the prefix's wineserver is gone: it writes the registry to the prefix when it ends (Debian's starts it with -p0, so after each run). */
  async settle(): Promise<void> {
    await execFileAsync(this.tools.wineserver, ['-w'], { env: this.env() });
  }

  /** Ends every process of this prefix, then removes the scratch folder and the wineserver's socket folder. */
  async close(): Promise<void> {
    // -k fails when no server is running, which is the usual case here.
    await execFileAsync(this.tools.wineserver, ['-k'], { env: this.env() }).catch(() => undefined);
    await this.settle().catch(() => undefined);
    // Debian's Wine keeps the server's socket in a folder under /tmp named in <prefix>/wineserver.
    const marker = join(this.prefix, 'wineserver');
    const socketDir = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : '';
    if (/^wine-[A-Za-z0-9]+$/.test(socketDir)) rmSync(join(tmpdir(), socketDir), { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async wineCommand(args: readonly string[]): Promise<void> {
    try {
      await execFileAsync(this.tools.wine64, [...args], { env: this.env(), timeout: 90_000 });
    } catch (err) {
      throw new Error(`wine64 ${args.join(' ')} failed in ${this.prefix}: ${(err as Error).message}`);
    }
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * What an admin would see, step by step, for the release note. Secret values
 * never go in: write() refuses a text that holds one.
 */
export class Transcript {
  private readonly blocks: string[] = [];

  constructor(private readonly secrets: readonly string[]) {}

  /** Lines at the top: what was run, on what. */
  note(...lines: string[]): void {
    this.blocks.push(lines.join('\n'));
  }

  /** One command: the line typed, what it printed (standard output, then standard error), the exit code and the time. */
  step(commandLine: string, r: ExeResult, remark?: string): void {
    const lines = [`> ${commandLine}`];
    if (remark) lines.push(`  (${remark})`);
    if (r.stdout) lines.push(r.stdout.trimEnd());
    if (r.stderr) lines.push('--- standard error ---', r.stderr.trimEnd());
    lines.push(`[exit ${r.code} after ${seconds(r.ms)}]`);
    this.blocks.push(lines.join('\n'));
  }

  /** A console session: the command, the screen as captured, and how it ended. */
  screen(commandLine: string, screen: string, ending: string): void {
    const rule = '-'.repeat(40);
    this.blocks.push([`> ${commandLine}`, rule, screen.trimEnd(), rule, ending].join('\n'));
  }

  write(path: string): void {
    const text = `${this.blocks.join('\n\n')}\n`;
    if (this.secrets.some((s) => text.includes(s))) throw new Error(`The transcript holds a secret value; ${path} was not written.`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/** The exe as an admin types it; `<secret on stdin>` for a secret piped in, NAME=<secret> for one in the environment. */
export function commandLine(args: readonly string[], o: { secretEnv?: readonly string[]; secretOnStdin?: boolean } = {}): string {
  const quote = (s: string) => (/^[\w./:=@%+,\\-]+$/.test(s) ? s : `"${s}"`);
  const env = (o.secretEnv ?? []).map((name) => `${name}=<secret> `).join('');
  return [`${env}wine64 procapita-sync.exe`, ...args.map(quote), ...(o.secretOnStdin ? ['<secret on stdin>'] : [])].join(' ');
}

/** SHA-256 and size of a file, for the transcript's header. */
export function fileFacts(path: string): string {
  const bytes = readFileSync(path);
  return `${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex')}`;
}
