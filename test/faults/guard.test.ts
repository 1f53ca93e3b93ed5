/**
 * The deletion guard against a baseline: a run that would remove too much is
 * held (exit 12) with a review file, nothing is delivered, and only an
 * approval of exactly that snapshot releases it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { demoFixture } from '../support/cli';
import { Site, closeAll, expectEventLog, expectHeartbeat, expectStopped, oneSchool } from './support';

afterEach(closeAll);

/** The demo register with every pupil of Ekdalens gymnasium (EKGY, GY) out of their classes. */
function ekgyEmptied() {
  const f = demoFixture();
  const ekgy = f.school_unit!.find((u) => u.unit_code === 'EKGY')!.unit_id;
  const classes = new Set(f.school_class!.filter((c) => c.unit_id === ekgy).map((c) => c.class_id));
  const gone = f.class_placement!.filter((p) => classes.has(p.class_id));
  expect(gone.length).toBeGreaterThan(0);
  return { ...f, class_placement: f.class_placement!.filter((p) => !classes.has(p.class_id)) };
}

/** Limits high enough that only the "school without students" rule can hold the run. */
const LENIENT = { guard: { maxRemovals: { percent: 90, count: 500 } } };

const heldHash = (site: Site) => (JSON.parse(site.state('held.json')!) as { contentHash: string }).contentHash;

describe('held by the deletion guard', () => {
  it('a configured school loses all its students: exit 12, review.txt and held.json, nothing uploaded', async () => {
    const site = new Site(demoFixture(), LENIENT);
    const before = await site.baseline();

    site.fixture(ekgyEmptied());
    const rec = await site.deliverTo();
    const r = await site.run();

    expectStopped(site, rec, r, 'heldByGuard', before, /^error: The deletion guard held snapshot sha256:[0-9a-f]{64}: configured school EKGY\/GY has no students \(it had 3\)\. Nothing was delivered\. Read .*review\.txt; if the removals are right, run: procapita-sync approve sha256:/);
    expect(site.has('review.txt')).toBe(true);
    expect(site.has('held.json')).toBe(true);
    expect(site.state('review.txt')).toContain('configured school EKGY/GY has no students (it had 3)');
    expect(r.stderr).toContain(heldHash(site));
    expect(site.lastRun()).toMatchObject({ outcome: 'held', guard: { decision: 'hold' } });
    expect(r.events[0]!.args.at(-1)).toMatch(/^procapita-sync: the run was held by the deletion guard \(exit code 12, heldByGuard\)\. .* Details: .*last-run\.json$/);
  });

  it('60 % of the students vanish: exit 12, nothing uploaded', async () => {
    const school = oneSchool(100);
    const site = new Site(school.without(0), { schools: school.schools });
    const before = await site.baseline();

    site.fixture(school.without(60));
    const rec = await site.deliverTo();
    const r = await site.run();

    expectStopped(site, rec, r, 'heldByGuard', before, /held snapshot sha256:[0-9a-f]{64}: 60 of 100 students would be removed \(60\.0 %\); the limit is 10 % or 500;/);
    expect(site.has('held.json')).toBe(true);
  });

  it('11 % vanish with the default 10 % limit: exit 12; 9 % pass: exit 0', async () => {
    const school = oneSchool(100);
    const site = new Site(school.without(0), { schools: school.schools });
    const before = await site.baseline();

    site.fixture(school.without(11));
    const held = await site.deliverTo();
    const r = await site.run();
    expectStopped(site, held, r, 'heldByGuard', before, /held snapshot sha256:[0-9a-f]{64}: 11 of 100 students would be removed \(11\.0 %\); the limit is 10 % or 500;/);

    site.fixture(school.without(9));
    const passed = await site.deliverTo();
    const ok = await site.run();
    expect(ok.stderr).not.toMatch(/^error:/m);
    expect(ok.code).toBe(0);
    expectEventLog(ok, 'ok');
    expectHeartbeat(passed, 'ok');
    expect(passed.imports).toHaveLength(1);
    expect(JSON.parse(site.state('baseline.json')!).contentHash).toBe(passed.imports[0]!.key);
    expect(site.lastRun().changes!.students).toEqual({ before: 100, after: 91, added: 0, removed: 9 });
    // A delivered snapshot ends the hold.
    expect(site.has('held.json')).toBe(false);
    expect(site.has('review.txt')).toBe(false);
  });
});

describe('approval', () => {
  /** A baseline, then a run held because EKGY lost its students. Returns the held hash. */
  async function held(site: Site): Promise<string> {
    await site.baseline();
    site.fixture(ekgyEmptied());
    const rec = await site.deliverTo();
    const r = await site.run();
    expect(r.code).toBe(12);
    expect(rec.imports).toEqual([]);
    return heldHash(site);
  }

  it('approve <held hash>, then run: exit 0, exactly one import under the held hash, approval.json removed', async () => {
    const site = new Site(demoFixture(), LENIENT);
    const hash = await held(site);

    const a = await site.approve(hash);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(a.stdout).toContain(`Approved snapshot ${hash}`);
    expect(site.has('approval.json')).toBe(true);

    const rec = await site.deliverTo();
    const r = await site.run();
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    expectEventLog(r, 'ok');
    expect(rec.imports).toHaveLength(1);
    expect(rec.imports[0]!.key).toBe(hash);
    expect(rec.attempts.map((x) => x.idempotencyKey)).toEqual([hash]);
    expectHeartbeat(rec, 'ok');
    expect(site.has('approval.json')).toBe(false);
    expect(site.has('held.json')).toBe(false);
    expect(site.has('review.txt')).toBe(false);
    expect(JSON.parse(site.state('baseline.json')!).contentHash).toBe(hash);
    expect(site.lastRun().guard).toMatchObject({ decision: 'released' });
  });

  it('approve, then the data changes before the run: held again (12), nothing uploaded', async () => {
    const site = new Site(demoFixture(), LENIENT);
    const hash = await held(site);
    expect((await site.approve(hash)).code).toBe(0);
    const before = site.state('baseline.json');

    // One more change in ProCapita: a pupil at Björkskolan leaves their class too.
    const f = ekgyEmptied();
    site.fixture({ ...f, class_placement: f.class_placement!.slice(1) });
    const rec = await site.deliverTo();
    const r = await site.run();

    expectStopped(site, rec, r, 'heldByGuard', before, /^error: The deletion guard held snapshot sha256:[0-9a-f]{64}: configured school EKGY\/GY has no students/);
    const again = heldHash(site);
    expect(again).not.toBe(hash);
    expect(r.stderr).toMatch(new RegExp(`The approval by \\S+ was for ${hash}, not for this snapshot, so it does not apply and has been withdrawn\\.`));
    expect(site.state('approval.json')).toBeNull();
    expect(r.stderr).toContain(`error: The deletion guard held snapshot ${again}`);
  });

  it('approve of a hash that is not the held one: exit 2, no approval.json', async () => {
    const site = new Site(demoFixture(), LENIENT);
    const hash = await held(site);
    const other = `sha256:${hash.endsWith('0') ? '1'.repeat(64) : '0'.repeat(64)}`;

    const a = await site.approve(other);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(new RegExp(`^error: The held snapshot is ${hash}; the hash given is not it, so nothing was approved\\. Approve the hash named in .*review\\.txt\\.\\n$`));
    expect(a.stdout).toBe('');
    expect(site.has('approval.json')).toBe(false);
    expect(heldHash(site)).toBe(hash);
    expect(a.events).toEqual([]);
  });
});
