/**
 * Shared pieces of the fault-injection suite: a site (a temp folder with a
 * configuration, a fixture, a state and a log folder) delivering over HTTPS
 * to the reference receiver, the CLI run in-process through `main` with an
 * event log recorder, the checks on the world each fault test makes, a TCP
 * gate that can hold a receiver's answers, and a fixture of one large school.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { expect } from 'vitest';
import { main, type Io } from '../../src/cli/program';
import type { SecretStore } from '../../src/configure/credentials';
import { ExitCode, type ExitCodeName } from '../../src/errors';
import type { Hooks } from '../../src/pipeline';
import type { EventCommand } from '../../src/report/event-log';
import type { RunReport } from '../../src/report/last-run';
import { startReceiver, type Receiver } from '../receiver/receiver';
import { FixtureBuilder } from '../support/builder';
import { DEMO_DATE, ROOT, writeSetup } from '../support/cli';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer, type TdsServerOptions } from '../tds/server';

export const CERTS = join(ROOT, 'test/certs');
export const API_KEY = 'fault-suite-api-key-4711';
export const SQL_PASSWORD = 'Läs-bara 2026!';
export const ENV: NodeJS.ProcessEnv = { PROCAPITA_API_KEY: API_KEY, PROCAPITA_SQL_PASSWORD: SQL_PASSWORD };

type Fixture = Record<string, unknown>;

// ---- Servers, closed after each test -----------------------------------------

const open: { close(): Promise<void> }[] = [];

/** For afterEach: closes every receiver, gate and TDS server the test started. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
}

export async function receiver(): Promise<Receiver> {
  const r = await startReceiver({ apiKeys: [API_KEY] });
  open.push(r);
  return r;
}

export async function tdsServer(fixture: Fixture, options: Partial<TdsServerOptions> = {}): Promise<TdsServer & { db: ReturnType<typeof openFixtureDatabase> }> {
  const db = openFixtureDatabase(fixture as Parameters<typeof openFixtureDatabase>[0]);
  const tls = { key: readFileSync(join(CERTS, 'server.key')), cert: readFileSync(join(CERTS, 'server.crt')) };
  const server = await startTdsServer({ db, logins: { procapita_reader: SQL_PASSWORD }, tls, ...options });
  open.push(server);
  return Object.assign(server, { db });
}

export function sqlSource(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'sql', host: '127.0.0.1', port, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', caFile: join(CERTS, 'ca.crt'), ...extra };
}

export function httpsTarget(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: 'https', url: `${url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: join(CERTS, 'ca.crt'), deadlineSeconds: 600, ...extra };
}

/**
 * A TCP relay in front of a receiver. While held, it keeps the receiver's
 * bytes back from the client (in order), so a run waits on its answer for as
 * long as the test wants, with no timer deciding anything.
 */
