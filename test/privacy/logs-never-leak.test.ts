import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../receiver/receiver';
import { DEMO_DATE, ROOT, demoFixture, runCli, writeSetup, type CliResult } from '../support/cli';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer } from '../tds/server';

/**
 * Scans the logs and the state after full runs: over TCP and TLS from the
 * TDS test server holding the demo municipality, uploading over HTTPS to the
 * reference receiver, with the SQL password and the API key from the
 * environment. Five runs: delivered; held (two pupils became protected, two
 * others left); the held snapshot approved but refused by the service (401);
 * delivered; refused by SQL Server (a database the account may not open).
 * After every command, every file under logDir and stateDir is read, and so
 * is everything the commands printed.
 */

const certs = join(ROOT, 'test/certs');
const SQL_PASSWORD = 'Lös3n-för-SQL/läsning#2026';
const API_KEY = 'pk_live_7d1e33b0a9c24f5f8e61';
const ENV = { PROCAPITA_SQL_PASSWORD: SQL_PASSWORD, PROCAPITA_API_KEY: API_KEY, USER: 'skoladmin' };

const fixture = demoFixture();
type PersonRow = { person_id: string; given_name: string; family_name: string; personal_number: string; protected_identity: number | null };
const persons = fixture.person! as unknown as PersonRow[];
const byGiven = (given: string) => persons.find((p) => p.given_name === given)!;
/** Protected in ProCapita from the start: levels 1, 2, 3 and NULL. */
const protectedAll = persons.filter((p) => p.protected_identity !== 0);
/** Delivered in the first run, protected before the second. */
const becameProtected = [byGiven('Hugo'), byGiven('Noah')];
/** Delivered in the first run, gone before the second: listed in the review by name, by design. */
const left = [byGiven('Ella'), byGiven('Liam')];

interface Seen {
  readonly where: string;
  /** The file's name, or `stdout`/`stderr`. */
  readonly name: string;
  readonly text: string;
}

const seen: Seen[] = [];
const results: Record<string, CliResult> = {};
let tds: TdsServer;
let receiver: Receiver;
let dir = '';

function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** One command, then everything it printed and every file in the log and state folders. */
async function step(label: string, args: string[], now: Date) {
  const r = await runCli(args, now, ENV);
  results[label] = r;
  seen.push({ where: `${label}: stdout`, name: 'stdout', text: r.stdout }, { where: `${label}: stderr`, name: 'stderr', text: r.stderr });
  for (const f of [...filesUnder(join(dir, 'logs')), ...filesUnder(join(dir, 'state'))]) {
    seen.push({ where: `${label}: ${relative(dir, f)}`, name: f.split('/').at(-1)!, text: readFileSync(f, 'utf8') });
  }
  return r;
}

const clean = (text: string) => text.replaceAll(dir, '<dir>');

/** A personnummer in every spelling: 12 and 10 digits, with and without the dash. */
const spellings = (pnr: string) => [pnr, pnr.slice(2), `${pnr.slice(0, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}-${pnr.slice(8)}`];
const NUMBER_SHAPED = /(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)/g;
/** The fixture's personnummer found in a text, in any 10- or 12-digit spelling. */
function numbersIn(text: string): string[] {
  const known = new Map(persons.map((p) => [p.personal_number.slice(2), p.personal_number]));
  return [...text.matchAll(NUMBER_SHAPED)].map((m) => known.get(m[0].replace(/[-+]/g, '').slice(-10))).filter((x): x is string => x !== undefined);
}
const wholeWord = (name: string) => new RegExp(`(?<!\\p{L})${name}(?!\\p{L})`, 'u');

