/**
 * Files with personal data are readable only by the account that runs
 * procapita-sync (issue 13 §4), on Linux: every folder procapita-sync makes
 * is 0700 and every file it writes 0600, whatever the umask. The runs here
 * go with umask 000, under which plain fs calls leave 0777 folders and 0666
 * files. doctor reports a file or folder that is not private.
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeMappingTable } from '../../src/enrich/mapping-table';
import { acquireRunLock } from '../../src/run-lock';
import { hostname } from 'node:os';
import { demoFixture, memoryStore, runCli, tempDir, writeSetup } from '../support/cli';
import { stepContext } from '../wizard/support';
import { writeStep } from '../../wizard/steps/write';

let umask = 0;
beforeEach(() => {
  umask = process.umask(0o000);
});
afterEach(() => {
  process.umask(umask);
});

const octal = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Every folder and file under `root`, and root itself as '.', with its mode: { 'state/baseline.json': '0600', … }. */
function modes(root: string): Record<string, string> {
  const found: Record<string, string> = { '.': octal(root) };
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath, e.name);
    found[relative(root, path)] = octal(path);
  }
  return found;
}

/** The modes, with the one daily log file's date-bearing name made stable. */
const stable = (m: Record<string, string>) =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k.replace(/\d{4}-\d{2}-\d{2}\.\d+\.log$/, 'DATE.N.log').replace(/reports\/\d{4}-\d{2}-\d{2}T\d{6}Z-/, 'reports/TIME-'), v]));

/** The demo register with every pupil of Ekdalens gymnasium out of their classes: the next run is held. */
function ekgyEmptied() {
  const f = demoFixture();
  const ekgy = f.school_unit!.find((u) => u.unit_code === 'EKGY')!.unit_id;
  const classes = new Set(f.school_class!.filter((c) => c.unit_id === ekgy).map((c) => c.class_id));
  return { ...f, class_placement: f.class_placement!.filter((p) => !classes.has(p.class_id)) };
}

/** A site whose state, logs and snapshots go into folders that do not exist yet, two levels deep. */
function site() {
  const s = writeSetup(demoFixture(), {
    // Every run writes the snapshot and the baseline again, even when nothing changed: the tests below look at files rewritten.
    target: { type: 'directory', path: 'out/snapshots', resendAfterDays: 0 },
    stateDir: 'var/lib/procapita-sync',
    logDir: 'var/log/procapita-sync',
    guard: { maxRemovals: { percent: 90, count: 500 } },
  });
  return { ...s, run: (...more: string[]) => runCli(['run', '--config', s.configPath, ...more]) };
}

