/**
 * email.ad.refresh "nightly" against the real Samba AD DC: each run rebuilds
 * the mapping table first; a failed rebuild keeps the previous table byte for
 * byte, warns everywhere the admin looks, and the run still delivers. No value
 * from the directory reaches a warning, the log, last-run.json or the report.
 */
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/last-run';
import { seedUsers, startSamba, stopDirectories, type Directory, type SeedUser } from '../ldap/directories';
import { DEMO_DATE, demoFixture, runCli, snapshotText, writeSetup } from '../support/cli';

const OU = 'OU=AdRefresh,DC=test,DC=local';
const NOW = new Date('2026-09-01T10:00:00Z');
const fixture = demoFixture();
const pnrOf = (given: string) => fixture.person!.find((p) => p.given_name === given)!.personal_number as string;
const PASSWORD_ENV = { PROCAPITA_LDAP_PASSWORD: 'set in beforeAll' };

// An account whose key names no ProCapita person (employeeID holds 16 characters: no GUID): read from AD on every rebuild, never written anywhere.
const CANARY = { cn: 'Kanariefagel Qxzv', mail: 'kanariefagel.qxzv@skola.test.local', key: '201110284997' }; // a valid personnummer that is no one's in the demo
const canaryUser: SeedUser = { cn: CANARY.cn, givenName: 'Kanariefagel', sn: 'Qxzv', key: CANARY.key, mail: CANARY.mail, sAMAccountName: 'ref-canary' };
const sara: SeedUser = { cn: 'Refresh Sara', givenName: 'Sara', sn: 'Nyström', key: pnrOf('Sara'), mail: 'sara.nystrom@skola.test.local', sAMAccountName: 'ref-sara' };
const maja: SeedUser = { cn: 'Refresh Maja', givenName: 'Maja', sn: 'Carlsson', key: pnrOf('Maja'), mail: 'maja.carlsson@skola.test.local', sAMAccountName: 'ref-maja' };
/** What the table holds when AD has only Sara (and the canary, whom it leaves out). */
const SARA_ONLY = `key,email\n${pnrOf('Sara')},sara.nystrom@skola.test.local\n`;

/** The demo's own rule warning, in every run's warnings before any of the mapping table's. */
const DEMO_WARNING = '1 person has an unknown protected-identity level (NULL or not 0–3) and was left out to be safe. Check the protected-identity field in ProCapita.';

let samba: Directory;
beforeAll(async () => {
  samba = await startSamba();
  PASSWORD_ENV.PROCAPITA_LDAP_PASSWORD = samba.bindPassword;
}, 240_000);
afterAll(() => stopDirectories(), 60_000);

/** A setup that delivers into a folder and rebuilds the table from AD (refresh "nightly" unless told). */
function setup(ad: Record<string, unknown> = {}) {
  const { configPath, dir } = writeSetup(fixture, {
    target: { type: 'directory', path: 'delivered' },
    email: {
      mappingFile: 'email-mapping.csv',
      ad: { url: samba.ldapsUrl, caFile: 'ca.pem', bindDn: samba.bindDn, passwordEnv: 'PROCAPITA_LDAP_PASSWORD', baseDn: OU, refresh: 'nightly', ...ad },
    },
  });
  writeFileSync(join(dir, 'ca.pem'), samba.ca);
  const table = join(dir, 'email-mapping.csv');
  const run = (args: string[] = [], env: NodeJS.ProcessEnv = PASSWORD_ENV) => runCli(['run', '--config', configPath, '--date', DEMO_DATE, ...args], NOW, env);
  const lastRun = () => JSON.parse(readFileSync(join(dir, 'state', 'last-run.json'), 'utf8')) as RunReport;
  const logRaw = () => readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('\n');
  /** The log's messages (its lines are JSON). */
  const logText = () =>
    logRaw()
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { msg: string }).msg)
      .join('\n');
  const reportText = () => pageText(readFileSync(lastRun().report!, 'utf8'));
  const emailOf = (given: string) => (JSON.parse(snapshotText(join(dir, 'delivered'))!).persons as { givenName: string; email: string | null }[]).find((p) => p.givenName === given)!.email;
  return { configPath, dir, table, run, lastRun, logText, logRaw, reportText, emailOf };
}

