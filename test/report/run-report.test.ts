/**
 * The run report as files: what each night leaves in reports/, the CSV that
 * Excel opens, the index and its retention, `report [--open]`, and that no
 * protected person and no personnummer is in any of it. test/report/browser
 * looks at the same pages in Chromium.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvCell } from '../../src/report/left-out-csv';
import { maskPersonalNumbersIn } from '../../src/personal-number';
import { openCommand } from '../../src/cli/report';
import { changesSince, MAX_LISTED } from '../../src/report/changes';
import { classesOfPersons, personDigests, STUDENT } from '../../src/guard/baseline';
import type { Command } from '../../src/schedule/task';
import { DEMO_DATE, runCli } from '../support/cli';
import { byGiven, FORMULA_NAME, fourNights, NUMBER_IN_NAME, type Nights } from './nights';

let n: Nights;
const page = (label: keyof Nights['nights']) => readFileSync(n.nights[label].lastRun.report!, 'utf8');
/** The page's text as a reader sees it: tags gone, entities read, white space folded. */
const text = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
const allReportFiles = () => readdirSync(n.reports).map((f) => ({ name: f, text: readFileSync(join(n.reports, f), 'utf8') }));

beforeAll(async () => {
  n = await fourNights();
}, 60_000);

describe('the run report of each night', () => {
  it('every run writes one, named by its start and outcome, and last-run.json points to it', () => {
    expect(Object.values(n.nights).map((x) => x.result.code)).toEqual([0, 0, 12, 4]);
    expect(Object.values(n.nights).map((x) => x.lastRun.report)).toEqual([
      join(n.reports, '2026-09-01T010000Z-delivered.html'),
      join(n.reports, '2026-09-02T010000Z-delivered.html'),
      join(n.reports, '2026-09-03T010000Z-held.html'),
      join(n.reports, '2026-09-04T010000Z-failed.html'),
    ]);
    expect(readdirSync(n.reports).sort()).toEqual([
      '2026-09-01T010000Z-delivered-left-out.csv',
      '2026-09-01T010000Z-delivered.html',
      '2026-09-02T010000Z-delivered-left-out.csv',
      '2026-09-02T010000Z-delivered.html',
      '2026-09-03T010000Z-held-left-out.csv',
      '2026-09-03T010000Z-held.html',
      '2026-09-04T010000Z-failed.html',
      'index.html',
      'index.json',
    ]);
  });

  it('is Swedish, says it holds personal data, and needs nothing from outside: no script, no remote resource', () => {
    for (const label of ['first', 'changes', 'held', 'failed'] as const) {
      const html = page(label);
      expect(html).toMatch(/^<!doctype html>\n<html lang="sv">/);
      expect(text(html)).toContain('Rapporten innehåller personuppgifter: namn och GUID för elever och personal. Behåll den på den här servern och skicka den inte vidare. Den raderas efter 60 dagar.');
      expect(html).not.toMatch(/<script|<link|<img|<iframe|<object|<embed|\ssrc=|url\(/i);
    }
  });

  it('the first delivery: the outcome in one sentence, the schools, nothing to compare with, and who was left out and why', () => {
    const t = text(page('first'));
    expect(t).toContain('Nattens körning för 2026-09-01: Levererad');
    expect(t).toContain('Elevlistan levererades: 15 elever, 6 i personalen och 10 grupper.');
    expect(t).toMatch(/Björkskolan \(BJSK\) F, GR 12 4 3 3 /);
    expect(t).toMatch(/Totalt 15 6 5 5 /);
    expect(t).toContain('Det här är den första leveransen: det finns ingen tidigare att jämföra med.');
    // Explain's words for the rule, with the dates that decided it.
    expect(t).toMatch(/ingen aktiv klassplacering \(no-active-placement\) 5 /);
    expect(t).toMatch(/placement in \S+ at \S+ ended \d{4}-\d\d-\d\d \(before 2026-09-01\)/);
    expect(t).toContain('3 med skyddad identitet: räknas, men visas aldrig.');
    // A school with students that the configuration does not name, on the page and in the run's summary.
    expect(t).toContain('Inte valda, men med elever placerade i sina klasser i dag (explain ENHETSKOD visar mer): LIFS FS Lindens förskola: 1 elev');
    expect(n.nights.first.result.stdout).toContain('\nNot configured, but with students placed in their classes today (explain UNITCODE shows more):\n  ! LIFS FS Lindens förskola: 1 student\n');
  });

  it('the second night lists who was added, removed and changed, with names and schools; the newly protected are only counted', () => {
    const t = text(page('changes'));
    expect(t).toContain(`Jämfört med elevlistan som levererades för ${DEMO_DATE} (${n.nights.first.lastRun.contentHash}).`);
    expect(t).toMatch(/Personer 1 2 1 Grupper 0 0 4 /); // added Nova; removed Ella, and Noah not listed; changed Hugo (renaming 7A changes no member)
    expect(t).toContain(`Tillagda: 1 Namn GUID Roller Skolor Klasser Nova Nyström 0c0ffee0-0000-4000-8000-000000000001 elev BJSK 7A Ht`);
    const ella = byGiven(n.fixture, 'Ella');
    expect(t).toContain(`Borttagna: 1 Namn GUID Roller Skolor Klasser Ella ${ella.family_name} ${ella.person_id} elev BJSK 7A`);
    expect(t).toContain('1 borttagen person visas inte: skyddad identitet.');
    expect(t).toContain(`Hugo Dahlberg ${byGiven(n.fixture, 'Hugo').person_id}`);
    expect(t).toMatch(/7A Ht \S+ klass BJSK GR 5 1 hette 7A; Elever \+1 −1 /); // Nova in, Ella out
  });

  it('a held run: the guard says why, the whole review, and the approve command to copy', () => {
    const t = text(page('held'));
    const hash = n.nights.held.lastRun.contentHash!;
    expect(t).toContain('Raderingsskyddet stoppade elevlistan: ingenting levererades.');
    expect(t).toContain('Stoppat: fler borttagningar än gränserna tillåter.');
    expect(t).toMatch(/students would be removed/);
    expect(page('held')).toContain(`<code class="copy" id="approve">procapita-sync approve ${hash} --config ${n.configPath}</code>`);
    expect(t).toContain(readFileSync(join(n.state, 'review.txt'), 'utf8').split('\n')[0]!.trim());
  });

  it('a failed run: the exit code, its meaning and the message; the parts it never got to say so', () => {
    const t = text(page('failed'));
    expect(t).toContain('Körningen misslyckades med slutkod 4 (sourceUnavailable): ingenting levererades.');
    expect(t).toContain('Slutkod 4 (sourceUnavailable):');
    expect(t).toContain('Körningen avbröts innan reglerna tillämpades.');
    expect(t).toContain('Körningen avbröts före raderingsskyddet.');
  });

  it('English when the configuration says so', async () => {
    const en = await fourNights({ language: 'en' });
    const html = readFileSync(en.nights.held.lastRun.report!, 'utf8');
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(text(html)).toContain('The deletion guard held the roster back: nothing was delivered.');
    expect(text(readFileSync(join(en.reports, 'index.html'), 'utf8'))).toContain('4 runs in the last 60 days, newest first.');
  });
});

describe('the changes, counted past what a page lists', () => {
  it('a new school year: 1,500 gone, 1,000 listed and the total said; those now protected only counted', () => {
    const ids = Array.from({ length: 1500 }, (_, i) => `p${String(i).padStart(4, '0')}`);
    const baseline = {
      contentHash: 'sha256:x',
      syncDate: '2026-06-30',
      acceptedAt: '2026-06-30T01:00:00.000Z',
      schools: [{ id: 'u1', code: 'KRSK', name: 'Krokslätt' }],
      persons: ids.map((id) => ({ id, roles: STUDENT, schoolIds: ['u1'] })),
      groups: [],
    };
    const rows = { persons: ids.map((id, i) => ({ person_id: id, given_name: 'Elev', family_name: id, personal_number: null, email: null, protected_identity: i < 2 ? 1 : 0, deregistered: false, deceased: false })) };
    const tonight = { schools: [], persons: [], groups: [] };
    const c = changesSince(tonight, personDigests(tonight), classesOfPersons(tonight), baseline, rows);
    expect(c.persons.removed.total).toBe(1498);
    expect(c.persons.removed.items).toHaveLength(MAX_LISTED);
    expect(c.persons.notListed).toBe(2);
    expect(c.persons.removed.items.map((p) => p.id)).not.toContain('p0000');
    expect(c.persons.changed).toBeNull(); // this baseline has no digests
  });
});

describe('the left-out CSV', () => {
  const csv = () => readFileSync(join(n.reports, '2026-09-02T010000Z-delivered-left-out.csv'), 'utf8');

  it('opens in Swedish Excel: UTF-8 with BOM, semicolons, CRLF, a header row', () => {
    const raw = readFileSync(join(n.reports, '2026-09-02T010000Z-delivered-left-out.csv'));
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv().slice(1).split('\r\n');
    expect(lines[0]).toBe('Typ;Orsakskod;Orsak;Namn;GUID;Skola;"Klass eller skolform";"Regeln som avgjorde"');
    expect(lines.at(-1)).toBe('');
    expect(csv().replace(/\r\n/g, '')).not.toContain('\n');
    const ella = byGiven(n.fixture, 'Ella');
    expect(lines).toContain(`elev;deregistered;avregistrerad;"Ella ${ella.family_name}";${ella.person_id};BJSK;"7A Ht";"marked as deregistered"`);
  });

  it('makes a formula text, and masks a personnummer in a name', () => {
    expect(csv()).toContain(`övrig person;no-role;"ingen klassplacering och ingen anställning";"'${FORMULA_NAME.replace(/"/g, '""')} Olsson";0c0ffee0-0000-4000-8000-000000000003;;;\r\n`);
    expect(csv()).toContain('"Pia Dahl [personnummer]"');
    for (const [input, cell] of [
      ['=1+1', `"'=1+1"`],
      ['+46 70', `"'+46 70"`],
      ['-2', `"'-2"`],
      ['@SUM(A1)', `"'@SUM(A1)"`],
      ['\tx', `"'\tx"`],
      ['a;b', '"a;b"'],
      ['a"b', '"a""b"'],
      ['rad ett\nrad två', '"rad ett rad två"'],
      ['Åsa', 'Åsa'],
    ]) {
      expect(csvCell(input!), input).toBe(cell);
    }
  });
});

describe('privacy in every report file', () => {
  it('no protected person (by name, GUID or personnummer) and no personnummer at all, in any page, CSV or index', () => {
    const protectedRows = [...n.second.person!.filter((p) => p.protected_identity !== 0)];
    expect(protectedRows.map((p) => p.given_name).sort()).toEqual(['Eva', 'Idun', 'Klara', 'Noah', 'Tove', 'Vera']);
    for (const f of allReportFiles()) {
      // Noah was delivered before he became protected: the first night's report may not name him either, as it lists no one delivered.
      for (const p of protectedRows) {
        for (const v of [String(p.person_id), `${p.given_name} ${p.family_name}`]) expect(f.text, `${v} in ${f.name}`).not.toContain(v);
      }
      for (const p of n.second.person!) {
        const pnr = p.personal_number as string | null;
        if (pnr) for (const v of [pnr, pnr.slice(2), `${pnr.slice(0, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}-${pnr.slice(8)}`]) expect(f.text, `a personnummer in ${f.name}`).not.toContain(v);
      }
    }
    expect(NUMBER_IN_NAME(n.fixture)).toMatch(/^Dahl \d{12}$/);
    expect(maskPersonalNumbersIn(NUMBER_IN_NAME(n.fixture))).toBe('Dahl [personnummer]');
    expect(maskPersonalNumbersIn('rum 1234, tel 08-123 45 67, 2026-09-01')).toBe('rum 1234, tel 08-123 45 67, 2026-09-01');
  });

  it('index.json holds counts and file names only', () => {
    const index = readFileSync(join(n.reports, 'index.json'), 'utf8');
    for (const p of n.second.person!) expect(index).not.toContain(String(p.person_id));
    expect(JSON.parse(index).runs.map((r: { outcome: string; changes: number | null }) => [r.outcome, r.changes])).toEqual([
      ['failed', null],
      ['held', 8],
      ['delivered', 8],
      ['delivered', null],
    ]);
  });
});

describe('the index and its retention', () => {
  it('index.html has a row per run, newest first, linking each report, and a chart of the delivered runs', () => {
    const html = readFileSync(join(n.reports, 'index.html'), 'utf8');
    const links = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
    expect(links).toEqual(['2026-09-04T010000Z-failed.html', '2026-09-03T010000Z-held.html', '2026-09-02T010000Z-delivered.html', '2026-09-01T010000Z-delivered.html']);
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(text(html)).toContain('Elever från 2026-09-01 till 2026-09-01: mellan 14 och 15.');
  });

  it('reports older than reports.keepDays go, the index with them', async () => {
    const config = JSON.parse(readFileSync(n.configPath, 'utf8')) as Record<string, unknown>;
    const { writeFileSync } = await import('node:fs');
    writeFileSync(n.configPath, JSON.stringify({ ...config, reports: { keepDays: 2 } }));
    try {
      const r = await runCli(['run', '--config', n.configPath, '--date', DEMO_DATE], new Date('2026-09-05T12:00:00Z'));
      expect(r.code).toBe(4);
      expect(readdirSync(n.reports).sort()).toEqual(['2026-09-04T010000Z-failed.html', '2026-09-05T120000Z-failed.html', 'index.html', 'index.json']);
      expect(JSON.parse(readFileSync(join(n.reports, 'index.json'), 'utf8')).runs).toHaveLength(2);
    } finally {
      writeFileSync(n.configPath, JSON.stringify(config));
    }
  });
});

describe('procapita-sync report', () => {
  it('prints the newest report; --open hands it to the desktop', async () => {
    const newest = JSON.parse(readFileSync(join(n.state, 'last-run.json'), 'utf8')).report as string;
    const r = await runCli(['report', '--config', n.configPath]);
    expect(r).toMatchObject({ code: 0, stdout: `${newest}\n`, stderr: '' });
    const ran: Command[] = [];
    const opened = await runCli(['report', '--open', '--config', n.configPath], undefined, {}, { platform: 'linux', exec: async (c) => (ran.push(c), { code: 0, stdout: '', stderr: '' }) });
    expect(opened.code).toBe(0);
    expect(ran).toEqual([{ file: 'xdg-open', args: [newest] }]);
    expect(openCommand('win32', 'C:\\ProgramData\\procapita-sync\\state\\reports\\a b.html')).toEqual({ file: 'explorer.exe', args: ['C:\\ProgramData\\procapita-sync\\state\\reports\\a b.html'] });
  });

  it('says where it looked when there is none yet, and that runs write them', async () => {
    const { writeSetup, demoFixture } = await import('../support/cli');
    const { configPath, dir } = writeSetup(demoFixture(), { target: { type: 'directory', path: 'out' } });
    const r = await runCli(['report', '--config', configPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: There is no run report in ${join(dir, 'state', 'reports')} yet: each run writes one (procapita-sync run, or the scheduled task).\n`);
  });
});