export interface Gate {
  readonly url: string;
  /** Connections clients have opened through the gate so far. */
  readonly connections: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function gate(upstream: Receiver): Promise<Gate> {
  let held = false;
  const queued: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((client) => {
    connections++;
    const up = net.connect(upstream.port, '127.0.0.1');
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.on('data', (chunk: Buffer) => (held ? queued.push(() => client.write(chunk)) : client.write(chunk)));
    up.on('end', () => (held ? queued.push(() => client.end()) : client.end()));
    client.on('close', () => up.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const g: Gate = {
    url: `https://localhost:${(server.address() as net.AddressInfo).port}`,
    get connections() {
      return connections;
    },
    hold: () => void (held = true),
    release: () => {
      held = false;
      for (const send of queued.splice(0)) send();
    },
    close: () =>
      new Promise<void>((resolve) => {
        g.release();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
  open.push(g);
  return g;
}

// ---- The CLI in-process, as a user sees it -------------------------------------

export interface MainResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** What the run asked the Windows event log to record. */
  readonly events: EventCommand[];
}

export interface MainOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** A virtual clock from this instant; waiting moves it on at once. Default 2026-09-01T10:00:00Z. */
  readonly start?: Date;
  /** A clock of the test's own, instead of `start`. */
  readonly now?: () => Date;
  readonly hooks?: Hooks;
  /** A credential store of the test's own. */
  readonly secrets?: SecretStore;
}

/** Calls `main` as src/cli/main.ts does, with captured output and an event log recorder. */
export async function runMain(args: readonly string[], o: MainOptions = {}): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const events: EventCommand[] = [];
  let clock = (o.start ?? new Date('2026-09-01T10:00:00Z')).getTime();
  const io: Io = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    now: o.now ?? (() => new Date(clock)),
    env: o.env ?? ENV,
    sleep: async (ms) => void (clock += ms),
    random: () => 0.5,
    eventLog: async (command) => void events.push(command),
    ...(o.hooks ? { hooks: o.hooks } : {}),
    ...(o.secrets ? { secrets: o.secrets } : {}),
  };
  const code = await main(args, io);
  return { code, stdout, stderr, events };
}

// ---- A site -------------------------------------------------------------------

/**
 * A municipality's installation in a temp folder: config.json, municipality.json,
 * state/ and logs/. Each run gets an hour more on the clock than the one
 * before, so a baseline that is written again is never byte-identical.
 */
export class Site {
  readonly dir: string;
  readonly configPath: string;
  private config: Record<string, unknown>;
  private runs = 0;

  constructor(fixture: Fixture, config: Record<string, unknown> = {}) {
    const { dir, configPath } = writeSetup(fixture, config);
    this.dir = dir;
    this.configPath = configPath;
    this.config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  }

  get stateDir(): string {
    return join(this.dir, 'state');
  }

  get logDir(): string {
    return join(this.dir, String(this.config.logDir));
  }

  /** Writes the fixture the next run reads. */
  fixture(f: Fixture): void {
    writeFileSync(join(this.dir, 'municipality.json'), JSON.stringify(f));
  }

  /** Changes top-level configuration keys. */
  configure(patch: Record<string, unknown>): void {
    this.config = { ...this.config, ...patch };
    writeFileSync(this.configPath, JSON.stringify(this.config));
  }

  /** A fresh receiver as the target: its imports and heartbeats are this run's alone. */
  async deliverTo(extra: Record<string, unknown> = {}): Promise<Receiver> {
    const r = await receiver();
    this.configure({ target: httpsTarget(r.url, extra) });
    return r;
  }

  /** A state file's text, or null when there is none. */
  state(name: string): string | null {
    const file = join(this.stateDir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  }

  has(name: string): boolean {
    return existsSync(join(this.stateDir, name));
  }

  lastRun(): RunReport {
    return JSON.parse(this.state('last-run.json')!) as RunReport;
  }

  /** The text of every log file. */
  logs(): string {
    if (!existsSync(this.logDir)) return '';
    return readdirSync(this.logDir).map((f) => readFileSync(join(this.logDir, f), 'utf8')).join('\n');
  }

  /** `run --config … --date 2026-09-01`, in-process. */
  run(o: MainOptions & { args?: readonly string[] } = {}): Promise<MainResult> {
    const start = new Date(Date.parse('2026-09-01T10:00:00Z') + 3_600_000 * this.runs++);
    return runMain(o.args ?? ['run', '--config', this.configPath, '--date', DEMO_DATE], { start, ...o });
  }

  approve(hash: string): Promise<MainResult> {
    return this.run({ args: ['approve', hash, '--config', this.configPath] });
  }

  /** A first, successful delivery, so that there is a baseline. Returns its text. */
  async baseline(): Promise<string> {
    const rec = await this.deliverTo();
    const r = await this.run();
    expect(r.stderr).not.toMatch(/^(error|warning|internal error):/m);
    expect(r.code).toBe(0);
    expect(rec.imports).toHaveLength(1);
    return this.state('baseline.json')!;
  }
}

// ---- What the world must look like ---------------------------------------------

/**
 * The run's one event log entry: 100 + the exit code (information when delivered, a warning when held, an error
 * when failed), or 200 for a good run that sent nothing as the roster was unchanged.
 */
export function expectEventLog(r: MainResult, exitName: ExitCodeName, unchanged = false): void {
  expect(r.events).toHaveLength(1);
  const [event] = r.events;
  expect(event!.file).toBe('eventcreate.exe');
  const type = exitName === 'ok' ? 'INFORMATION' : exitName === 'heldByGuard' ? 'WARNING' : 'ERROR';
  const id = exitName === 'ok' && unchanged ? 200 : 100 + ExitCode[exitName];
  expect(event!.args.slice(0, 8)).toEqual(['/L', 'APPLICATION', '/T', type, '/SO', 'procapita-sync', '/ID', String(id)]);
}

/** Exactly one heartbeat, with the run's outcome and exit code. */
export function expectHeartbeat(rec: Receiver, exitName: ExitCodeName): void {
  const outcome = exitName === 'ok' ? 'delivered' : exitName === 'heldByGuard' ? 'held' : 'failed';
  expect(rec.heartbeats).toHaveLength(1);
  expect(rec.heartbeats[0]!.status).toBe(204);
  expect(rec.heartbeats[0]!.body).toMatchObject({ outcome, exitCode: ExitCode[exitName], exitName });
}

/**
 * A run that stopped: its exit code and its one error line, no import at its
 * receiver, the baseline as before, the event log entry, the heartbeat and
 * last-run.json.
 */
export function expectStopped(site: Site, rec: Receiver, r: MainResult, exitName: ExitCodeName, baselineBefore: string | null, message: RegExp): void {
  expect(r.code).toBe(ExitCode[exitName]);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(message);
  expect(rec.imports).toEqual([]);
  expect(site.state('baseline.json')).toBe(baselineBefore);
  expectEventLog(r, exitName);
  expectHeartbeat(rec, exitName);
  expect(site.lastRun()).toMatchObject({ exitName, exitCode: ExitCode[exitName], delivery: null });
}

/** Polls until `condition` holds; fails with `what` after a generous timeout. */
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---- Fixtures ------------------------------------------------------------------

/**
 * One configured school, KRSK GR, with one teacher and `students` pupils in
 * four running classes: large enough that a percentage of the pupils is an
 * exact count. `without(n)` is the same register with the first n pupils'
 * class placements gone.
 */
export function oneSchool(students: number): { without(n: number): Fixture; schools: { unitCode: string; schoolForm: string }[] } {
  const b = new FixtureBuilder();
  const school = b.school({ code: 'KRSK', name: 'Krokslätts skola', forms: ['GR'] });
  const teacher = b.staff({ unit: school, given: 'Tove', family: 'Lärare' });
  const classes = ['7A', '7B', '8A', '8B'].map((name) => b.class({ unit: school, name, teachers: [teacher] }));
  for (let i = 0; i < students; i++) b.student({ cls: classes[i % classes.length]! });
  const fixture = b.fixture() as unknown as Record<string, Record<string, unknown>[]>;
  return {
    schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }],
    without: (n) => ({ ...fixture, class_placement: fixture.class_placement!.slice(n) }),
  };
}