describe('under umask 000, on Linux', () => {
  it('a delivered run, a held run and run --out: every folder made is 0700, every file written 0600', async () => {
    const s = site();
    expect((await s.run()).code).toBe(0);
    writeFileSync(join(s.dir, 'municipality.json'), JSON.stringify(ekgyEmptied()));
    const held = await s.run();
    expect(held.code).toBe(12);
    expect((await s.run('--out', join(s.dir, 'preview', 'today'))).code).toBe(0);

    const snapshot = readdirSync(join(s.dir, 'out/snapshots'))[0]!;
    const preview = readdirSync(join(s.dir, 'preview/today'))[0]!;
    expect(stable(modes(join(s.dir, 'var')))).toEqual({
      '.': '0700',
      lib: '0700',
      log: '0700',
      'lib/procapita-sync': '0700',
      'lib/procapita-sync/baseline.json': '0600',
      'lib/procapita-sync/last-run.json': '0600',
      'lib/procapita-sync/held.json': '0600',
      'lib/procapita-sync/review.txt': '0600',
      'lib/procapita-sync/reports': '0700',
      'lib/procapita-sync/reports/index.html': '0600',
      'lib/procapita-sync/reports/index.json': '0600',
      'lib/procapita-sync/reports/TIME-delivered.html': '0600',
      'lib/procapita-sync/reports/TIME-delivered-left-out.csv': '0600',
      'lib/procapita-sync/reports/TIME-held.html': '0600',
      'lib/procapita-sync/reports/TIME-held-left-out.csv': '0600',
      'log/procapita-sync': '0700',
      'log/procapita-sync/procapita-sync.DATE.N.log': '0600',
    });
    expect(modes(join(s.dir, 'out'))).toEqual({ '.': '0700', snapshots: '0700', [`snapshots/${snapshot}`]: '0600' });
    expect(modes(join(s.dir, 'preview'))).toEqual({ '.': '0700', today: '0700', [`today/${preview}`]: '0600' });
  });

  it('files an older version left 0644 are 0600 once rewritten: the baseline, last-run.json, and today\'s log appended to; a folder the admin made is left as it is', async () => {
    const s = site();
    const state = join(s.dir, 'var/lib/procapita-sync');
    const logs = join(s.dir, 'var/log/procapita-sync');
    expect((await s.run()).code).toBe(0);
    const log = join(logs, readdirSync(logs)[0]!);
    for (const f of [join(state, 'baseline.json'), join(state, 'last-run.json'), log]) chmodSync(f, 0o644);
    chmodSync(state, 0o755);

    expect((await s.run()).code).toBe(0);
    expect(readdirSync(logs)).toEqual([log.slice(logs.length + 1)]); // the same file, appended to
    expect([octal(join(state, 'baseline.json')), octal(join(state, 'last-run.json')), octal(log)]).toEqual(['0600', '0600', '0600']);
    expect(octal(state)).toBe('0755');
  });

  it('the run lock: 0600 when taken, and when a stale one is taken over', async () => {
    const state = join(tempDir(), 'state');
    const lock = await acquireRunLock(state, new Date('2026-09-01T02:00:00Z'));
    expect([octal(state), octal(join(state, 'run.lock'))]).toEqual(['0700', '0600']);
    await lock.release();

    writeFileSync(join(state, 'run.lock'), JSON.stringify({ pid: 4_000_001, host: hostname(), startedAt: '2026-08-31T02:00:00.000Z' }), { mode: 0o644 });
    const taken = await acquireRunLock(state, new Date('2026-09-01T02:00:00Z'), (pid) => pid !== 4_000_001);
    expect(taken.tookOver?.holder?.pid).toBe(4_000_001);
    expect(octal(join(state, 'run.lock'))).toBe('0600');
    await taken.release();
  });

  it('the mapping table: a new one 0600 in folders made 0700; one that was 0644 is 0600 after a rebuild', async () => {
    const dir = tempDir();
    const file = join(dir, 'procapita-sync', 'ad', 'email-mapping.csv');
    await writeMappingTable(file, [{ key: '3e04762b-2519-5477-b507-4bf812f714c6', email: 'a@skola.se' }]);
    expect(modes(join(dir, 'procapita-sync'))).toEqual({ '.': '0700', ad: '0700', 'ad/email-mapping.csv': '0600' });
    chmodSync(file, 0o644);
    await writeMappingTable(file, []);
    expect(octal(file)).toBe('0600');
  });

  it('the wizard\'s write step: the configuration and the mapping table 0600, their new folder 0700', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'procapita-sync', 'config.json');
    const mappingFile = join(dir, 'procapita-sync', 'email-mapping.csv');
    const { ctx } = stepContext({
      configPath,
      script: [true], // Write this? yes
      draft: { source: { type: 'fixture', path: join(dir, 'municipality.json') }, schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }], email: { mappingFile } },
      store: memoryStore(),
    });
    ctx.mapping = { file: mappingFile, table: [{ key: '3e04762b-2519-5477-b507-4bf812f714c6', email: 'a@skola.se' }] };
    await writeStep(ctx, { config: true, secrets: false, task: false });
    expect(modes(join(dir, 'procapita-sync'))).toEqual({ '.': '0700', 'config.json': '0600', 'email-mapping.csv': '0600' });
  });
});

describe('doctor: only this account can read the folders with personal data', () => {
  it('✓ after runs; ✗ naming a file left 0644 and a folder opened to others, with the chmod that fixes each, exit 3', async () => {
    const s = site();
    expect((await s.run()).code).toBe(0);
    const state = join(s.dir, 'var/lib/procapita-sync');
    const doctor = () => runCli(['doctor', '--config', s.configPath]);
    const ok = await doctor();
    expect(ok.stdout.split('\n').slice(-3)).toEqual(['✓ Only this account can read the log, state and snapshot folders (folders 0700, files 0600)', 'All 8 checks passed.', '']);
    expect(ok.code).toBe(0);

    chmodSync(join(state, 'baseline.json'), 0o644);
    mkdirSync(join(s.dir, 'out/snapshots/kept'));
    chmodSync(join(s.dir, 'out/snapshots'), 0o750);
    const r = await doctor();
    const b = join(state, 'baseline.json');
    const out = join(s.dir, 'out/snapshots');
    expect(r.stdout.split('\n').at(-2)).toBe(
      `✗ Access to the log, state and snapshot folders: ${b} is 0644, not 0600 (chmod 600 ${b}); ${out} is 0750, not 0700 (chmod 700 ${out}). They hold personal data: make them private as shown, as the account that runs procapita-sync.`,
    );
    expect(r.stderr).toMatch(/^error: 1 of 8 checks failed\. Exit code 3 is the first one's/);
    expect(r.code).toBe(3);
  });
});
