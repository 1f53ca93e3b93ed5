import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ownHolder } from '../../src/run-lock';
import { DEMO_DATE, demoFixture, runCli, writeSetup } from '../support/cli';

/**
 * `status` after each kind of run, through the CLI as the admin runs it.
 * The clock is runCli's: 2026-09-01T10:00:00Z is 12:00:00 in Stockholm.
 */

type Fixture = ReturnType<typeof demoFixture>;

/** A lock's age in seconds depends on how fast the test ran: N. */
const secondsOld = (text: string) => text.replace(/ is \d+ s old/, ' is N s old');

function setup() {
  const fixture = demoFixture();
  const { dir, configPath } = writeSetup(fixture, { target: { type: 'directory', path: 'out' } });
  const state = join(dir, 'state');
  const status = () => runCli(['status', '--config', configPath]);
  const run = (now?: Date, env?: NodeJS.ProcessEnv) => runCli(['run', '--config', configPath, '--date', DEMO_DATE], now, env);
  const lastRun = () => readFileSync(join(state, 'last-run.json'), 'utf8');
  return { fixture, dir, configPath, state, status, run, lastRun };
}

/** The snapshot the directory target holds under this hash, counted independently of src/report. */
function countsOf(dir: string, hash: string) {
  const s = JSON.parse(readFileSync(join(dir, 'out', `${hash.slice('sha256:'.length)}.json`), 'utf8')) as {
    schools: unknown[];
    persons: { roles: string[] }[];
    groups: { kind: string; teacherIds: string[]; studentIds: string[] }[];
  };
  return {
    schools: s.schools.length,
    students: s.persons.filter((p) => p.roles.includes('student')).length,
    staff: s.persons.filter((p) => p.roles.includes('staff')).length,
    classes: s.groups.filter((g) => g.kind === 'class').length,
    teachingGroups: s.groups.filter((g) => g.kind === 'teaching').length,
    memberships: s.groups.reduce((n, g) => n + g.teacherIds.length + g.studentIds.length, 0),
  };
}

/** The demo municipality without the pupils of class 7A: five of fifteen students go. */
function without7A(f: Fixture): Fixture {
  const c7a = f.school_class!.find((c) => c.name === '7A')!.class_id;
  return { ...f, class_placement: f.class_placement!.filter((p) => p.class_id !== c7a) };
}

const GMSK_NOTE = 'Configured school GMSK/GR is not in the snapshot: not active in ProCapita on the sync date, or an unknown code (explain shows which).';
const NULL_LEVEL_WARNING = '1 person has an unknown protected-identity level (NULL or not 0–3) and was left out to be safe. Check the protected-identity field in ProCapita.';

/** Every way a person of the fixture could show: name, id, personnummer. */
function expectNoPerson(text: string, fixture: Fixture, where: string) {
  for (const p of fixture.person!) {
    const [id, given, family, pnr] = [p.person_id, p.given_name, p.family_name, p.personal_number] as string[];
    for (const n of [id!, id!.toUpperCase(), `${given} ${family}`, pnr!, pnr!.slice(2), `${pnr!.slice(0, 8)}-${pnr!.slice(8)}`, `${pnr!.slice(2, 8)}-${pnr!.slice(8)}`]) {
      expect(text, `${n} in ${where}`).not.toContain(n);
    }
    for (const name of [given!, family!]) expect(text, `${name} in ${where}`).not.toMatch(new RegExp(`(?<!\\p{L})${name}(?!\\p{L})`, 'u'));
  }
}

