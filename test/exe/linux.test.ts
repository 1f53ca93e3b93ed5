/**
 * The Linux binary from npm run build:exe, run as a user runs it: a real
 * process, no Node.js or node_modules behind it, over TCP to the TDS test
 * server and the reference receiver, and keytar's unpacked native module
 * against a real Secret Service.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderGuide } from '../../src/cli/help';
import { keyring } from '../credentials/keyring';
import { ROOT, tempDir } from '../support/cli';
import { expectedVersionLine, LINUX_BINARY, requireBinary, sourceSnapshotHash, SQL_PASSWORD, startSmokeWorld, WINDOWS_EXE, type SmokeWorld } from './support';

interface Result { code: number; stdout: string; stderr: string }

/** Runs the binary from a folder of its own, with only the environment given (no PATH to node). */
function binary(args: readonly string[], env: NodeJS.ProcessEnv = {}, cwd = tempDir()): Promise<Result> {
  return new Promise((done) => {
    execFile(requireBinary(LINUX_BINARY), args, { cwd, env: { HOME: cwd, ...env } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}


describe('the Linux binary', () => {
  let world: SmokeWorld;
  beforeAll(async () => {
    requireBinary(LINUX_BINARY);
    world = await startSmokeWorld();
  });
  afterAll(async () => {
    await world?.close();
    if (world) rmSync(world.dir, { recursive: true, force: true });
  });

  it('prints the version, the commit and the build date', async () => {
    const r = await binary(['--version']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd()).toMatch(expectedVersionLine());
  });

  it('prints the guides from inside itself: help exit-codes, and the Swedish installation guide, in a folder with no docs/ near it', async () => {
    const r = await binary(['help', 'exit-codes', '--lang', 'en']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Exit codes\n==========\n/);
    expect(r.stdout).toBe(renderGuide(readFileSync(join(ROOT, 'docs/exit-codes.md'), 'utf8'), 'exit-codes.md'));
    const swedish = await binary(['help', 'installation']);
    expect(swedish.stdout).toMatch(/^Installera procapita-sync på Windows\n=+\n/);
    expect(swedish.stdout).toBe(renderGuide(readFileSync(join(ROOT, 'docs/sv/installation.md'), 'utf8'), 'sv/installation.md'));
    const unknown = await binary(['help', 'exit-code']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: There is no help topic or command "exit-code"\. The topics: installation, configuration, exit-codes, /);
  });

  it('is listed with the exe in SHA256SUMS, with the right sums', () => {
    const lines = readFileSync(join(ROOT, 'dist/SHA256SUMS'), 'utf8').trimEnd().split('\n');
    const sum = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(lines).toEqual([`${sum(LINUX_BINARY)}  procapita-sync`, `${sum(requireBinary(WINDOWS_EXE))}  procapita-sync.exe`]);
  });

  it('runs doctor against the TDS test server and the receiver: every check passes but the school form the generator configures on purpose', async () => {
    const r = await binary(['doctor', '--config', world.configPath], world.secretsEnv);
    expect(r.stdout).toMatch(/^✓ SQL Server 127\.0\.0\.1:\d+, database ProCapita: login and schema check passed/m);
    expect(r.stdout).toMatch(/^✓ Upload service https:\/\/localhost:\d+\/v1\/ping: reachable, API key accepted$/m);
    // The small municipality lists FRGY/GS, a form ProCapita does not have there (the rules' school-form-missing case).
    expect(r.stdout).toMatch(/^✗ Configured schools: 1 of 7 not in ProCapita: FRGY\/GS \(school unit has no such school form in ProCapita\)\./m);
    expect(r.stdout.match(/^✗ /gm)).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: 1 of \d+ checks failed\. Exit code 3 is the first one's/);
    expect(r.code).toBe(3);
  });

  it('runs the small demo over TCP and delivers what the source code decides', async () => {
    const expected = await sourceSnapshotHash(world);

    const before = world.receiver.imports.length;
    const r = await binary(['run', '--config', world.configPath, '--date', world.syncDate], world.secretsEnv);
    expect(r.code).toBe(0);
    expect(world.receiver.imports.length).toBe(before + 1);
    const stored = world.receiver.imports.at(-1)!;
    expect(r.stdout).toContain(`Uploaded snapshot sha256:${expected}: `);
    expect(r.stdout).toContain(`Import ${stored.importId}, accepted`);
    // The run wrote its daily log beside the config, as the scheduled task's run does.
    expect(readdirSync(join(world.dir, 'logs')).some((f) => /^procapita-sync\.\d{4}-\d\d-\d\d\.1\.log$/.test(f))).toBe(true);
  });

  it('schedules itself, not node: the timer starts the binary', async () => {
    const r = await binary(['schedule', 'install', '--config', world.configPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ExecStart=${LINUX_BINARY} run --config ${world.configPath}\n`);
    expect(r.stdout).not.toMatch(/tsx|node_modules/);
  });

  it('stores the SQL password in the Secret Service and logs in with it', async () => {
    const ring = keyring();
    const set = await ring.run([LINUX_BINARY, 'credentials', 'set', 'sqlPassword', '--config', world.configPath], { input: `${SQL_PASSWORD}\n` });
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(/^Stored the SQL password/m);
    expect(set.code).toBe(0);

    // No PROCAPITA_SQL_PASSWORD: the password can only come from the keyring.
    const test = await ring.run([LINUX_BINARY, 'credentials', 'test', 'sqlPassword', '--config', world.configPath]);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/✓/);
    expect(`${set.stdout}${test.stdout}${test.stderr}`).not.toContain(SQL_PASSWORD);
  });
});
