/**
 * The steps one by one, with scripted answers: what the user is shown, and
 * what ends up in the context.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CheckFound, CheckResult } from '../../src/cli/checks';
import { formatQualityReport } from '../../src/enrich/ad-mapping';
import { readFixture } from '../../src/extract/fixture-source';
import type { SourceRows } from '../../src/extract/contract';
import { schoolOverview } from '../../src/report/overview';
import { messagesFor } from '../../src/messages';
import { emailStep } from '../../wizard/steps/email';
import { previewStep } from '../../wizard/steps/preview';
import { resultText } from '../../wizard/steps/shared';
import { privacyStep } from '../../wizard/steps/privacy';
import { scheduleStep } from '../../wizard/steps/schedule';
import { schoolsStep } from '../../wizard/steps/schools';
import { sqlStep } from '../../wizard/steps/sql';
import { loadAnswers } from '../../wizard/answers';
import { snapshotUrl, targetStep } from '../../wizard/steps/target';
import { countSelected, teachingGroupsStep } from '../../wizard/steps/teaching-groups';
import { DEMO_FIXTURE, tempDir } from '../support/cli';
import { API_KEY, CA_FILE, closeAll, receiver, SQL_PASSWORD, stepContext, tdsServer } from './support';
import { ours } from '../../src/safe-text';

let rows: SourceRows;
beforeAll(async () => {
  rows = await readFixture(DEMO_FIXTURE);
});
afterEach(closeAll);

const SCHOOLS = [
  { unitCode: 'BJSK', schoolForm: 'GR' },
  { unitCode: 'EKGY', schoolForm: 'GY' },
];

describe('schoolOverview', () => {
  it('lists every unit and form with dates, whether active, and students with an active placement', () => {
    expect(schoolOverview(rows, '2026-09-01').map((s) => `${s.unitCode} ${s.schoolForm} ${s.active ? 'active' : 'inactive'} ${s.students} ${s.formStart}–${s.formEnd ?? ''}`)).toEqual([
      'BJSK F active 3 1998-08-01–',
      'BJSK GR active 15 1998-08-01–',
      'EKGY GY active 4 2005-08-01–',
      'GMSK GR inactive 0 1960-08-01–2025-06-30',
      'LIFS FS active 1 2010-01-01–',
    ]);
  });
});

describe('1. SQL Server', () => {
  it('asks host, port, database, login, masked password, encryption and certificate check; on a refused login offers to change the password, then reads ProCapita', async () => {
    const sql = await tdsServer();
    const { ctx, prompts, out } = stepContext({
      script: ['127.0.0.1', '', String(sql.port), 'ProCapita', 'procapita_reader', 'wrong password', true, 'caFile', CA_FILE, 'sql.password', SQL_PASSWORD],
    });
    await sqlStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(prompts.screen).toEqual([
      '? SQL Server host name or address 127.0.0.1',
      '? Named instance (empty: connect to a port) ',
      `? TCP port (1433) ${sql.port}`,
      '? Database ProCapita',
      '? SQL login (read-only) procapita_reader',
      '? Password for procapita_reader **************',
      '? Encryption',
      '  TLS (recommended)',
      '  TLS, strict (TDS 8, SQL Server 2022 and later)',
      '  None (only on a network you trust)',
      '  → TLS (recommended)',
      "? How is SQL Server's certificate checked?",
      '  Against the certificates this server trusts',
      '  Against a CA certificate in a file',
      '  Not at all: accept any certificate (not recommended)',
      '  → Against a CA certificate in a file',
      `? CA certificate file (PEM) ${CA_FILE}`,
      '? What now?',
      '  Try again',
      '  Change: host',
      '  Change: instance or port',
      '  Change: database',
      '  Change: SQL login',
      '  Change: password',
      '  Change: encryption',
      '  Change: certificate check',
      '  Quit without writing anything',
      '  → Change: password',
      `? Password for procapita_reader ${'*'.repeat(SQL_PASSWORD.length)}`,
    ]);
    // First in the words of the questions answered, then the log's text.
    expect(out()).toMatch(
      /Testing the login and the schema check…\n  ✗ SQL Server refused the login\. Change the answers to "SQL login \(read-only\)" and the password, or to "Database" if the database has another name or the account may not open it\.\n {4}SQL Server at 127\.0\.0\.1:\d+ refused the login for user 'procapita_reader'\. Check the SQL account and its password \(the value given in setup\)/,
    );
    expect(out()).toContain('✓ ProCapita read: 4 school units, 40 persons.');
    expect(out()).not.toContain(SQL_PASSWORD);
    expect(ctx.draft.source).toEqual({ type: 'sql', host: '127.0.0.1', port: sql.port, database: 'ProCapita', user: 'procapita_reader', encrypt: true, trustServerCertificate: false, caFile: CA_FILE });
    expect(ctx.secrets).toEqual({ sqlPassword: SQL_PASSWORD });
    expect(ctx.rows?.schoolUnits).toHaveLength(4);
  });

  it('a named instance instead of a port; "quit" after a failure ends the wizard with nothing written', async () => {
    const failing = async (): Promise<CheckResult> => ({ ok: false, label: 'SQL Server', detail: ours('The host name sql-nowhere cannot be resolved. Check source.host.'), code: 'sourceUnavailable', kind: 'sqlHostUnknown' });
    const { ctx, out } = stepContext({ script: ['sql-nowhere', 'PROCAPITA', 'ProCapita', 'reader', 'pw', false, 'quit'], checks: { sql: failing } });
    await expect(sqlStep(ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(ctx.draft.source).toMatchObject({ host: 'sql-nowhere', instanceName: 'PROCAPITA', encrypt: false, trustServerCertificate: false });
    expect(ctx.draft.source).not.toHaveProperty('port');
    expect(out()).toContain('  ✗ That host name does not exist. Change the answer to "SQL Server host name or address".\n    The host name sql-nowhere cannot be resolved. Check source.host.');
  });
});

describe('1. SQL Server: a failure in the words of the questions', () => {
  it('an untrusted certificate names the certificate question and its choice, not source.caFile; changing that answer passes', async () => {
    const sql = await tdsServer();
    const certificateCheck = (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => /^Ändra: .*certifikat/.test(c.name))!.value;
    const { ctx, prompts, out } = stepContext({
      lang: 'sv',
      script: ['127.0.0.1', '', String(sql.port), 'ProCapita', 'procapita_reader', SQL_PASSWORD, true, 'system', certificateCheck, 'caFile', CA_FILE],
    });
    await sqlStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(out()).toMatch(
      /\n {2}✗ SQL Servers certifikat godtogs inte\. Vid ”Hur ska SQL Servers certifikat kontrolleras\?” väljer du ”Mot ett CA-certifikat i en fil” och anger CA-certifikatet som utfärdade det, eller ”Inte alls: godta vilket certifikat som helst \(rekommenderas inte\)” om du godtar en okontrollerad anslutning\.\n {4}Orsak \(samma text som i loggen\): The TLS certificate of SQL Server at 127\.0\.0\.1:\d+ is not trusted/,
    );
    // The wizard's own words name no configuration key; the log's text, quoted as such, does.
    const hint = out().split('\n').find((l) => l.startsWith('  ✗ SQL Servers certifikat'))!;
    expect(hint).not.toMatch(/source\.|caFile|trustServerCertificate/);
    expect(out()).toContain('  ✓ SQL Server 127.0.0.1:');
    expect(ctx.draft.source).toMatchObject({ trustServerCertificate: false, caFile: CA_FILE });
  });
});

describe('1. SQL Server, with a port given ahead', () => {
  it('asks no named instance: the port answers that question', async () => {
    const failing = async (): Promise<CheckResult> => ({ ok: false, label: 'SQL Server', detail: ours('The host name sql-nowhere cannot be resolved. Check source.host.'), code: 'sourceUnavailable', kind: 'sqlHostUnknown' });
    const { ctx, prompts } = stepContext({ answers: await loadAnswers({ sqlPort: '14330' }), script: ['sql-nowhere', 'ProCapita', 'reader', 'pw', false, 'quit'], checks: { sql: failing } });
    await expect(sqlStep(ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(prompts.screen.filter((l) => /instance|port/i.test(l) && l.startsWith('?'))).toEqual([]);
    expect(ctx.draft.source).toMatchObject({ host: 'sql-nowhere', port: 14330 });
    expect(ctx.draft.source).not.toHaveProperty('instanceName');
  });
});

describe('2. Schools', () => {
  it('searches, ticks and unticks with Enter, shows dates and student counts, and needs at least one', async () => {
    const pick = (text: string) => (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.includes(text))!.value;
    const { ctx, prompts, out } = stepContext({
      rows,
      script: [pick('Done'), pick('BJSK GR'), pick('EKGY GY'), pick('LIFS'), pick('LIFS'), pick('Done')],
    });
    await schoolsStep(ctx);
    expect(out()).toContain('ProCapita has 5 school forms at 4 school units; 4 active today.');
    expect(out()).toContain('Pick at least one school first.');
    expect(prompts.screen.slice(0, 7)).toEqual([
      '? Schools to deliver',
      '  Done (0 selected)',
      '  [ ] BJSK F  Björkskolan  (3 students) — school unit 1998-08-01 – no end date; school form 1998-08-01 – no end date',
      '  [ ] BJSK GR  Björkskolan  (15 students) — school unit 1998-08-01 – no end date; school form 1998-08-01 – no end date',
      '  [ ] EKGY GY  Ekdalens gymnasium  (4 students) — school unit 2005-08-01 – no end date; school form 2005-08-01 – no end date',
      '  [ ] GMSK GR  Gamla skolan  (0 students, not active today) — school unit 1960-08-01 – 2025-06-30; school form 1960-08-01 – 2025-06-30',
      '  [ ] LIFS FS  Lindens förskola  (1 student) — school unit 2010-01-01 – no end date; school form 2010-01-01 – no end date',
    ]);
    // After two ticks and a tick and untick of LIFS, the list shows what is ticked.
    const last = prompts.screen.lastIndexOf('? Schools to deliver');
    expect(prompts.screen.slice(last + 1, last + 7).map((l) => l.slice(0, 24))).toEqual(['  Done (2 selected)', '  [ ] BJSK F  Björkskola', '  [x] BJSK GR  Björkskol', '  [x] EKGY GY  Ekdalens ', '  [ ] GMSK GR  Gamla sko', '  [ ] LIFS FS  Lindens f']);
    expect(ctx.draft.schools).toEqual(SCHOOLS);
    expect(out()).toContain('✓ 2 school forms chosen, 19 students placed in their classes today.');
  });

  it('shows control characters in school names and codes escaped, in the list and the answered line', async () => {
    const hostile: SourceRows = {
      ...rows,
      schoolUnits: rows.schoolUnits.map((u) => (u.unit_code === 'BJSK' ? { ...u, name: 'Björk\u001b[2J\u001b]0;x\u0007skolan\u202e' } : u)),
    };
    const pick = (text: string) => (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.includes(text))!.value;
    const { ctx, prompts, out } = stepContext({ rows: hostile, script: [pick('BJSK GR'), pick('Done')] });
    await schoolsStep(ctx);
    const seen = [...prompts.screen, out()].join('\n');
    expect(seen).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(prompts.screen).toContain('  [ ] BJSK GR  Björk\\x1b[2J\\x1b]0;x\\x07skolan\\u{202e}  (15 students) — school unit 1998-08-01 – no end date; school form 1998-08-01 – no end date');
  });

  it('filters by what is typed: code, name or form, every word', async () => {
    const { ctx } = stepContext({ rows });
    let source: ((term: string) => readonly { name: string }[]) | undefined;
    ctx.prompts.search = async (q) => {
      source = q.source as typeof source;
      return 'bjsk/GR' as never;
    };
    let calls = 0;
    const search = ctx.prompts.search;
    ctx.prompts.search = async (q) => (calls++ === 0 ? search(q) : ('\u0000done' as never));
    await schoolsStep(ctx);
    const names = (term: string) =>
      source!(term)
        .filter((c) => c.name.startsWith('['))
        .map((c) => c.name.slice(4, 11).trim());
    expect(names('')).toHaveLength(5);
    expect(names('björk')).toEqual(['BJSK F', 'BJSK GR']);
    expect(names('gr')).toEqual(['BJSK GR', 'GMSK GR']);
    expect(names('skolan gr')).toEqual(['BJSK GR', 'GMSK GR']);
    expect(names('gymnasium')).toEqual(['EKGY GY']);
    expect(names('nothing like it')).toEqual([]);
    expect(source!('nothing')[0]!.name).toBe('Done (1 selected)'); // "Done" is always there
    // After a search that shows more than one, the second choice selects them all; not before a search.
    expect(source!('gr').map((c) => c.name).slice(0, 2)).toEqual(['Done (1 selected)', 'Select all 2 shown']);
    expect(source!('').map((c) => c.name)).not.toContain('Select all 5 shown');
    expect(source!('gymnasium').map((c) => c.name)).not.toContain('Select all 1 shown');
  });
});

describe('3. Teaching groups', () => {
  it('shows how many activities each choice selects today; a prefix is counted and confirmed', async () => {
    const { ctx, prompts, out } = stepContext({ rows, draft: { schools: SCHOOLS }, script: ['namePrefix', 'Mode', true] });
    await teachingGroupsStep(ctx);
    expect(prompts.screen.slice(0, 4)).toEqual([
      '? Which activities?',
      '  Those with the word PORTAL in their notes (8 of 10 today, 5 of them become groups)',
      '  Those whose name starts with a given text',
      '  Those whose name ends with a given text',
    ]);
    const prefix = countSelected(ctx, { select: 'namePrefix', prefix: 'Mode' });
    expect(out()).toContain(`✓ This selects ${prefix.selected} of the 10 activities at the chosen schools; ${prefix.groups} of them become teaching groups today.`);
    expect(ctx.draft.teachingGroups).toEqual({ select: 'namePrefix', prefix: 'Mode' });
  });

  it('PORTAL by default, without a question more', async () => {
    const { ctx, prompts } = stepContext({ rows, draft: { schools: SCHOOLS }, script: ['notesMarker'] });
    await teachingGroupsStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(ctx.draft.teachingGroups).toEqual({ select: 'notesMarker' });
  });
});

describe('4. Privacy', () => {
  it('personnummer off by default with the reason; e-mail required when asked', async () => {
    const { ctx, prompts, out } = stepContext({ script: ['', true] });
    await privacyStep(ctx);
    expect(out()).toContain('Personnummer are sensitive and the cloud service rarely needs them');
    expect(prompts.screen).toEqual(['? Export personnummer? no', '? Leave out persons without an e-mail address? yes']);
    expect(ctx.draft).toEqual({ export: { personalNumber: false }, email: { requireEmail: true } });
  });

  it('in Swedish', async () => {
    const { ctx, prompts } = stepContext({ lang: 'sv', script: ['', ''] });
    await privacyStep(ctx);
    expect(prompts.screen).toEqual(['? Exportera personnummer? no', '? Utelämna personer som saknar e-postadress? no']);
  });
});

describe('5. E-mail addresses', () => {
  it('a mapping file is read and checked now; a broken one is shown with its problem and can be changed', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad.csv'), 'key,email\nnot-a-key,x@y.se\n');
    writeFileSync(join(dir, 'good.csv'), 'key,email\n3e04762b-2519-5477-b507-4bf812f714c6,a@skola.se\n');
    const { ctx, out } = stepContext({ rows, draft: { email: { requireEmail: false } }, script: ['file', join(dir, 'nope.csv'), join(dir, 'bad.csv'), 'email.mappingFile', join(dir, 'good.csv')] });
    await emailStep(ctx);
    expect(out()).toContain('line 2: the key is neither a GUID nor a personnummer');
    expect(out()).toContain('✓ the mapping file holds 1 addresses by GUID and 0 by personnummer');
    expect(ctx.draft.email).toEqual({ requireEmail: false, mappingFile: join(dir, 'good.csv') });
  });
});

describe('6. Target', () => {
  it('a bare origin becomes the snapshot endpoint', () => {
    expect(snapshotUrl('https://upload.example.com')).toBe('https://upload.example.com/v1/snapshots');
    expect(snapshotUrl('https://api.example.com/procapita/')).toBe('https://api.example.com/procapita/v1/snapshots');
    expect(snapshotUrl('https://api.example.com/procapita/v1/snapshots')).toBe('https://api.example.com/procapita/v1/snapshots');
  });

  it('pings with the key: a refused key is shown as such, the key is changed, the ping passes', async () => {
    const rec = await receiver();
    const { ctx, prompts, out } = stepContext({ draft: { source: { type: 'fixture', path: DEMO_FIXTURE } }, script: [rec.url, 'wrong-key', false, CA_FILE, 'target.apiKey', API_KEY] });
    await targetStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(out()).toContain(`Using ${rec.url}/v1/snapshots.`);
    expect(out()).toContain('refused the API key (401)');
    expect(out()).toContain(`✓ Upload service ${rec.url}/v1/ping: reachable, API key accepted`);
    expect(ctx.draft.target).toEqual({ type: 'https', url: `${rec.url}/v1/snapshots`, caFile: CA_FILE });
    expect(ctx.secrets).toEqual({ apiKey: API_KEY });
    expect(out()).not.toContain(API_KEY);
  });
});

describe('8. Schedule', () => {
  const env = { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' };

  it('on Windows: the time, and the task registered as the account settled before the first question', async () => {
    const { ctx, prompts, out } = stepContext({ platform: 'win32', env, script: ['', true, 'Vinter-2026!'] });
    ctx.account = 'KOMMUN\\svc-procapita';
    await scheduleStep(ctx);
    expect(out()).toContain('The task runs as KOMMUN\\svc-procapita, the account running this wizard, whose secrets it reads.');
    expect(prompts.screen).toContain('? Time of the nightly run (HH:MM) (18:30) 18:30');
    expect(prompts.screen.join('\n')).not.toContain('Account the task runs as');
    expect(ctx.schedule).toEqual({ time: '18:30', account: 'KOMMUN\\svc-procapita', register: true, password: 'Vinter-2026!' });
  });

  it('elsewhere: the time only; the timer is printed at the write step', async () => {
    const { ctx, prompts } = stepContext({ script: ['7:5', '07:05'] });
    await scheduleStep(ctx);
    expect(prompts.screen).toEqual(['? Time of the nightly run (HH:MM) (18:30) 7:5', '> Give a time of day as HH:MM, e.g. 18:30.', '? Time of the nightly run (HH:MM) (18:30) 07:05']);
    expect(ctx.schedule).toEqual({ time: '07:05', account: 'svc-procapita', register: false });
  });
});

describe('in Swedish: what shared product code says, in the wizard\'s words', () => {
  it('7. the preview\'s summary table, headings and reason texts are Swedish; the reason codes stay', async () => {
    const draft = { source: { type: 'fixture' as const, path: DEMO_FIXTURE }, schools: SCHOOLS, email: { requireEmail: false } };
    const sv = stepContext({ lang: 'sv', draft, script: ['continue'] });
    expect(await previewStep(sv.ctx)).toBe('continue');
    const text = sv.out();
    expect(text).toMatch(/Synkroniseringsdatum 2026-09-01/);
    expect(text).toMatch(/Skolenhet +Skolformer +Elever +Personal +Klasser +Undervisningsgrupper/);
    expect(text).toMatch(/\n {2}Totalt +\d/);
    expect(text).toContain('Utelämnade (orsakskod: antal)');
    expect(text).toMatch(/\d+ {2}deceased: avliden/);
    expect(text).toMatch(/E-post: \d+ från ProCapita/);
    for (const english of ['School unit', 'Sync date', 'Total ', 'Left out', 'E-mail:', ': deceased', 'Teaching groups']) expect(text).not.toContain(english);
    // The English wizard shows the summary as `run` prints it.
    const en = stepContext({ lang: 'en', draft, script: ['continue'] });
    await previewStep(en.ctx);
    expect(en.out()).toMatch(/School unit +Forms +Students +Staff +Classes +Teaching groups/);
    expect(en.out()).toMatch(/\d+ {2}deceased: deceased/);
    expect(en.out()).not.toContain('Skolenhet');
  });

  it('6. a passed check is said from its facts; a failure\'s cause stays English, introduced as the text in the log', async () => {
    const rec = await receiver();
    const { ctx, prompts, out } = stepContext({ lang: 'sv', draft: { source: { type: 'fixture', path: DEMO_FIXTURE } }, script: [rec.url, 'wrong-key', false, CA_FILE, 'target.apiKey', API_KEY] });
    await targetStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(out()).toMatch(/ {2}✗ Molntjänsten godtog inte nyckeln\. Ändra svaret på ”API-nyckel”\.\n {4}Orsak \(samma text som i loggen\): .*refused the API key \(401\)/);
    expect(out()).toContain(`  ✓ Molntjänsten ${rec.url}/v1/ping: nåbar, API-nyckeln godtogs`);
    expect(out()).not.toContain('reachable, API key accepted');
  });

  it('every kind of passed check, in both languages; in English the same words as doctor\'s label', () => {
    const facts: CheckFound[] = [
      { check: 'fixture', path: '/data/demo.json' },
      { check: 'sql', server: '127.0.0.1:1433', database: 'ProCapita', isolation: 'SNAPSHOT' },
      { check: 'ldap', url: 'ldaps://dc01:636', bindDn: 'cn=svc', baseDn: 'dc=kommun' },
      { check: 'target', url: 'https://x/v1/ping' },
      { check: 'proxy', proxy: 'http://proxy:3128', url: 'https://x/v1/ping', status: 200 },
    ];
    const labels = [
      'Fixture /data/demo.json readable',
      'SQL Server 127.0.0.1:1433, database ProCapita: login and schema check passed (reads at SNAPSHOT isolation)',
      'Directory ldaps://dc01:636: bind as cn=svc and read of dc=kommun passed',
      'Upload service https://x/v1/ping: reachable, API key accepted',
      'Proxy http://proxy:3128 to https://x/v1/ping: the service answered through the proxy (HTTP 200)',
    ];
    const result = (found: CheckFound, i: number): CheckResult => ({ ok: true, label: labels[i]!, detail: ours(''), found });
    expect(facts.map((f, i) => resultText(messagesFor('en'), result(f, i)))).toEqual(labels);
    expect(facts.map((f, i) => resultText(messagesFor('sv'), result(f, i)))).toEqual([
      'Testfilen /data/demo.json går att läsa',
      'SQL Server 127.0.0.1:1433, databasen ProCapita: inloggningen och schemakontrollen gick igenom (läser med isolationsnivån SNAPSHOT)',
      'Katalogen ldaps://dc01:636: inloggningen som cn=svc och läsningen av dc=kommun gick igenom',
      'Molntjänsten https://x/v1/ping: nåbar, API-nyckeln godtogs',
      'Proxyn http://proxy:3128 till https://x/v1/ping: tjänsten svarade genom proxyn (HTTP 200)',
    ]);
  });

  it('5. the directory\'s quality report', () => {
    const report = { entries: 3, mapped: 2, withoutKey: 0, invalidKeys: 0, disabledAccounts: 1, withoutAddress: 0, unmatchedInProCapita: 0, procapitaWithoutMatch: 1, duplicateKeys: [{ key: 'k', accounts: ['cn=a', 'cn=b'], kept: 'cn=a' }] };
    const text = formatQualityReport(report, messagesFor('sv').quality);
    expect(text.split('\n')[0]).toBe('Active Directory: 3 konton lästes.');
    expect(text).toContain('ProCapita: 1 person utan skyddad identitet får ingen adress från tabellen.');
    expect(text).toContain('  k: behöll cn=a\n    även cn=b');
    expect(formatQualityReport(report, messagesFor('en').quality)).toBe(formatQualityReport(report));
  });
});