/** The page's text as a reader sees it. */
const pageText = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** An old table: Sara's row, last written `days` before the run. */
function previousTable(file: string, days: number): Buffer {
  writeFileSync(file, SARA_ONLY);
  const at = new Date(NOW.getTime() - days * 86_400_000);
  utimesSync(file, at, at);
  return readFileSync(file);
}

function expectNoCanary(...texts: string[]) {
  for (const t of texts) for (const value of [CANARY.cn, 'Qxzv', CANARY.mail, CANARY.key, 'ref-canary', 'maja.carlsson@', samba.bindPassword]) expect(t).not.toContain(value);
}

describe('email.ad.refresh "nightly"', () => {
  it('a nightly run picks up an account added to AD since the last table, writes the new table, and the report says how old it is', async () => {
    await seedUsers(samba, [sara, canaryUser], OU);
    const s = setup();
    const build = await runCli(['ad-mapping', 'build', '--config', s.configPath, '--date', DEMO_DATE], NOW, PASSWORD_ENV);
    expect(build.code).toBe(0);
    expect(readFileSync(s.table, 'utf8')).toBe(SARA_ONLY);

    // Maja gets an account the next day.
    await seedUsers(samba, [sara, maja, canaryUser], OU);
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 2 from the mapping table, 3 without an address');
    expect(s.emailOf('Maja')).toBe('maja.carlsson@skola.test.local');
    expect(readFileSync(s.table, 'utf8')).toBe(`${SARA_ONLY}${pnrOf('Maja')},maja.carlsson@skola.test.local\n`);
    expect(s.logText()).toContain('E-mail mapping table rebuilt from Active Directory: 2 rows from 3 accounts.');
    expect(s.lastRun()).toMatchObject({ outcome: 'delivered', warnings: [DEMO_WARNING], mappingTable: { builtAt: NOW.toISOString(), refresh: 'succeeded' } });
    expect(s.reportText()).toContain('Mappningstabell för e-post Tabellen som körningen använde byggdes 2026-09-01 12:00:00, mindre än ett dygn före körningen. Nattens ombyggnad från Active Directory lyckades.');
    // The delivered snapshot is the roster: Maja's address belongs there. Nothing else may hold a value from AD.
    expectNoCanary(r.stdout, r.stderr, s.logRaw(), readFileSync(join(s.dir, 'state', 'last-run.json'), 'utf8'), s.reportText());
  });

  it('AD unreachable: the previous table stays byte for byte, the run delivers with it (exit 0), and the warning is in the summary, the log, last-run.json and the report', async () => {
    const s = setup({ url: 'ldaps://127.0.0.1:1', timeoutSeconds: 5 });
    const before = previousTable(s.table, 3);
    const mtime = statSync(s.table).mtimeMs;
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(readFileSync(s.table)).toEqual(before);
    expect(statSync(s.table).mtimeMs).toBe(mtime);
    expect(s.emailOf('Sara')).toBe('sara.nystrom@skola.test.local');
    const warning =
      'The e-mail mapping table was not refreshed from Active Directory (email.ad.refresh "nightly"): Cannot reach the directory at 127.0.0.1:1 (connection refused). Check the host and port in email.ad.url, that the domain controller is running, and that the firewall lets this machine reach TCP port 1 (636 is LDAPS). This run uses the previous table, which is unchanged.';
    expect(r.stdout).toContain(`! ${warning}`);
    expect(s.logText()).toContain(warning);
    const last = s.lastRun();
    expect(last).toMatchObject({ outcome: 'delivered', exitCode: 0, warnings: [DEMO_WARNING, warning], mappingTable: { builtAt: new Date(NOW.getTime() - 3 * 86_400_000).toISOString(), refresh: 'failed' } });
    const page = s.reportText();
    expect(page).toContain(`${DEMO_WARNING} ${warning}`);
    expect(page).toContain('Tabellen som körningen använde byggdes 2026-08-29 12:00:00, 3 dygn före körningen. Nattens ombyggnad från Active Directory misslyckades, så den förra tabellen användes oförändrad (se varningarna).');
    const status = await runCli(['status', '--config', s.configPath], NOW);
    expect(status.stdout).toContain("\n  E-mail mapping table: built 2026-08-29 12:00:00; this run's rebuild from Active Directory failed, so the previous one was used (see the warnings).\n");
  });

  it('the bind refused: the same, and the warning says why without a value from the directory', async () => {
    await seedUsers(samba, [sara, maja, canaryUser], OU);
    const s = setup();
    const before = previousTable(s.table, 1);
    const r = await s.run([], { PROCAPITA_LDAP_PASSWORD: 'Wrong-Pass-2026!' });
    expect(r.code).toBe(0);
    expect(readFileSync(s.table)).toEqual(before);
    const [demo, warning] = s.lastRun().warnings;
    expect(demo).toBe(DEMO_WARNING);
    expect(warning).toContain(
      `The e-mail mapping table was not refreshed from Active Directory (email.ad.refresh "nightly"): The directory at 127.0.0.1:636 refused the bind for account ${samba.bindDn} (the password is wrong): check the account (email.ad.bindDn: a DN, or on Active Directory also user@domain) and its password (environment variable PROCAPITA_LDAP_PASSWORD`,
    );
    expect(warning).toMatch(/\)\. This run uses the previous table, which is unchanged\.$/);
    expect(r.stdout + r.stderr + s.logText() + s.reportText()).not.toContain('Wrong-Pass-2026!');
  });

  it('a rebuild that fails after reading the accounts (none gives an entry) keeps the previous table, and no value read from AD is in any message, file or page', async () => {
    await seedUsers(samba, [sara, maja, canaryUser], OU);
    const s = setup({ keyAttribute: 'department' });
    const before = previousTable(s.table, 2);
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(readFileSync(s.table)).toEqual(before);
    const [demo, warning] = s.lastRun().warnings;
    expect(demo).toBe(DEMO_WARNING);
    expect(warning).toMatch(/^The e-mail mapping table was not refreshed from Active Directory \(email\.ad\.refresh "nightly"\): None of the 3 directory accounts gave a table entry \(`ad-mapping build` shows its quality report\)\. Check email\.ad\.keyAttribute; the existing table .*email-mapping\.csv was kept\. This run uses the previous table, which is unchanged\.$/);
    expect(r.stdout).toContain(`! ${warning}`);
    expect(s.logText()).toContain(warning);
    expect(s.reportText()).toContain(warning);
    expectNoCanary(r.stdout, r.stderr, s.logRaw(), readFileSync(join(s.dir, 'state', 'last-run.json'), 'utf8'), s.reportText());
  });

  it('no previous table and AD unreachable: the run goes on without table addresses, says so, and exits 0', async () => {
    const s = setup({ url: 'ldaps://127.0.0.1:1', timeoutSeconds: 5 });
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(existsSync(s.table)).toBe(false);
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 0 from the mapping table, 5 without an address');
    const warning = s.lastRun().warnings.at(-1);
    expect(warning).toMatch(/Cannot reach the directory at 127\.0\.0\.1:1 \(connection refused\)\..* There is no previous table \(email\.mappingFile\) either, so this run gives no one an address from it; the next run tries again, or run `procapita-sync ad-mapping build`\.$/);
    expect(s.lastRun().mappingTable).toEqual({ builtAt: null, refresh: 'failed' });
    expect(s.reportText()).toContain('Det finns ingen tabell ännu, och den gick inte att bygga från Active Directory (se varningarna), så ingen fick någon adress från den.');
  });

  it('a preview (run --out) rebuilds in memory only: it shows the new account, and the table file is left exactly as it was', async () => {
    await seedUsers(samba, [sara, maja, canaryUser], OU);
    const s = setup();
    const before = previousTable(s.table, 4);
    const mtime = statSync(s.table).mtimeMs;
    const r = await s.run(['--out', join(s.dir, 'preview')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 2 from the mapping table, 3 without an address');
    expect(readFileSync(s.table)).toEqual(before);
    expect(statSync(s.table).mtimeMs).toBe(mtime);
    expect(r.stderr).toContain('E-mail mapping table rebuilt from Active Directory in memory (a preview writes no file): 2 rows from 3 accounts.');
    expect(existsSync(join(s.dir, 'state', 'last-run.json'))).toBe(false);
  });
});

describe('email.ad.refresh "manual" (the default)', () => {
  it('the run uses the table as it is, without asking AD; the report gives its age, and past a week a hint to rebuild it', async () => {
    // A directory that is not there: a manual run never reads it.
    const s = setup({ url: 'ldaps://127.0.0.1:1', refresh: 'manual' });
    previousTable(s.table, 10);
    const r = await s.run();
    expect(r.code).toBe(0);
    expect(s.lastRun()).toMatchObject({ warnings: [DEMO_WARNING], mappingTable: { refresh: 'manual' } });
    expect(s.reportText()).toContain(
      'Tabellen som körningen använde byggdes 2026-08-22 12:00:00, 10 dygn före körningen. Den byggs om från Active Directory bara med procapita-sync ad-mapping build (email.ad.refresh "manual"). Den är mer än 7 dygn gammal, så ny personal och nya elever har ingen adress från den. Bygg om den med procapita-sync ad-mapping build, eller sätt email.ad.refresh till "nightly" så gör varje körning det.',
    );
  });

  it('a week-old table gets no hint; nor does one kept by hand without email.ad', async () => {
    const s = setup({ url: 'ldaps://127.0.0.1:1', refresh: 'manual' });
    previousTable(s.table, 7);
    await s.run();
    expect(s.reportText()).toContain('7 dygn före körningen. Den byggs om från Active Directory bara med');
    expect(s.reportText()).not.toContain('Bygg om den');

    const { configPath, dir } = writeSetup(fixture, { target: { type: 'directory', path: 'delivered' }, email: { mappingFile: 'email-mapping.csv' } });
    previousTable(join(dir, 'email-mapping.csv'), 30);
    expect((await runCli(['run', '--config', configPath, '--date', DEMO_DATE], NOW)).code).toBe(0);
    const page = pageText(readFileSync((JSON.parse(readFileSync(join(dir, 'state', 'last-run.json'), 'utf8')) as RunReport).report!, 'utf8'));
    expect(page).toContain('30 dygn före körningen. Den sköts för hand: konfigurationen har ingen email.ad.');
    expect(page).not.toContain('Bygg om den');
  });
});

describe('the setting', () => {
  it('"nightly" needs email.mappingFile, and only "nightly" and "manual" are known: a configuration error (exit 3) that says what to do', async () => {
    const { configPath } = writeSetup(fixture, { email: { ad: { url: 'ldaps://dc1.kommun.local:636', bindDn: 'svc@kommun.local', baseDn: 'DC=kommun,DC=local', refresh: 'nightly' } } });
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', 'x'], NOW);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('email.ad.refresh "nightly" rebuilds the mapping table before each run, so it needs email.mappingFile (where the table goes). Add email.mappingFile, or set email.ad.refresh to "manual". See `procapita-sync help email-mapping`.');

    const other = writeSetup(fixture, { email: { mappingFile: 'm.csv', ad: { url: 'ldaps://dc1.kommun.local:636', bindDn: 'svc@kommun.local', baseDn: 'DC=kommun,DC=local', refresh: 'daily' } } });
    const bad = await runCli(['run', '--config', other.configPath, '--date', DEMO_DATE, '--out', 'x'], NOW);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/email\.ad\.refresh: .*"nightly".*"manual"/);
  });
});
