/**
 * A site for the doctor tests: a configuration that reads SQL Server (the TDS
 * test server over TCP and TLS), binds to slapd over LDAPS and delivers to the
 * reference receiver over HTTPS, with its state and logs in a temp folder.
 * Secrets come from environment variables the configuration names.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { Io } from '../../src/cli/program';
import type { Command } from '../../src/schedule/task';
import type { SecretStore } from '../../src/configure/credentials';
import { startReceiver, type Receiver } from '../receiver/receiver';
import type { Directory } from '../ldap/directories';
import { demoFixture, ROOT, writeSetup } from '../support/cli';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer, type TdsServerOptions } from '../tds/server';

export const CERTS = join(ROOT, 'test/certs');
export const CA_FILE = join(CERTS, 'ca.crt');
export const SQL_PASSWORD = 'Läs-bara 2026!';
export const API_KEY = 'doctor-api-key-0815';

const open: { close(): Promise<void> }[] = [];

/** For afterEach: closes every server the test started. */
export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
}

export async function tdsServer(fixture = demoFixture(), options: Partial<TdsServerOptions> = {}): Promise<TdsServer & { db: ReturnType<typeof openFixtureDatabase> }> {
  const db = openFixtureDatabase(fixture as Parameters<typeof openFixtureDatabase>[0]);
  const tls = { key: readFileSync(join(CERTS, 'server.key')), cert: readFileSync(join(CERTS, 'server.crt')) };
  const server = await startTdsServer({ db, logins: { procapita_reader: SQL_PASSWORD }, tls, ...options });
  open.push(server);
  return Object.assign(server, { db });
}

export async function receiver(): Promise<Receiver> {
  const r = await startReceiver({ apiKeys: [API_KEY] });
  open.push(r);
  return r;
}

/** A TCP port on loopback that nothing listens on (it was free a moment ago). */
export async function deadPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sqlSource = (port: number) => ({
  type: 'sql',
  host: '127.0.0.1',
  port,
  database: 'ProCapita',
  user: 'procapita_reader',
  passwordEnv: 'PROCAPITA_SQL_PASSWORD',
  caFile: CA_FILE,
  connectTimeoutSeconds: 5,
});

export const httpsTarget = (url: string) => ({ type: 'https', url: `${url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: CA_FILE });

export const adSettings = (dir: Directory) => ({ url: dir.ldapsUrl, caFile: CA_FILE, bindDn: dir.bindDn, passwordEnv: 'PROCAPITA_LDAP_PASSWORD', baseDn: dir.baseDn, timeoutSeconds: 10 });

export interface Site {
  readonly dir: string;
  readonly configPath: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Writes the configuration; `config` replaces top-level parts of it. */
export function site(parts: { sqlPort: number; receiverUrl: string; directory?: Directory }, config: Record<string, unknown> = {}): Site {
  const { dir, configPath } = writeSetup(demoFixture(), {
    source: sqlSource(parts.sqlPort),
    target: httpsTarget(parts.receiverUrl),
    ...(parts.directory ? { email: { ad: adSettings(parts.directory) } } : {}),
    ...config,
  });
  const env = {
    PROCAPITA_SQL_PASSWORD: SQL_PASSWORD,
    PROCAPITA_API_KEY: API_KEY,
    ...(parts.directory ? { PROCAPITA_LDAP_PASSWORD: parts.directory.bindPassword } : {}),
  };
  return { dir, configPath, env };
}

export { memoryStore } from '../support/cli';
import { memoryStore, runCli } from '../support/cli';

/** Runs the CLI in-process, as runCli does, with a credential store of the test's. */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv, secrets: SecretStore = memoryStore(), more: Partial<Io> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await runCli(args, undefined, env, { secrets, sleep: async () => undefined, ...more });
  return { code, stdout, stderr };
}

// ---- Windows, with recorded PowerShell answers ------------------------------------------

export const ACCOUNT = 'KOMMUN\\svc-procapita';
export const WINDOWS_ENV = { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' };
/** The task as the recorded PowerShell reports it: registered, ready, last run fine. */
export const TASK = {
  registered: true,
  state: 'Ready',
  userId: ACCOUNT,
  logonType: 'Password',
  lastRunTime: '2026-08-31T18:30:02.0000000+02:00',
  lastTaskResult: 0,
  nextRunTime: '2026-09-01T18:30:00+02:00',
  numberOfMissedRuns: 0,
  execute: 'C:\\Program Files\\procapita-sync\\procapita-sync.exe',
  arguments: 'run --config C:\\ProgramData\\procapita-sync\\config.json',
};
export const BATCH = { exported: true, granted: ['S-1-5-32-544', 'S-1-5-21-1-2-3-1107'], sid: 'S-1-5-21-1-2-3-1107', groups: ['S-1-5-21-1-2-3-513'] };

/** Each folder as the setup wizard leaves it: inheritance off, only Administrators, SYSTEM and the account. */
export const restrictedFolders = (folders: readonly string[]): string => {
  const rules = ['S-1-5-32-544', 'S-1-5-18', BATCH.sid].map((sid) => ({ sid, allow: true, inherited: false }));
  return JSON.stringify({ me: BATCH.sid, folders: folders.map((folder) => ({ folder, exists: true, protected: true, rules })) });
};

/**
 * An Io on "Windows" whose PowerShell answers the task query, the
 * batch-right script and the folders' access (`acl`, from the folders asked
 * about) from the test.
 */
export function windowsIo(
  task: unknown,
  batch: { code: number; stdout: string } | Error,
  env: NodeJS.ProcessEnv = WINDOWS_ENV,
  acl: (folders: string[]) => string = restrictedFolders,
  /** Whether the event source is registered: reg.exe answers 0, or 1 when the key is not there. */
  eventSource = true,
): Io & { commands: Command[] } {
  const commands: Command[] = [];
  return {
    stdout: () => undefined,
    stderr: () => undefined,
    now: () => new Date('2026-09-01T10:00:00Z'),
    env,
    sleep: async () => undefined,
    random: () => 0.5,
    platform: 'win32',
    commands,
    exec: async (command) => {
      commands.push(command);
      const script = command.args.join(' ');
      if (/SeBatchLogonRight/.test(script)) {
        if (batch instanceof Error) throw batch;
        return { ...batch, stderr: '' };
      }
      if (command.file === 'reg.exe' && /EventLog\\Application\\procapita-sync$/.test(script)) return { code: eventSource ? 0 : 1, stdout: '', stderr: eventSource ? '' : 'ERROR: The system was unable to find the specified registry key or value.' };
      if (/Get-ScheduledTask/.test(script)) return { code: 0, stdout: `${JSON.stringify(task)}\r\n`, stderr: '' };
      if (/Get-Acl/.test(script)) return { code: 0, stdout: `${acl((JSON.parse(command.stdin!) as { folders: string[] }).folders)}\r\n`, stderr: '' };
      throw new Error(`unexpected command ${script}`);
    },
  };
}
