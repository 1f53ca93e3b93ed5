/**
 * A full disk under the log, the state or the output folder: a real one, a
 * 64 KiB tmpfs mounted for each test (the tests run as root). Every case ends
 * with outputFailed (6) naming the folder, never "internal error … a bug";
 * the lock is released and, for an https target, the heartbeat goes out.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeMappingTable } from '../../src/enrich/mapping-table';
import { AppError } from '../../src/errors';
import { demoFixture, tempDir } from '../support/cli';
import { closeAll, expectHeartbeat, Site, type MainResult } from '../faults/support';

/** Whether this machine lets the tests mount a tmpfs (root on Linux). */
function canMount(): boolean {
  const dir = tempDir('procapita-sync-mount-probe-');
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]).status === 0;
  if (ok) spawnSync('umount', [dir]);
  rmdirSync(dir);
  return ok;
}

const mountable = canMount();
// On CI a missing mount is a broken setup, not a reason to skip.
if (!mountable && process.env.CI === 'true') throw new Error('disk-full tests: cannot mount a tmpfs here (run as root on Linux)');

const mounted: string[] = [];

/** A fresh, empty 64 KiB disk. */
function smallDisk(): string {
  const dir = tempDir('procapita-sync-disk-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', dir]);
  if (r.status !== 0) throw new Error(`mount failed: ${String(r.stderr)}`);
  mounted.push(dir);
  return dir;
}

/** Fills a disk to the last byte, as a night's other jobs can. */
function fill(disk: string): void {
  try {
    writeFileSync(join(disk, 'filler'), Buffer.alloc(128 * 1024));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(disk, `filler-${i}`), 'x');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      return;
    }
  }
}

/** Fills the disk the log is on, and the last page of the log file itself, as its own next lines would. */
function fillUnderLog(disk: string): void {
  fill(disk);
  const log = readdirSync(disk).find((f) => f.endsWith('.log'))!;
  try {
    appendFileSync(join(disk, log), ' '.repeat(8192));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  }
}

afterEach(async () => {
  await closeAll();
  for (const dir of mounted.splice(0)) {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    rmdirSync(dir);
  }
});

/** The run ended with outputFailed, naming the folder, saying nothing of a bug, and left no lock. */
function expectOutputFailed(site: Site, r: MainResult, folder: string): void {
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toContain(folder);
  expect(errors[0]).toContain('the disk is full');
  // What helps is space, not permissions.
  expect(errors[0]).toContain('Free space on that disk');
  expect(errors[0]).not.toContain('permissions');
  expect(`${r.stdout}${r.stderr}`).not.toMatch(/internal error|bug/i);
  expect(r.code).toBe(6);
  expect(site.has('run.lock')).toBe(false);
}

