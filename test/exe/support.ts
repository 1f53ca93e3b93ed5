/**
 * Smoke tests of the packed binaries in dist/ (npm run build:exe; test/run-all.sh
 * builds them before the tests). Never skipped: a missing binary fails, with
 * what to run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMunicipality } from '../demo/generate';
import { startReceiver, type Receiver } from '../receiver/receiver';
import { ROOT, runCli, tempDir } from '../support/cli';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer } from '../tds/server';

export const LINUX_BINARY = join(ROOT, 'dist/procapita-sync');
export const WINDOWS_EXE = join(ROOT, 'dist/procapita-sync.exe');

/** The binary's path; throws, saying how to build it, when it is not there. */
export function requireBinary(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing. Build the binaries first: npm run build:exe (npm run test:all does).${process.env.CI === 'true' ? ' CI=true: these tests never skip.' : ''}`);
  }
  return path;
}

/** `--version` of a build of this checkout: the version, the commit (HEAD, "-dirty" for a changed tree) and the build date. */
export function expectedVersionLine(): RegExp {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  return new RegExp(`^procapita-sync ${version.replace(/\./g, '\\.')} \\(commit ${head}(-dirty)?, built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\)$`);
}

export const SQL_PASSWORD = 'smoke-only-sql-password';
export const API_KEY = 'smoke-only-api-key';

export interface SmokeWorld {
  readonly dir: string;
  readonly configPath: string;
  readonly syncDate: string;
  readonly server: TdsServer;
  readonly receiver: Receiver;
  /** The environment that carries both secrets, the way the scheduled task can. */
  readonly secretsEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/**
 * The small demo municipality, served over TLS by the TDS test server on
 * 127.0.0.1, and the reference receiver over HTTPS; a config that reaches both
 * over TCP, with the secrets named by environment variables.
 */
export async function startSmokeWorld(): Promise<SmokeWorld> {
  const certs = join(ROOT, 'test/certs');
  const { fixture, schools, syncDate } = generateMunicipality('small');
  const server = await startTdsServer({
    db: openFixtureDatabase(fixture),
    logins: { procapita_reader: SQL_PASSWORD },
    tls: { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) },
  });
  const receiver = await startReceiver({ apiKeys: [API_KEY] });
  const dir = tempDir('procapita-sync-exe-');
  const configPath = join(dir, 'config.json');
  const config = {
    source: { type: 'sql', host: '127.0.0.1', port: server.port, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', caFile: join(certs, 'ca.crt') },
    // A failing upload ends within the test's time (exit 9 and its reason), not after ten minutes of retries.
    target: { type: 'https', url: `${receiver.url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: join(certs, 'ca.crt'), deadlineSeconds: 30 },
    schools,
    stateDir: 'state',
    logDir: 'logs',
  };
  writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  return {
    dir,
    configPath,
    syncDate,
    server,
    receiver,
    secretsEnv: { PROCAPITA_SQL_PASSWORD: SQL_PASSWORD, PROCAPITA_API_KEY: API_KEY },
    close: async () => {
      await Promise.all([server.close(), receiver.close()]);
    },
  };
}

/** The hash of the snapshot the source code builds from the smoke world (an in-process `run --out`), for a binary to match. */
export async function sourceSnapshotHash(world: SmokeWorld): Promise<string> {
  const preview = await runCli(['run', '--config', world.configPath, '--date', world.syncDate, '--out', join(world.dir, 'preview')], undefined, world.secretsEnv);
  const hash = /Snapshot sha256:([0-9a-f]{64}) written to /.exec(preview.stdout)?.[1];
  if (preview.code !== 0 || !hash) throw new Error(`The source's own run --out failed (exit ${preview.code}):\n${preview.stdout}${preview.stderr}`);
  return hash;
}