describe('status', () => {
  it('before any run: says so, and names the state folder', async () => {
    const { state, status } = setup();
    const r = await status();
    expect(r).toMatchObject({ code: 0, stdout: `No run has finished yet (nothing in ${state}).\n`, stderr: '' });
  });

  it('while a run holds the lock: says that a run is going on', async () => {
    const { state, status } = setup();
    mkdirSync(state, { recursive: true });
    writeFileSync(join(state, 'run.lock'), JSON.stringify(ownHolder(new Date('2026-09-01T01:59:00.000Z'))));
    const r = await status();
    expect(secondsOld(r.stdout)).toBe(
      `No run has finished yet (nothing in ${state}). A run is going on now: process ${process.pid} on ${hostname()}, started 2026-09-01T01:59:00.000Z; its lock is N s old, and is not taken over while that process runs.\n`,
    );
  });

  describe('a lock that no live run can be shown to hold: the run says when it takes it over, status shows it, and after that age a run takes it over and delivers', () => {
    const sleeping = spawn('sleep', ['600']);
    afterAll(() => void sleeping.kill());
    const cases: [string, () => string, number, string][] = [
      ['zero-byte', () => '', 10, 'the lock file cannot be read (empty or damaged)'],
      ['truncated', () => JSON.stringify(ownHolder(new Date())).slice(0, 25), 10, 'the lock file cannot be read (empty or damaged)'],
      ['garbage', () => 'ÿþ{{{ not a lock', 10, 'the lock file cannot be read (empty or damaged)'],
      ['a PID now held by an unrelated live process (a lock without its start)', () => JSON.stringify({ pid: sleeping.pid, host: hostname(), startedAt: '2026-08-31T02:00:00.000Z' }), 360, `a process ${sleeping.pid} is running, but it cannot be shown to be that run`],
    ];
    it.each(cases)('%s', async (_, text, minutes, why) => {
      const { dir, state, status, run } = setup();
      mkdirSync(state, { recursive: true });
      const file = join(state, 'run.lock');
      writeFileSync(file, text());
      const owner = minutes !== 10 ? `process ${sleeping.pid} on ${hostname()}, started 2026-08-31T02:00:00.000Z` : undefined;
      const limit = minutes === 10 ? '10 min' : '6 h';
      const from = () => new Date(statSync(file).mtimeMs + minutes * 60_000).toISOString();

      const refused = await run();
      expect(refused.code).toBe(13);
      expect(secondsOld(refused.stderr)).toBe(
        `error: Another run may be in progress (${owner ?? 'another process'}: ${why}); this one did nothing. The lock is N s old; a run takes it over from ${from()} (when it is ${limit} old). If no run is going on, delete ${file}.\n`,
      );
      const before = await status();
      expect(secondsOld(before.stdout)).toBe(`No run has finished yet (nothing in ${state}). A run lock is in the way: ${owner ?? `the lock ${file}`}; ${why}. It is N s old, and a run takes it over from ${from()} (when it is ${limit} old).\n`);

      const then = new Date(Date.now() - (minutes + 1) * 60_000);
      utimesSync(file, then, then);
      const after = await status();
      expect(after.stdout).toBe(`No run has finished yet (nothing in ${state}). A run lock is in the way: ${owner ?? `the lock ${file}`}; ${why}. It is ${minutes === 10 ? '11 min' : '6 h 1 min'} old, and the next run takes it over.\n`);

      const r = await run();
      const took = `warning: Took over ${owner ? `the run lock of ${owner}` : `the run lock ${file}`}: ${why}, and the lock was ${minutes === 10 ? '11 min' : '6 h 1 min'} old.`;
      expect(r.stderr).toContain(took);
      expect(r.code).toBe(0);
      expect(readdirSync(join(dir, 'out'))).toHaveLength(1);
      expect(existsSync(file)).toBe(false);
      const log = readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('');
      expect(log).toContain(took.slice('warning: '.length));
      const s = await status();
      expect(s.stdout).toMatch(/^Last run: delivered /);
      expect(s.stdout).not.toContain('lock');
    });
  });

  it('after a delivered run: the outcome, the counts, the guard and where the snapshot went', async () => {
    const { dir, status, run, lastRun, fixture } = setup();
    const r = await run();
    expect(r.code).toBe(0);
    const hash = JSON.parse(lastRun()).contentHash as string;
    const file = join(dir, 'out', `${hash.slice('sha256:'.length)}.json`);
    expect(readdirSync(join(dir, 'out'))).toEqual([`${hash.slice('sha256:'.length)}.json`]);
    const c = countsOf(dir, hash);
    expect(c).toEqual({ schools: 2, students: 15, staff: 6, classes: 5, teachingGroups: 5, memberships: 39 });

    const s = await status();
    expect(s.code).toBe(0);
    expect(s.stderr).toBe('');
    expect(s.stdout).toBe(
      [
        'Last run: delivered (exit code 0, ok: the roster was written)',
        '  Started 2026-09-01 12:00:00, took 0 s; sync date 2026-09-01; procapita-sync 0.1.0.',
        `  Snapshot ${hash}: 2 schools, 15 students, 6 staff, 5 classes, 5 teaching groups, 39 memberships.`,
        '  Deletion guard: passed.',
        '    First run: there is no accepted snapshot to compare with, so removals are not counted.',
        `    ${GMSK_NOTE}`,
        `  Written: written to ${file}.`,
        '  Heartbeat: not sent.',
        '  Warnings:',
        `    - ${NULL_LEVEL_WARNING}`,
        `  Report: ${join(dir, 'state', 'reports', '2026-09-01T100000Z-delivered.html')}`,
        '',
      ].join('\n'),
    );
    expectNoPerson(lastRun().replaceAll(dir, '<dir>'), fixture, 'last-run.json');
  });

  it('after a held run: HELD, the reasons, the changes, and the exact approve line; approving it releases the snapshot', async () => {
    const { dir, configPath, state, status, run, lastRun, fixture } = setup();
    expect((await run()).code).toBe(0);
    const first = JSON.parse(lastRun()).contentHash as string;
    const reports = [lastRun()];

    writeFileSync(join(dir, 'municipality.json'), JSON.stringify(without7A(fixture)));
    const held = await run(new Date('2026-09-02T02:00:00Z'));
    expect(held.code).toBe(12);
    // What the run itself printed, not a preview's "would hold".
    expect(held.stdout).toContain('\nDeletion guard: held.\n');
    reports.push(lastRun());
    const hash = JSON.parse(lastRun()).contentHash as string;
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hash).not.toBe(first);

    const s = await status();
    expect(s.code).toBe(0);
    expect(s.stdout).toBe(
      [
        'Last run: HELD by the deletion guard (exit code 12, held by the deletion guard: too much would be removed; nothing was delivered (see the review file, then `approve`))',
        '  Started 2026-09-02 04:00:00, took 0 s; sync date 2026-09-01; procapita-sync 0.1.0.',
        `  Snapshot ${hash}: 2 schools, 10 students, 6 staff, 5 classes, 5 teaching groups, 28 memberships.`,
        '  Changes since the last accepted snapshot: students +0 −5, staff +0 −0, classes +0 −0, teaching groups +0 −0, memberships +0 −11.',
        '  Deletion guard: held.',
        '    - 5 of 15 students would be removed (33.3 %); the limit is 10 % or 500',
        '    - 11 of 39 memberships would be removed (28.2 %); the limit is 10 % or 500',
        `    ${GMSK_NOTE}`,
        '  Heartbeat: not sent.',
        `  Report: ${join(state, 'reports', '2026-09-02T020000Z-held.html')}`,
        '',
        `To release it: read ${join(state, 'review.txt')}, then run`,
        `  procapita-sync approve ${hash} --config ${configPath}`,
        '',
      ].join('\n'),
    );

    // The admin runs the line status printed, word for word.
    const line = s.stdout.trimEnd().split('\n').at(-1)!.trim().split(' ');
    expect(line.slice(0, 1)).toEqual(['procapita-sync']);
    const approved = await runCli(line.slice(1), new Date('2026-09-02T07:30:00Z'), { USER: 'skoladmin' });
    expect(approved.stderr).toBe('');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toBe(
      `Approved snapshot ${hash} (held at 2026-09-02T02:00:00.000Z) as skoladmin. The next run delivers it if ProCapita still gives exactly this snapshot; if anything has changed, it is held again.\n`,
    );

    const released = await run(new Date('2026-09-03T02:00:00Z'));
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('\nDeletion guard: held, and released by the approval of skoladmin.\n');
    reports.push(lastRun());
    const after = (await status()).stdout.split('\n');
    expect(after[0]).toBe('Last run: delivered (exit code 0, ok: the roster was written)');
    expect(after).toContain('  Deletion guard: held, and released by the approval of skoladmin at 2026-09-02 09:30:00.');
    expect(after).toContain(`  Written: written to ${join(dir, 'out', `${hash.slice('sha256:'.length)}.json`)}.`);
    expect(countsOf(dir, hash)).toEqual({ schools: 2, students: 10, staff: 6, classes: 5, teachingGroups: 5, memberships: 28 });

    for (const [i, text] of reports.entries()) expectNoPerson(text.replaceAll(dir, '<dir>'), fixture, `last-run.json after run ${i + 1}`);
  });

  it('after a failed run: FAILED with the error, and last-run.json still names no one', async () => {
    const { dir, fixture, status, run, lastRun } = setup();
    // The snapshot folder cannot be made: a file is in its way.
    writeFileSync(join(dir, 'out'), 'in the way');
    const r = await run();
    expect(r.code).toBe(6);
    const s = (await status()).stdout.split('\n');
    expect(s[0]).toBe('Last run: FAILED (exit code 6, local files: the snapshot folder, the state folder or the log folder cannot be written)');
    expect(s[2]).toBe(`  Error: ${r.stderr.replace(/^error: /, '').trimEnd()}`);
    expect(JSON.parse(lastRun())).toMatchObject({ outcome: 'failed', exitCode: 6, exitName: 'outputFailed', delivery: null });
    expectNoPerson(lastRun().replaceAll(dir, '<dir>'), fixture, 'last-run.json');
  });
});
