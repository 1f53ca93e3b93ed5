/**
 * FreeTDS's tsql, a TDS client that shares no code with tedious, against the
 * test server: proof that it speaks TDS, not merely what tedious tolerates.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openFixtureDatabase } from './database';
import { startTdsServer, type TdsServer } from './server';

const FIXTURE = JSON.parse(readFileSync(new URL('../../assets/demo/municipality.json', import.meta.url), 'utf8'));
const cert = (file: string) => readFileSync(new URL(`../certs/${file}`, import.meta.url));
const USER = 'procapita_reader';
const PASSWORD = 'Läs-bara 2026!';

const hasTsql = spawnSync('tsql', ['-C'], { stdio: 'ignore' }).status === 0;
// In CI a missing tsql is a broken machine, not a reason to skip (test/run-all.sh installs freetds-bin).
const run = hasTsql || process.env.CI === 'true';
if (!run) console.warn('FreeTDS tests skipped: tsql is not installed (Debian package freetds-bin; test/run-all.sh installs it).');

let servers: TdsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

/** Runs tsql with SQL on stdin, as a person at a terminal would; resolves with everything it printed. */
function tsql(port: number, input: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  expect(hasTsql, 'tsql is missing: install Debian package freetds-bin (test/run-all.sh does)').toBe(true);
  return new Promise((resolve, reject) => {
    const child = spawn('tsql', ['-H', '127.0.0.1', '-p', String(port), '-U', USER, '-P', PASSWORD], { env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', () => resolve(output));
    child.stdin.end(input);
  });
}

describe.runIf(run)('FreeTDS tsql against the test server', () => {
  it('counts the persons, in plaintext', async () => {
    const server = await startTdsServer({ db: openFixtureDatabase(FIXTURE), logins: { [USER]: PASSWORD } });
    servers.push(server);
    const output = await tsql(server.port, 'SELECT COUNT(*) FROM person\ngo\nexit\n');
    expect(output).toMatch(/^41$/m);
    expect(server.sessions.map((s) => [s.user, s.encrypted])).toEqual([[USER, false]]);
  });

  it('negotiates TLS inside PRELOGIN when told to require encryption', async () => {
    const server = await startTdsServer({ db: openFixtureDatabase(FIXTURE), logins: { [USER]: PASSWORD }, tls: { key: cert('server.key'), cert: cert('server.crt') } });
    servers.push(server);
    const dir = mkdtempSync(join(tmpdir(), 'freetds-'));
    writeFileSync(join(dir, 'freetds.conf'), '[global]\n\tencryption = require\n');
    const output = await tsql(server.port, "SELECT family_name FROM person WHERE given_name = 'Sara'\ngo\nexit\n", { FREETDSCONF: join(dir, 'freetds.conf') }).finally(() =>
      rmSync(dir, { recursive: true }),
    );
    expect(output).toMatch(/^Nyström$/m);
    expect(server.sessions.map((s) => s.encrypted)).toEqual([true]);
  });
});
