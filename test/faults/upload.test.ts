/**
 * Faults on the way to the service: retried ones end in exactly one import
 * under one Idempotency-Key; a refused key ends the run with nothing imported
 * and the baseline as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Fault } from '../receiver/receiver';
import { demoFixture } from '../support/cli';
import { Site, closeAll, expectEventLog, expectHeartbeat, expectStopped } from './support';

afterEach(closeAll);

describe('upload faults', () => {
  it.each([
    ['503, then 200', [{ status: 503, retryAfter: 5 }] as Fault[], /^Upload attempt 1 failed \(HTTP 503\); trying again in 5 s\.$/m],
    ['a reset mid-body, then 200', [{ kind: 'reset-mid-body' }] as Fault[], /^Upload attempt 1 failed \((ECONNRESET|UND_ERR_SOCKET|EPIPE)\)/m],
  ])('%s: exit 0, exactly one import', async (_name, faults, retried) => {
    const site = new Site(demoFixture());
    const before = await site.baseline();
    // Something changed tonight, so this run has a snapshot of its own to deliver.
    const f = demoFixture();
    site.fixture({ ...f, class_placement: f.class_placement!.slice(1) });
    const rec = await site.deliverTo();
    rec.script(...faults);

    const r = await site.run();
    expect(r.stderr).toMatch(retried);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expectEventLog(r, 'ok');
    expect(r.events[0]!.args.at(-1)).toMatch(/^procapita-sync: the roster was delivered \(exit code 0, ok\)\. Details: .*last-run\.json$/);
    expect(rec.attempts).toHaveLength(2);
    const [key] = new Set(rec.attempts.map((a) => a.idempotencyKey));
    expect(new Set(rec.attempts.map((a) => a.idempotencyKey)).size).toBe(1);
    expect(rec.imports).toHaveLength(1);
    expect(rec.imports[0]!.key).toBe(key);
    expectHeartbeat(rec, 'ok');
    expect(rec.heartbeats[0]!.body).toMatchObject({ contentHash: key, importId: rec.imports[0]!.importId });
    const baseline = site.state('baseline.json')!;
    expect(baseline).not.toBe(before);
    expect(JSON.parse(baseline)).toMatchObject({ contentHash: key, importId: rec.imports[0]!.importId });
    expect(site.lastRun().delivery).toMatchObject({ importId: rec.imports[0]!.importId, attempts: 2 });
  });

  it('401: exit 8, nothing imported, baseline unchanged', async () => {
    const site = new Site(demoFixture());
    const before = await site.baseline();
    const f = demoFixture();
    site.fixture({ ...f, class_placement: f.class_placement!.slice(1) });
    const rec = await site.deliverTo();
    rec.script({ status: 401 });

    const r = await site.run();
    expectStopped(site, rec, r, 'accessDenied', before, /^error: The upload service refused the API key \(401\)\. Check the key in environment variable PROCAPITA_API_KEY; it may have been rotated\.$/);
    expect(rec.attempts).toHaveLength(1);
    expect(r.stdout + r.stderr).not.toContain('fault-suite-api-key');
  });
});

describe('the service does not confirm this snapshot (200 duplicate for another import, other counts, no contentHash): exit 10, the baseline stays', () => {
  const other = `sha256:${'0123'.repeat(16)}`;
  const sent = (kinds: string) => kinds.split(' ').map((k) => `${k} \\(we sent \\d+\\)`).join(', ');
  it.each([
    [
      "another import's id, hash and counts",
      { kind: 'confirm-other', importId: 'imp_of-another-site', contentHash: other, counts: { schools: 9, persons: 999, groups: 99 } },
      `for import imp_of-another-site, but it confirmed another snapshot \\(the contentHash in its answer is not this snapshot's\\), and counted other numbers of ${sent('schools persons groups')}`,
    ],
    ['the right hash, other counts', { kind: 'confirm-other', counts: { persons: 3 } }, `for import imp_[0-9a-f-]+, but it counted other numbers of ${sent('persons')}`],
    ['no contentHash', { kind: 'confirm-other', contentHash: null }, 'for import imp_[0-9a-f-]+, but it did not say which snapshot it holds \\(its answer has no contentHash\\)'],
    ['no counts', { kind: 'confirm-other', counts: null }, 'for import imp_[0-9a-f-]+, but it did not confirm the counts \\(its answer has none\\)'],
  ] as [string, Fault, string][])('%s', async (_name, fault, why) => {
    const site = new Site(demoFixture());
    const before = await site.baseline();
    const f = demoFixture();
    site.fixture({ ...f, class_placement: f.class_placement!.slice(1) });
    const rec = await site.deliverTo();
    rec.script(fault);

    const r = await site.run();
    expectStopped(
      site,
      rec,
      r,
      'uploadRejected',
      before,
      new RegExp(`^error: The upload service answered 200 duplicate ${why}\\. The delivery does not count: the baseline is kept, and the next run sends snapshot sha256:[0-9a-f]{64} again\\. Report it to the service with the run's date\\.$`),
    );
    expect(rec.attempts).toHaveLength(1);
    const key = rec.attempts[0]!.idempotencyKey!;
    expect(r.stderr).toContain(`sends snapshot ${key} again`);
    expect(r.stderr).not.toContain(other);
    expect(r.stdout).not.toMatch(/Uploaded snapshot/);
    expect(site.lastRun()).toMatchObject({ outcome: 'failed', exitName: 'uploadRejected', exitCode: 10, delivery: null, contentHash: key });
    expect(rec.heartbeats[0]!.body).toMatchObject({ outcome: 'failed', exitCode: 10, contentHash: key, importId: null });
  });

  it('the numbers named are the ones sent', async () => {
    const site = new Site(demoFixture());
    const rec = await site.deliverTo();
    rec.script({ kind: 'confirm-other', counts: { schools: 0, persons: 0, groups: 0 } });
    const r = await site.run();
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/counted other numbers of schools \(we sent 2\), persons \(we sent 21\), groups \(we sent 10\)\./);
    expect(site.state('baseline.json')).toBeNull();
    expect(site.lastRun()).toMatchObject({ outcome: 'failed', counts: { schools: 2 } });
  });
});

describe('the heartbeat fails', () => {
  it.each([
    ['503', { status: 503 } as const, 'HTTP 503'],
    ['a reset', { kind: 'reset' } as const, 'ECONNRESET|UND_ERR_SOCKET|EPIPE|network error'],
  ])('%s after a delivered run: still exit 0, one import, and last-run.json says so', async (_name, fault, why) => {
    const site = new Site(demoFixture());
    const rec = await site.deliverTo();
    rec.scriptHeartbeat(fault);
    const r = await site.run();
    expect(r.code).toBe(0);
    expect(rec.imports).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`^warning: The heartbeat to the service failed \\((${why})\\); the run's outcome stands\\.$`, 'm'));
    expect(site.lastRun()).toMatchObject({ exitName: 'ok', outcome: 'delivered' });
    expect(site.lastRun().heartbeat).toMatch(new RegExp(`^failed \\((${why})\\)$`));
    expect(site.state('baseline.json')).not.toBeNull();
  });

  it('after a held run: still exit 12, nothing imported', async () => {
    const site = new Site(demoFixture());
    const before = await site.baseline();
    const f = demoFixture();
    site.fixture({ ...f, class_placement: [] });
    const rec = await site.deliverTo();
    rec.scriptHeartbeat({ status: 500 });
    const r = await site.run();
    expect(r.code).toBe(12);
    expect(rec.imports).toEqual([]);
    expect(site.state('baseline.json')).toBe(before);
    expect(site.lastRun()).toMatchObject({ exitName: 'heldByGuard', outcome: 'held', heartbeat: 'failed (HTTP 500)' });
  });
});
