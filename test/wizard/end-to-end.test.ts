/**
 * The real wizard in a real pseudo-terminal (tmux), as an admin runs it:
 * `node --import tsx src/cli/main.ts setup --config …` against the TDS test
 * server, the reference receiver and slapd, with the secrets going into a
 * real GNOME Keyring on a D-Bus session of its own. Keys go in with
 * send-keys; what the terminal shows comes back with capture-pane. The first
 * run's transcript is saved to .test-output/wizard-transcript.txt.
 *
 * Needs tmux, gnome-keyring, dbus and slapd (test/run-all.sh installs them).
 * Without tmux the tests fail, saying so: they never skip.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linuxSchedule, taskXml } from '../../src/schedule/task';
import { currentRuntime, programFor } from '../../src/schedule/windows';
import { keyring, type Keyring } from '../credentials/keyring';
import { seedUsers, startSlapd, stopDirectories, type Directory } from '../ldap/directories';
import type { Receiver } from '../receiver/receiver';
import { DEMO_DATE, demoFixture, ROOT, tempDir } from '../support/cli';
import type { TdsServer } from '../tds/server';
import { API_KEY, CA_FILE, closeAll, receiver, SQL_PASSWORD, tdsServer } from './support';
import { hasTmux, openPane, type Pane } from './tmux';

const TMUX = hasTmux();
const OU = 'ou=WizardE2E,dc=test,dc=local';
const NEW_PASSWORD = 'Nytt-lösen 2027?';
// Written by each run, for a person to read (and the closing note of issue 7); not kept in git.
const TRANSCRIPT = join(ROOT, '.test-output/wizard-transcript.txt');

describe('the wizard in a pseudo-terminal', () => {
  const logins = { procapita_reader: SQL_PASSWORD };
  let sql: TdsServer;
  let rec: Receiver;
  let slapd: Directory;
  let ring: Keyring;
  let dir: string;
  let configPath: string;
  const panes: Pane[] = [];

  beforeAll(async () => {
    if (!TMUX) throw new Error('tmux is not installed, so the wizard cannot be driven in a pseudo-terminal. Install the Debian package tmux (test/run-all.sh does).');
    sql = await tdsServer(logins);
    rec = await receiver();
    slapd = await startSlapd();
    // Two of the demo's pupils have no address in ProCapita; the directory has them, keyed by personnummer.
    const person = (given: string) => demoFixture().person!.find((p) => p.given_name === given)!;
    await seedUsers(
      slapd,
      [
        { cn: 'Sara Nystrom', givenName: 'Sara', sn: 'Nyström', key: person('Sara').personal_number as string, mail: 'sara.nystrom@skola.test.local' },
        { cn: 'Maja Carlsson', givenName: 'Maja', sn: 'Carlsson', key: person('Maja').personal_number as string, mail: 'maja.carlsson@skola.test.local' },
        { cn: 'Ebba Olsson', givenName: 'Ebba', sn: 'Olsson', key: person('Ebba').personal_number as string, mail: 'ebba.olsson@skola.test.local', disabled: true },
      ],
      OU,
    );
    ring = keyring();
    dir = tempDir('procapita-sync-wizard-e2e-');
    configPath = join(dir, 'procapita-sync', 'config.json');
  }, 240_000);

  afterAll(async () => {
    for (const pane of panes) pane.close();
    await closeAll();
    await stopDirectories();
  });

  /**
   * A shell script that runs the CLI on a fresh D-Bus session with the test
   * keyring unlocked, then says how it ended and waits (so the pane stays to
   * be read). The keyring's folders are those of keyring() in
   * test/credentials/keyring.ts, so that ring.run() reads the same keyring.
   */
  function session(args: readonly string[]): Pane {
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const script = join(dir, `session-${panes.length}.sh`);
    writeFileSync(
      script,
      [
        'set -u',
        `cd ${quote(ROOT)}`,
        `export HOME=${quote(ring.dir)} XDG_DATA_HOME=${quote(join(ring.dir, 'data'))} XDG_CONFIG_HOME=${quote(join(ring.dir, 'config'))}`,
        `export XDG_CACHE_HOME=${quote(join(ring.dir, 'cache'))} XDG_RUNTIME_DIR=${quote(join(ring.dir, 'run'))} TEST_KEYRING_UNLOCK=keyring-unlock-password`,
        'unset DBUS_SESSION_BUS_ADDRESS DISPLAY HTTPS_PROXY https_proxy HTTP_PROXY http_proxy NO_PROXY no_proxy',
        // dbus-daemon's own notices go to a file; the wizard's standard error (fd 3) to the terminal.
        `dbus-run-session -- bash -c ${quote('printf %s "$TEST_KEYRING_UNLOCK" | gnome-keyring-daemon --unlock --components=secrets >/dev/null; unset TEST_KEYRING_UNLOCK; exec "$@" 2>&3 3>&-')} session node --import tsx src/cli/main.ts ${args.map(quote).join(' ')} 3>&2 2>>${quote(join(dir, 'dbus.log'))}`,
        'echo "[exit $?]"',
        'exec sleep 3600',
      ].join('\n'),
    );
    const pane = openPane(`bash ${quote(script)}`);
    panes.push(pane);
    return pane;
  }

  /** What the keyring holds, read by keytarStore() in a process on the keyring's own session. */
  async function stored(): Promise<Record<string, string | undefined>> {
    const r = await ring.run(['node', '--import', 'tsx', join(ROOT, 'test/credentials/store-script.ts'), 'get:sqlPassword', 'get:ldapPassword', 'get:apiKey', 'get:proxyPassword']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { op: string; ok: boolean; value?: string });
    for (const l of lines) expect(l.ok).toBe(true);
    return Object.fromEntries(lines.map((l) => [l.op.slice(4), l.value]));
  }

  it('first run: every step answered in the terminal, tested, and written: configuration, keyring, mapping table, timer', async () => {
    const pane = session(['setup', '--config', configPath, '--date', DEMO_DATE]);
    const enter = (text?: string) => {
      if (text !== undefined) pane.type(text);
      pane.press('Enter');
    };

    // Before any question: who runs it, and the real keyring probed for that account (nothing asked on Linux).
    await pane.waitFor('? SQL Servers värdnamn eller adress');
    const before = pane.transcript().split('[1/10]')[0]!;
    expect(before).toMatch(/\nGuiden körs som (\S+)\. Lösenorden sparas i nyckelringen \(Secret Service\), som håller dem per konto: bara \1 kan läsa dem\.\nProvar nyckelringen \(Secret Service\) för \1…\n {2}✓ Nyckelringen \(Secret Service\): kan öppnas, skrivas och läsas för \1\n/);

    // 1. SQL Server, with a wrong password first: the cause is shown and only the password is asked again.
    enter('127.0.0.1');
    await pane.waitFor('? Namngiven instans');
    enter();
    await pane.waitFor('? TCP-port');
    enter(String(sql.port));
    await pane.waitFor('? Databas');
    enter('ProCapita');
    await pane.waitFor('? SQL-inloggning');
    enter('procapita_reader');
    await pane.waitFor('? Lösenord för procapita_reader');
    enter('fel-lösenord');
    await pane.waitFor('? Kryptering');
    enter();
    await pane.waitFor('? Hur ska SQL Servers certifikat kontrolleras?');
    pane.press('Down');
    enter();
    await pane.waitFor('? Fil med CA-certifikat');
    enter(CA_FILE);
    // First in the words of the questions, then the cause in English, as in the log.
    await pane.waitFor('✗ SQL Server godtog inte inloggningen. Ändra svaren på ”SQL-inloggning (endast läsrätt)” och lösenordet');
    await pane.waitFor('    Orsak (samma text som i loggen): SQL Server at 127.0.0.1:');
    await pane.waitFor('refused the login');
    await pane.waitFor('? Hur vill du göra?');
    pane.press('Down', 'Down', 'Down', 'Down', 'Down'); // Försök igen, värd, instans eller port, databas, SQL-inloggning, lösenord
    enter();
    await pane.waitFor('Lösenord för procapita_reader', 2); // answered once (✔), asked again (?)
    enter(SQL_PASSWORD);
    await pane.waitFor('✓ ProCapita är läst: 4 skolenheter, 40 personer.');

    // 2. Schools: search, tick with Enter, search again, tick, "Klar".
    await pane.waitFor('Klar (0 valda)');
    pane.type('björk');
    await pane.waitFor('Välj alla 2 som visas'); // two match: "Klar", then "select all", then the two
    pane.press('Down', 'Down', 'Down');
    enter();
    await pane.waitFor('Klar (1 valda)');
    pane.press('BSpace', 'BSpace', 'BSpace', 'BSpace', 'BSpace');
    pane.type('ekdal');
    await pane.waitFor('? Skolor som ska levereras ekdal');
    pane.press('Down');
    enter();
    await pane.waitFor('Klar (2 valda)');
    pane.press('Up');
    enter();
    await pane.waitFor('✓ 2 skolformer valda'); // counted on --date 2026-09-01, so the test does not age

    // 3. Teaching groups: PORTAL. 4. Privacy: the defaults.
    await pane.waitFor('? Vilka aktiviteter?');
    enter();
    await pane.waitFor('? Exportera personnummer?');
    enter();
    await pane.waitFor('? Utelämna personer som saknar e-postadress?');
    enter();

    // 5. E-mail addresses from the directory: built now, with the quality report.
    await pane.waitFor('? Var kommer e-postadresserna ifrån?');
    pane.press('Down', 'Down');
    enter();
    await pane.waitFor('? Katalogserver');
    enter(slapd.ldapsUrl);
    await pane.waitFor('? Katalogens CA-certifikat');
    enter(CA_FILE);
    await pane.waitFor('? Konto för inloggning i katalogen');
    enter(slapd.bindDn);
    await pane.waitFor(`? Lösenord för ${slapd.bindDn}`);
    enter(slapd.bindPassword);
    await pane.waitFor('? Sökbas');
    enter(OU);
    await pane.waitFor('? Filter');
    enter('(objectClass=user)');
    await pane.waitFor('? Attribut som innehåller');
    enter();
    await pane.waitFor('? Var mappningstabellen ska sparas');
    enter();
    await pane.waitFor('? Hålla mappningstabellen aktuell?');
    await pane.waitFor('Ja: bygg om den från Active Directory före varje nattlig körning (rekommenderas)');
    enter();
    await pane.waitFor('✓ mappningstabellen har 2 rader');

    // 6. Target: the ping with the key.
    await pane.waitFor('? Adress för uppladdning');
    enter(rec.url);
    await pane.waitFor('? API-nyckel');
    enter(API_KEY);
    await pane.waitFor('? Når den här servern internet via en proxy?');
    enter();
    await pane.waitFor('? Extra CA-certifikat');
    enter(CA_FILE);
    await pane.waitFor('/v1/ping: nåbar, API-nyckeln godtogs');

    // 7. No e-mail alerts (the default). 8. Preview, 9. Schedule, 10. Write.
    await pane.waitFor('? Skicka larm via e-post?');
    enter();
    await pane.waitFor('? Ser det här rätt ut?');
    enter();
    await pane.waitFor('? Tid för den nattliga körningen');
    enter();
    await pane.waitFor('? Skriva detta?');
    enter();
    await pane.waitFor('[exit 0]', 1, 60_000);

    const transcript = pane.transcript();
    const mappingFile = join(dir, 'procapita-sync', 'email-mapping.csv');
    // The configuration, exactly.
    expect(readFileSync(configPath, 'utf8')).toBe(
      `${JSON.stringify(
        {
          source: { type: 'sql', host: '127.0.0.1', port: sql.port, database: 'ProCapita', user: 'procapita_reader', encrypt: true, trustServerCertificate: false, caFile: CA_FILE },
          schools: [
            { unitCode: 'BJSK', schoolForm: 'GR' },
            { unitCode: 'EKGY', schoolForm: 'GY' },
          ],
          teachingGroups: { select: 'notesMarker' },
          export: { personalNumber: false },
          email: {
            requireEmail: false,
            mappingFile,
            ad: { url: slapd.ldapsUrl, caFile: CA_FILE, bindDn: slapd.bindDn, baseDn: OU, filter: '(objectClass=user)', keyAttribute: 'employeeID', refresh: 'nightly' },
          },
          target: { type: 'https', url: `${rec.url}/v1/snapshots`, caFile: CA_FILE },
        },
        null,
        2,
      )}\n`,
    );
    // The secrets, in the keyring; none in the configuration, none on the screen.
    expect(await stored()).toEqual({ sqlPassword: SQL_PASSWORD, ldapPassword: slapd.bindPassword, apiKey: API_KEY, proxyPassword: undefined });
    for (const secret of [SQL_PASSWORD, slapd.bindPassword, API_KEY, 'fel-lösenord']) {
      expect(transcript).not.toContain(secret);
      expect(readFileSync(configPath, 'utf8')).not.toContain(secret);
    }
    expect(transcript).toContain('✓ SQL-lösenordet har sparats i nyckelringen (Secret Service) (tjänst procapita-sync, konto sqlPassword)');
    // The checks' ✓ lines, the directory's quality report and the preview's summary in Swedish; only failure causes stay English.
    expect(transcript).toMatch(/✓ SQL Server 127\.0\.0\.1:\d+, databasen ProCapita: inloggningen och schemakontrollen gick igenom \(läser med isolationsnivån SNAPSHOT\)/);
    expect(transcript).toContain(`✓ Molntjänsten ${rec.url}/v1/ping: nåbar, API-nyckeln godtogs`);
    expect(transcript).toContain('Active Directory: 3 konton lästes.');
    expect(transcript).toContain('1 inaktiverade, hoppades över');
    expect(transcript).toMatch(/Synkroniseringsdatum \d{4}-\d{2}-\d{2}/);
    expect(transcript).toMatch(/Skolenhet +Skolformer +Elever +Personal +Klasser +Undervisningsgrupper/);
    expect(transcript).toContain('Utelämnade (orsakskod: antal)');
    expect(transcript).toMatch(/\d+ {2}protected-identity: skyddad identitet/);
    expect(transcript).toMatch(/E-post: \d+ från ProCapita, \d+ från mappningstabellen/);
    for (const english of ['School unit', 'Sync date', 'Left out', 'E-mail:', 'login and schema check passed', 'reachable, API key accepted', 'accounts read', 'written to the mapping table']) {
      expect(transcript).not.toContain(english);
    }
    // The mapping table from the directory: the two enabled accounts.
    expect(readFileSync(mappingFile, 'utf8').split('\n')[0]).toBe('key,email');
    expect(readFileSync(mappingFile, 'utf8').trim().split('\n')).toHaveLength(3);
    // The timer and cron line for Linux, and the Windows task the same answers give.
    const spec = { ...programFor(currentRuntime()), configPath, time: '18:30' };
    const linux = linuxSchedule(spec);
    expect(transcript).toContain(linux.timer.trim());
    expect(transcript).toContain(linux.cron);
    const xml = taskXml({ ...spec, account: 'KOMMUN\\svc-procapita' });
    expect(xml).toContain('<StartBoundary>2026-01-01T18:30:00</StartBoundary>');
    expect(xml).toContain('<LogonType>Password</LogonType>');
    expect(xml).toContain(`run --config "${configPath}"</Arguments>`);
    // Nothing was delivered: the receiver saw pings only.
    expect(rec.imports).toHaveLength(0);

    const normalized = transcript
      .split(dir)
      .join('/tmp/wizard')
      .replace(new RegExp(`\\b${sql.port}\\b`, 'g'), '51433')
      .replace(new RegExp(`\\b${rec.port}\\b`, 'g'), '8443')
      .replace(/\[exit 0\]\n?$/, '');
    mkdirSync(dirname(TRANSCRIPT), { recursive: true });
    writeFileSync(TRANSCRIPT, normalized);
  }, 180_000);

  it('second run: rotating the SQL password in the terminal tests it, refuses a wrong one, and replaces only that secret', async () => {
    expect(existsSync(configPath)).toBe(true);
    const before = readFileSync(configPath, 'utf8');
    const secretsBefore = await stored();
    logins.procapita_reader = NEW_PASSWORD; // the DBA changed it
    const pane = session(['setup', '--config', configPath, '--date', DEMO_DATE]);
    await pane.waitFor('? Vad vill du göra?');
    pane.press('Enter'); // Byta ett lösenord eller en nyckel
    await pane.waitFor('? Vilket?');
    pane.press('Enter'); // SQL-lösenordet
    await pane.waitFor('? Nytt värde för SQL-lösenordet');
    pane.type('fel igen');
    pane.press('Enter');
    await pane.waitFor('Det nya värdet för SQL-lösenordet fungerade inte och sparades därför inte; det gamla behålls.');
    await pane.waitFor('? Hur vill du göra?');
    pane.press('Enter'); // Skriv värdet igen
    await pane.waitFor('Nytt värde för SQL-lösenordet', 2);
    pane.type(NEW_PASSWORD);
    pane.press('Enter');
    await pane.waitFor('[exit 0]', 1, 60_000);
    expect(pane.transcript()).toContain('✗ Orsak (samma text som i loggen): SQL Server at');
    expect(pane.transcript()).toContain('inloggningen och schemakontrollen gick igenom');
    expect(pane.transcript()).toContain('✓ SQL-lösenordet är bytt: det nya värdet fungerar och har sparats i nyckelringen (Secret Service) (tjänst procapita-sync, konto sqlPassword), i stället för det gamla. Inget annat ändrades.');
    expect(readFileSync(configPath, 'utf8')).toBe(before);
    expect(await stored()).toEqual({ ...secretsBefore, sqlPassword: NEW_PASSWORD });
  }, 120_000);

  it('no arguments in a terminal starts the wizard; Ctrl-C leaves with nothing written (exit 2)', async () => {
    // The wizard's default place, where every command then looks: /etc on Linux. This test writes nothing there.
    const there = existsSync('/etc/procapita-sync');
    const pane = session([]);
    await pane.waitFor('procapita-sync – installation');
    await pane.waitFor('Konfigurationen hamnar i /etc/procapita-sync/config.json.');
    await pane.waitFor('? SQL Servers värdnamn eller adress');
    pane.press('C-c');
    await pane.waitFor('[exit 2]');
    expect(pane.transcript()).toContain('error: Installationen avbröts: ingenting skrevs.');
    expect(existsSync('/etc/procapita-sync')).toBe(there);
  }, 60_000);

  it('going back, a failed directory test turned into "only from ProCapita", Ctrl-C with a draft, and the draft resumed to the end', async () => {
    // The password as the DBA left it (the test before changes it).
    const sqlPassword = logins.procapita_reader;
    const there = join(dir, 'draft-walk', 'config.json');
    const draftFile = join(dir, 'draft-walk', 'config.draft.json');
    const pane = session(['setup', '--config', there, '--date', DEMO_DATE]);
    const enter = (text?: string) => {
      if (text !== undefined) pane.type(text);
      pane.press('Enter');
    };
    await pane.waitFor('Esc går tillbaka till föregående fråga. Ctrl-C avbryter, och erbjuder att spara dina svar hittills som ett utkast.');

    // Back from the second question to the first, whose answer is changed.
    await pane.waitFor('? SQL Servers värdnamn eller adress');
    enter('fel-värd');
    await pane.waitFor('? Namngiven instans');
    pane.press('Escape');
    await pane.waitFor('? SQL Servers värdnamn eller adress (fel-värd)');
    enter('127.0.0.1');
    await pane.waitFor('? Namngiven instans', 2);
    enter();
    await pane.waitFor('? TCP-port');
    enter(String(sql.port));
    await pane.waitFor('? Databas');
    enter('ProCapita');
    await pane.waitFor('? SQL-inloggning');
    enter('procapita_reader');
    await pane.waitFor('? Lösenord för procapita_reader');
    enter(sqlPassword);
    await pane.waitFor('? Kryptering');
    enter();
    await pane.waitFor('? Hur ska SQL Servers certifikat kontrolleras?');
    pane.press('Down');
    enter();
    await pane.waitFor('? Fil med CA-certifikat');
    enter(CA_FILE);
    await pane.waitFor('✓ ProCapita är läst: 4 skolenheter, 40 personer.');

    await pane.waitFor('Klar (0 valda)');
    pane.type('ekdal');
    await pane.waitFor('? Skolor som ska levereras ekdal');
    pane.press('Down');
    enter();
    await pane.waitFor('Klar (1 valda)');
    pane.press('Up');
    enter();
    await pane.waitFor('? Vilka aktiviteter?');
    enter();
    await pane.waitFor('? Exportera personnummer?');
    enter();
    await pane.waitFor('? Utelämna personer som saknar e-postadress?');
    enter();

    // The directory refuses the bind; the menu offers the source of the addresses too: only from ProCapita.
    await pane.waitFor('? Var kommer e-postadresserna ifrån?');
    pane.press('Down', 'Down');
    enter();
    await pane.waitFor('? Katalogserver');
    enter(slapd.ldapsUrl);
    await pane.waitFor('? Katalogens CA-certifikat');
    enter(CA_FILE);
    await pane.waitFor('? Konto för inloggning i katalogen');
    enter(slapd.bindDn);
    await pane.waitFor(`? Lösenord för ${slapd.bindDn}`);
    enter('fel-lösenord');
    await pane.waitFor('? Sökbas');
    enter(OU);
    await pane.waitFor('? Filter');
    enter();
    await pane.waitFor('? Attribut som innehåller');
    enter();
    await pane.waitFor('? Var mappningstabellen ska sparas');
    enter();
    await pane.waitFor('? Hålla mappningstabellen aktuell?');
    enter(); // varje natt
    await pane.waitFor('? Hur vill du göra?');
    // The refusal in the words of the questions answered; the log's text below it.
    expect(pane.transcript()).toContain('✗ Katalogen godtog inte inloggningen. Ändra svaren på ”Konto för inloggning i katalogen (DN, eller användare@domän)” och lösenordet.');
    expect(pane.transcript()).toContain('Ändra: var adresserna kommer ifrån');
    pane.press('Down');
    enter();
    await pane.waitFor('✔ Hur vill du göra? Ändra: var adresserna kommer ifrån');
    await pane.waitFor('? Var kommer e-postadresserna ifrån?');
    pane.press('Up', 'Up');
    enter();

    // Ctrl-C in the next step: the answers are kept as a draft.
    await pane.waitFor('? Adress för uppladdning');
    pane.press('C-c');
    await pane.waitFor('? Spara svaren hittills som ett utkast');
    enter();
    await pane.waitFor('[exit 2]');
    expect(pane.transcript()).toContain(`✓ Utkastet sparades: ${draftFile}.`);
    expect(pane.transcript()).toContain('error: Installationen avbröts: konfigurationen skrevs inte; svaren hittills finns i utkastet.');
    expect(existsSync(there)).toBe(false);
    const draft = readFileSync(draftFile, 'utf8');
    for (const secret of [sqlPassword, 'fel-lösenord', slapd.bindPassword]) expect(draft).not.toContain(secret);

    // The next setup resumes: the SQL password again, the rest as it was, on from the target.
    const again = session(['setup', '--config', there, '--date', DEMO_DATE]);
    await again.waitFor('? Fortsätta från utkastet?');
    expect(again.transcript()).toContain(`Det finns ett utkast från en tidigare installation: ${draftFile}. Det kom till steget "Mottagare: molntjänsten".`);
    again.press('Enter');
    await again.waitFor('? Lösenord för procapita_reader');
    again.type(sqlPassword);
    again.press('Enter');
    await again.waitFor('✓ ProCapita är läst: 4 skolenheter, 40 personer.');
    await again.waitFor('? Adress för uppladdning');
    expect(again.transcript()).toContain('✔ SQL Servers värdnamn eller adress 127.0.0.1');
    expect(again.transcript()).toContain('✔ Var kommer e-postadresserna ifrån? Bara från ProCapita');
    again.type(rec.url);
    again.press('Enter');
    await again.waitFor('? API-nyckel');
    again.type(API_KEY);
    again.press('Enter');
    await again.waitFor('? Når den här servern internet via en proxy?');
    again.press('Enter');
    await again.waitFor('? Extra CA-certifikat');
    again.type(CA_FILE);
    again.press('Enter');
    await again.waitFor('? Skicka larm via e-post?');
    again.press('Enter');
    await again.waitFor('? Ser det här rätt ut?');
    again.press('Enter');
    await again.waitFor('? Tid för den nattliga körningen');
    again.press('Enter');
    await again.waitFor('? Skriva detta?');
    again.press('Enter');
    await again.waitFor('[exit 0]', 1, 60_000);
    expect(existsSync(draftFile)).toBe(false);
    expect(JSON.parse(readFileSync(there, 'utf8'))).toEqual({
      source: { type: 'sql', host: '127.0.0.1', port: sql.port, database: 'ProCapita', user: 'procapita_reader', encrypt: true, trustServerCertificate: false, caFile: CA_FILE },
      schools: [{ unitCode: 'EKGY', schoolForm: 'GY' }],
      teachingGroups: { select: 'notesMarker' },
      export: { personalNumber: false },
      email: { requireEmail: false },
      target: { type: 'https', url: `${rec.url}/v1/snapshots`, caFile: CA_FILE },
    });
  }, 240_000);
});
