/**
 * Faults of the process itself, with the real CLI as a child process: killed
 * mid-upload, and started twice at once. The run lock and the Idempotency-Key
 * between them keep the service at exactly one import.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DATE, demoFixture, spawnCli } from '../support/cli';
import { ENV, Site, closeAll, expectHeartbeat, gate, httpsTarget, receiver, until } from './support';

afterEach(closeAll);

/** Two real processes start through tsx; on a busy 2-core machine that alone can take a while. */
const SPAWN_TIMEOUT = 120_000;

describe('the process is killed during the upload', () => {
  it('leaves a stale lock and no baseline; the next run takes the lock over and sends the same key: still one import', async () => {
    const site = new Site(demoFixture());
    const rec = await site.deliverTo();
    // The import is stored, but the answer would come 30 s later: the process dies waiting for it.
    rec.script({ kind: 'slow-headers', ms: 30_000 });

    const killed = spawnCli(['run', '--config', site.configPath, '--date', DEMO_DATE], { env: ENV });
    const pid = killed.child.pid!;
    await until(() => rec.imports.length === 1, 'the receiver has stored the import');
    killed.child.kill('SIGKILL');
    const end = await killed;
    expect(end.signal).toBe('SIGKILL');

    const lock = JSON.parse(site.state('run.lock')!) as { pid: number; startedAt: string };
    expect(lock.pid).toBe(pid);
    expect(site.state('baseline.json')).toBeNull();
    expect(site.state('last-run.json')).toBeNull();
    expect(rec.heartbeats).toEqual([]);
    const key = rec.imports[0]!.key;

    const r = await site.run();
    expect(r.stderr).toContain(`warning: Took over the run lock of process ${pid}, started ${lock.startedAt}, which is no longer running.`);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Import imp_[\w-]+, duplicate /);
    expect(rec.attempts.map((a) => a.idempotencyKey)).toEqual([key, key]);
    expect(rec.imports).toHaveLength(1);
    expect(site.state('run.lock')).toBeNull();
    expect(JSON.parse(site.state('baseline.json')!)).toMatchObject({ contentHash: key, importId: rec.imports[0]!.importId });
    expectHeartbeat(rec, 'ok');
  }, SPAWN_TIMEOUT);
});

describe('two runs at once', () => {
  it('one delivers (exit 0), the other exits 13 having done nothing; exactly one import', async () => {
    const site = new Site(demoFixture());
    const rec = await receiver();
    // A slow receiver: the answer to the upload is held back until the test lets it through.
    const slow = await gate(rec);
    site.configure({ target: httpsTarget(slow.url, { headersTimeoutSeconds: 3600 }) });
    // The receiver's own delay leaves the test time to close the gate before any answer is sent.
    rec.script({ kind: 'slow-headers', ms: 2_000 });

    const args = ['run', '--config', site.configPath, '--date', DEMO_DATE];
    const runs = [spawnCli(args, { env: ENV }), spawnCli(args, { env: ENV })];
    const ended: number[] = [];
    runs.forEach((run, i) => void run.then(() => ended.push(i)));
    await until(() => rec.imports.length === 1, 'one run has uploaded');
    slow.hold();
    // The run holding the lock waits for its answer: whichever process ends now is the other one.
    // (Had it got past the lock as well, its upload would open a second connection.)
    await until(() => ended.length > 0 || slow.connections > 1, 'one process has ended');
    slow.release();
    const results = await Promise.all(runs);

    const first = ended[0]!;
    const loser = results[first]!;
    const winner = results[1 - first]!;
    expect(loser.code).toBe(13);
    expect(loser.stderr).toMatch(new RegExp(`^error: Another run is in progress \\((process ${runs[1 - first]!.child.pid} on .*|another process)\\); this one did nothing\\. If no run is going on, delete .*run\\.lock\\.\\n$`));
    expect(loser.stdout).toBe('');
    expect(winner.stderr).not.toMatch(/^error:/m);
    expect(winner.code).toBe(0);
    expect(rec.imports).toHaveLength(1);
    expect(rec.attempts).toHaveLength(1);
    expectHeartbeat(rec, 'ok');
    expect(site.state('run.lock')).toBeNull();
    expect(JSON.parse(site.state('baseline.json')!).contentHash).toBe(rec.imports[0]!.key);
    // The run that did nothing reports nothing: last-run.json is the delivering run's.
    expect(site.lastRun()).toMatchObject({ exitName: 'ok', outcome: 'delivered', delivery: { importId: rec.imports[0]!.importId } });
  }, SPAWN_TIMEOUT);
});
