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