beforeAll(async () => {
  const db = openFixtureDatabase(fixture);
  tds = await startTdsServer({
    db,
    logins: { procapita_reader: SQL_PASSWORD },
    tls: { key: readFileSync(join(certs, 'server.key')), cert: readFileSync(join(certs, 'server.crt')) },
  });
  receiver = await startReceiver({ apiKeys: [API_KEY] });
  const setup = writeSetup(fixture, {
    source: { type: 'sql', host: '127.0.0.1', port: tds.port, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', caFile: join(certs, 'ca.crt') },
    target: { type: 'https', url: `${receiver.url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: join(certs, 'ca.crt'), deadlineSeconds: 60 },
  });
  dir = setup.dir;
  const config = ['--config', setup.configPath];
  const run = ['run', ...config, '--date', DEMO_DATE];

  await step('run 1 (delivered)', run, new Date('2026-09-01T01:00:00Z'));
  await step('status 1', ['status', ...config], new Date('2026-09-01T06:00:00Z'));

  const id = (p: PersonRow) => p.person_id.toUpperCase();
  db.prepare('UPDATE person SET protected_identity = 1 WHERE person_id = ?').run(id(byGiven('Hugo')));
  db.prepare('UPDATE person SET protected_identity = NULL WHERE person_id = ?').run(id(byGiven('Noah')));
  db.prepare('UPDATE person SET deregistered = 1 WHERE person_id = ?').run(id(byGiven('Ella')));
  db.prepare('UPDATE person SET deceased = 1 WHERE person_id = ?').run(id(byGiven('Liam')));
  await step('run 2 (held)', run, new Date('2026-09-02T01:00:00Z'));
  await step('status 2', ['status', ...config], new Date('2026-09-02T06:00:00Z'));

  const held = JSON.parse(readFileSync(join(dir, 'state', 'held.json'), 'utf8')) as { contentHash: string };
  await step('approve', ['approve', held.contentHash, ...config], new Date('2026-09-02T07:00:00Z'));
  receiver.script({ status: 401 });
  await step('run 3 (401)', run, new Date('2026-09-03T01:00:00Z'));
  await step('status 3', ['status', ...config], new Date('2026-09-03T06:00:00Z'));
  await step('run 4 (delivered)', run, new Date('2026-09-04T01:00:00Z'));
  await step('status 4', ['status', ...config], new Date('2026-09-04T06:00:00Z'));

  // The same folders, but a database the account may not open: a failure on the SQL side, with the right password.
  const wrongDb = join(dir, 'config-wrong-database.json');
  const c = JSON.parse(readFileSync(setup.configPath, 'utf8')) as { source: Record<string, unknown> };
  writeFileSync(wrongDb, JSON.stringify({ ...c, source: { ...c.source, database: 'ProCapitaArkiv' } }));
  await step('run 5 (database refused)', ['run', '--config', wrongDb, '--date', DEMO_DATE], new Date('2026-09-05T01:00:00Z'));
  await step('status 5', ['status', '--config', wrongDb], new Date('2026-09-05T06:00:00Z'));
}, 120_000);

afterAll(async () => {
  await Promise.all([tds?.close(), receiver?.close()]);
});

describe('the logs and the state after full runs over SQL and HTTPS', () => {
  it('went as planned: delivered, held, refused (401), delivered, refused by SQL Server; every run wrote to the log', () => {
    expect(Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.code]))).toEqual({
      'run 1 (delivered)': 0,
      'status 1': 0,
      'run 2 (held)': 12,
      'status 2': 0,
      approve: 0,
      'run 3 (401)': 8,
      'status 3': 0,
      'run 4 (delivered)': 0,
      'status 4': 0,
      'run 5 (database refused)': 8,
      'status 5': 0,
    });
    expect(results['run 1 (delivered)']!.stderr).toMatch(/^Reading ProCapita in one transaction at SNAPSHOT isolation\./);
    expect(results['run 3 (401)']!.stderr).toContain('error: The upload service refused the API key (401). Check the key in environment variable PROCAPITA_API_KEY; it may have been rotated.');
    expect(receiver.imports).toHaveLength(2);
    expect(results['run 5 (database refused)']!.stderr).toMatch(/^error: SQL Server at 127\.0\.0\.1:\d+ refused the login for user 'procapita_reader'\. .*database 'ProCapitaArkiv' exists/m);
    expect(receiver.heartbeats.map((h) => h.status)).toEqual([204, 204, 204, 204, 204]);

    const logs = filesUnder(join(dir, 'logs'));
    expect(logs).toHaveLength(1);
    const messages = readFileSync(logs[0]!, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages.filter((m) => m.startsWith('Run ended: '))).toEqual([
      'Run ended: delivered, exit code 0 (ok).',
      'Run ended: held, exit code 12 (heldByGuard).',
      'Run ended: failed, exit code 8 (accessDenied).',
      'Run ended: delivered, exit code 0 (ok).',
      'Run ended: failed, exit code 8 (accessDenied).',
    ]);
    expect(messages.some((m) => m.includes('approved by skoladmin'))).toBe(true);
    // The scan below can fail: the review file of the held run names those who left.
    const review = seen.filter((s) => s.name === 'review.txt');
    expect(review.length).toBeGreaterThan(0);
    for (const p of left) expect(review.map((s) => s.text).join('\n')).toContain(`${p.given_name} ${p.family_name}`);
    for (const name of ['baseline.json', 'held.json', 'last-run.json', 'approval.json']) expect(seen.some((s) => s.name === name), name).toBe(true);
  });

  it('shows no protected person anywhere, not even in the review file: not by name, id or personnummer', () => {
    expect(protectedAll.map((p) => p.given_name).sort()).toEqual(['Eva', 'Idun', 'Klara', 'Tove', 'Vera']);
    for (const s of seen) {
      const text = clean(s.text);
      for (const p of protectedAll) {
        for (const n of [p.person_id, p.person_id.toUpperCase(), `${p.given_name} ${p.family_name}`, ...spellings(p.personal_number)]) expect(text, `${n} in ${s.where}`).not.toContain(n);
        for (const name of [p.given_name, p.family_name]) expect(text, `${name} in ${s.where}`).not.toMatch(wholeWord(name));
      }
    }
  });

  it('shows no one who became protected, once protected: nowhere by name or personnummer, by id only in the baseline the cloud accepted before', () => {
    const afterRun1 = seen.slice(seen.findIndex((s) => s.where.startsWith('run 2')));
    for (const s of afterRun1) {
      const text = clean(s.text);
      for (const p of becameProtected) {
        for (const n of [`${p.given_name} ${p.family_name}`, ...spellings(p.personal_number)]) expect(text, `${n} in ${s.where}`).not.toContain(n);
        for (const name of [p.given_name, p.family_name]) expect(text, `${name} in ${s.where}`).not.toMatch(wholeWord(name));
        if (s.name !== 'baseline.json') for (const n of [p.person_id, p.person_id.toUpperCase()]) expect(text, `${n} in ${s.where}`).not.toContain(n);
      }
    }
    // Once the cloud has accepted a roster without them, the baseline drops them too.
    const last = seen.filter((s) => s.name === 'baseline.json').at(-1)!;
    expect(JSON.parse(last.text)).toMatchObject({ acceptedAt: '2026-09-04T01:00:00.000Z' });
    for (const p of becameProtected) expect(last.text).not.toContain(p.person_id);
  });

  it("shows no one's personnummer, in any spelling, anywhere", () => {
    // The scanner finds them where they are.
    expect(new Set(numbersIn(JSON.stringify(fixture))).size).toBe(persons.length);
    expect(numbersIn(`${byGiven('Hugo').personal_number.slice(2, 8)}-${byGiven('Hugo').personal_number.slice(8)}`)).toEqual([byGiven('Hugo').personal_number]);
    for (const s of seen) {
      expect(numbersIn(s.text), s.where).toEqual([]);
      for (const p of persons) for (const n of spellings(p.personal_number)) expect(s.text, `${n} in ${s.where}`).not.toContain(n);
    }
  });

  it('review.txt holds no personnummer', () => {
    for (const s of seen.filter((x) => x.name === 'review.txt')) expect(numbersIn(s.text), s.where).toEqual([]);
  });

  it('holds neither the SQL password nor the API key', () => {
    for (const s of seen) {
      expect(s.text, s.where).not.toContain(SQL_PASSWORD);
      expect(s.text, s.where).not.toContain(API_KEY);
    }
  });

  it('the run reports name those who left, and mark no one else: the scans above cover them', () => {
    const held = seen.filter((s) => /state\/reports\/2026-09-02T010000Z-held\.html$/.test(s.where)).at(-1)!;
    expect(held, 'the held run report').toBeDefined();
    for (const p of left) expect(held.text).toContain(`${p.given_name} ${p.family_name}`);
    // Hugo and Noah, protected since: counted among the removed, never named.
    expect(held.text).toContain('2 borttagna personer visas inte: skyddad identitet.');
  });

  it("names no one in the logs, last-run.json, held.json, baseline.json, approval.json or the terminal: only the review file and the run reports name persons", () => {
    const named = seen.filter((s) => s.name !== 'review.txt' && !s.where.includes('state/reports/'));
    expect(named.map((s) => s.name)).toEqual(expect.arrayContaining(['stdout', 'stderr', 'last-run.json', 'held.json', 'baseline.json', 'approval.json']));
    expect(named.some((s) => /^procapita-sync\.\d{4}-\d{2}-\d{2}\.\d+\.log$/.test(s.name))).toBe(true);
    for (const s of named) {
      const text = clean(s.text);
      for (const p of persons) {
        expect(text, `${p.given_name} ${p.family_name} in ${s.where}`).not.toContain(`${p.given_name} ${p.family_name}`);
        for (const name of [p.given_name, p.family_name]) expect(text, `${name} in ${s.where}`).not.toMatch(wholeWord(name));
      }
    }
  });

  it('keeps person ids out of the logs and last-run.json (ids are in the baseline by design)', () => {
    for (const s of seen.filter((x) => /\.log$|^last-run\.json$|^held\.json$/.test(x.name))) {
      for (const p of persons) expect(s.text.toLowerCase(), `${p.person_id} in ${s.where}`).not.toContain(p.person_id);
    }
  });
});
