/**
 * Nothing changed, nothing sent (issue 16, section 4): a run whose snapshot is
 * the one last delivered sends nothing, says so in the heartbeat, the log and
 * last-run.json, and ends well; a full copy goes again `resendAfterDays` sync
 * dates after the last delivery.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Site, closeAll, expectEventLog, oneSchool, runMain } from './support';

afterEach(closeAll);

const on = (site: Site, date: string) => site.run({ args: ['run', '--config', site.configPath, '--date', date] });

/** A register whose roster is the same on every date of these tests (the demo's changes from night to night). */
const school = oneSchool(20);
const steady = () => new Site(school.without(0), { schools: school.schools });

describe('an unchanged roster is not sent again', () => {
  it('the same roster the next night: exit 0, no upload, the heartbeat and last-run.json say unchanged, the baseline stays', async () => {
    const site = steady();
    const baseline = await site.baseline();
    const hash = (JSON.parse(baseline) as { contentHash: string }).contentHash;

    const rec = await site.deliverTo();
    const r = await on(site, '2026-09-02');
    expect(r.stderr).not.toMatch(/^(error|warning|internal error):/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Snapshot ${hash} is the one delivered for 2026-09-01: nothing sent`);
    expect(rec.attempts).toHaveLength(0);
    expect(rec.imports).toHaveLength(0);
    expect(rec.heartbeats).toHaveLength(1);
    expect(rec.heartbeats[0]!.body).toMatchObject({ outcome: 'unchanged', exitCode: 0, exitName: 'ok', syncDate: '2026-09-02', contentHash: hash, importId: null });
    expect(site.lastRun()).toMatchObject({ outcome: 'unchanged', exitName: 'ok', contentHash: hash, delivery: { importId: null, attempts: 0 } });
    // Byte for byte: its sync date is when the roster was last sent.
    expect(site.state('baseline.json')).toBe(baseline);
    expect(site.logs()).toContain('is unchanged since the delivery for 2026-09-01: not sent again');
    expect(site.logs()).toMatch(/Run ended: unchanged, exit code 0 \(ok\)/);
    expectEventLog(r, 'ok', true);
    expect(r.events[0]!.args.at(-1)).toMatch(/^procapita-sync: the roster was the one last delivered, so nothing was sent \(exit code 0, ok\)\. Details: .*last-run\.json$/);

    const status = await runMain(['status', '--config', site.configPath]);
    expect(status.stdout).toMatch(/^Last run: unchanged, not sent again \(exit code 0/);
    expect(status.stdout).toContain('  Not sent: the same as the snapshot delivered for 2026-09-01; a full copy goes again 7 days after that.');
  });

  it('a full copy goes again 7 sync dates after the last delivery, and that delivery starts the count again', async () => {
    const site = steady();
    await site.baseline();

    const sixth = await site.deliverTo();
    expect((await on(site, '2026-09-07')).code).toBe(0);
    expect(sixth.imports).toHaveLength(0);

    const seventh = await site.deliverTo();
    expect((await on(site, '2026-09-08')).code).toBe(0);
    expect(seventh.imports).toHaveLength(1);
    expect(seventh.heartbeats[0]!.body).toMatchObject({ outcome: 'delivered' });
    expect(site.lastRun().outcome).toBe('delivered');
    expect(JSON.parse(site.state('baseline.json')!)).toMatchObject({ syncDate: '2026-09-08' });

    const next = await site.deliverTo();
    expect((await on(site, '2026-09-09')).code).toBe(0);
    expect(next.imports).toHaveLength(0);
  });

  it('a run for an earlier date than the last delivery sends it', async () => {
    const site = steady();
    await site.baseline();
    const rec = await site.deliverTo();
    expect((await on(site, '2026-08-31')).code).toBe(0);
    expect(rec.imports).toHaveLength(1);
  });

  it('resendAfterDays 0 sends every night; a changed roster is always sent', async () => {
    const site = steady();
    await site.baseline();
    const every = await site.deliverTo({ resendAfterDays: 0 });
    expect((await on(site, '2026-09-02')).code).toBe(0);
    expect(every.imports).toHaveLength(1);

    site.fixture(school.without(1));
    const changed = await site.deliverTo();
    expect((await on(site, '2026-09-03')).code).toBe(0);
    expect(changed.imports).toHaveLength(1);
    expect(site.lastRun().outcome).toBe('delivered');
  });

  it('a folder target: no file is written again', async () => {
    const site = steady();
    const out = join(site.dir, 'out');
    mkdirSync(out);
    site.configure({ target: { type: 'directory', path: 'out' } });
    expect((await on(site, '2026-09-01')).code).toBe(0);
    expect(readdirSync(out)).toHaveLength(1);

    // The reader took the file away: an unchanged night brings no new one.
    rmSync(join(out, readdirSync(out)[0]!));
    const r = await on(site, '2026-09-02');
    expect(r.code).toBe(0);
    expect(readdirSync(out)).toEqual([]);
    expect(site.lastRun()).toMatchObject({ outcome: 'unchanged', target: 'directory' });
  });
});