describe.skipIf(!mountable)('a full disk', () => {
  it('the log folder, full before the run starts: the run still delivers, then ends with exit 6 naming the log folder; heartbeat, last-run.json, no lock', async () => {
    const site = new Site(demoFixture());
    const logs = join(smallDisk(), 'logs');
    mkdirSync(logs);
    fill(logs);
    site.configure({ logDir: logs });
    const rec = await site.deliverTo();

    const r = await site.run();
    expectOutputFailed(site, r, logs);
    expect(rec.imports).toHaveLength(1);
    expectHeartbeat(rec, 'outputFailed');
    expect(site.lastRun()).toMatchObject({ exitName: 'outputFailed', exitCode: 6, outcome: 'failed' });
    expect(site.lastRun().error?.message).toContain(logs);
    expect(site.has('baseline.json')).toBe(true);
  });

  it('the log folder, full in the middle of the run: the same, and the run still ends', async () => {
    const site = new Site(demoFixture());
    const disk = smallDisk();
    site.configure({ logDir: disk });
    const rec = await site.deliverTo();

    const r = await site.run({ hooks: { afterDecide: (d) => (fillUnderLog(disk), d) } });
    expectOutputFailed(site, r, disk);
    expect(r.stderr).toContain(`warning: The log in ${disk} could not be written: the disk is full.`);
    expect(rec.imports).toHaveLength(1);
    expectHeartbeat(rec, 'outputFailed');
    expect(site.lastRun()).toMatchObject({ exitName: 'outputFailed', exitCode: 6 });
    // The log holds what was written before the disk filled.
    expect(readdirSync(disk).filter((f) => f.endsWith('.log'))).toHaveLength(1);
  });

  it('a full log never hides a worse outcome: a run the deletion guard holds stays held (12), with the log failure among its warnings', async () => {
    const site = new Site(demoFixture());
    await site.baseline();
    const f = demoFixture();
    site.fixture({ ...f, class_placement: f.class_placement!.slice(8) });
    const disk = smallDisk();
    site.configure({ logDir: disk });
    const rec = await site.deliverTo();

    const r = await site.run({ hooks: { afterDecide: (d) => (fillUnderLog(disk), d) } });
    expect(r.code).toBe(12);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/internal error|bug/i);
    expectHeartbeat(rec, 'heldByGuard');
    expect(site.lastRun().warnings.some((w) => w.startsWith(`The log in ${disk} could not be written`))).toBe(true);
    expect(site.has('run.lock')).toBe(false);
  });

  it('the state folder, full when the baseline is written: exit 6 naming the state folder; the heartbeat goes out, last-run.json is tried and said to fail, no lock', async () => {
    const site = new Site(demoFixture());
    const state = join(smallDisk(), 'state');
    site.configure({ stateDir: state });
    const rec = await site.deliverTo();

    const r = await site.run({ hooks: { afterDecide: (d) => (fill(join(state, '..')), d) } });
    expectOutputFailed(site, r, state);
    expect(r.stderr).toMatch(/^error: The snapshot was delivered \(import imp_[\w-]+\), but the baseline could not be saved: Cannot write baseline\.json in the state folder /m);
    expect(r.stderr).toContain(`warning: last-run.json was not written: Cannot write last-run.json in the state folder ${state}: the disk is full.`);
    expect(rec.imports).toHaveLength(1);
    expectHeartbeat(rec, 'outputFailed');
    expect(existsSync(join(state, 'run.lock'))).toBe(false);
  });

  it('the state folder, full before the run starts: exit 6 naming it, the heartbeat goes out, and no empty lock is left behind to block the next night', async () => {
    const site = new Site(demoFixture());
    const state = join(smallDisk(), 'state');
    mkdirSync(state);
    fill(state);
    site.configure({ stateDir: state });
    const rec = await site.deliverTo();

    for (const night of [1, 2]) {
      const r = await site.run();
      expectOutputFailed(site, r, state);
      expect(r.stderr, `night ${night}`).toContain(`error: Cannot create the run lock in the state folder ${state}: the disk is full.`);
      expect(rec.heartbeats).toHaveLength(night);
      expect(rec.heartbeats[night - 1]!.body).toMatchObject({ outcome: 'failed', exitCode: 6, exitName: 'outputFailed' });
    }
    expect(rec.imports).toEqual([]);
  });

  it('the output folder of a directory target, on the same full disk as the log: exit 6 naming the output folder; last-run.json has it, no lock', async () => {
    const site = new Site(demoFixture());
    const disk = smallDisk();
    const out = join(disk, 'out');
    mkdirSync(out);
    fill(disk);
    site.configure({ logDir: join(disk, 'logs'), target: { type: 'directory', path: out } });

    const r = await site.run();
    expectOutputFailed(site, r, out);
    expect(r.stderr).toContain(`error: Cannot write the snapshot to ${out}: the disk is full.`);
    expect(readdirSync(out).filter((f) => f.endsWith('.json'))).toEqual([]);
    expect(site.lastRun()).toMatchObject({ exitName: 'outputFailed', exitCode: 6 });
  });

  it('the mapping table, on a full disk: outputFailed naming the file, the old table left as it was', async () => {
    const disk = smallDisk();
    const file = join(disk, 'email-mapping.csv');
    await writeMappingTable(file, [{ key: '3e04762b-2519-5477-b507-4bf812f714c6', email: 'a@skola.se' }]);
    const before = readFileSync(file, 'utf8');
    fill(disk);
    const err = await writeMappingTable(file, Array.from({ length: 2000 }, (_, i) => ({ key: `3e04762b-2519-5477-b507-${String(i).padStart(12, '0')}`, email: `elev${i}@skola.se` }))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('outputFailed');
    expect((err as AppError).message).toContain(file);
    expect((err as AppError).message).toContain('the disk is full');
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
