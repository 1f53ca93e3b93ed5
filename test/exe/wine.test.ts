/**
 * The Windows exe from npm run build:exe, run under Wine as an admin runs it
 * on Windows: --version, help exit-codes, a secret rotated through Wine's Credential Manager
 * (keytar's win32 module, unpacked by pkg at run time), a full run over TCP
 * to the TDS test server and the reference receiver, and the wizard's first
 * screen in a console. Every step goes into .test-output/wine-transcript.txt
 * for the release note.
 *
 * Needs wine64 and tmux (test/run-all.sh installs them). Without them the
 * tests fail, saying so: they never skip.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderGuide } from '../../src/cli/help';
import { ExitCode } from '../../src/errors';
import { ROOT } from '../support/cli';
import { hasTmux } from '../wizard/tmux';
import { API_KEY, expectedVersionLine, requireBinary, sourceSnapshotHash, SQL_PASSWORD, startSmokeWorld, WINDOWS_EXE, type SmokeWorld } from './support';
import { commandLine, fileFacts, Transcript, WinePrefix, type ExeResult } from './wine';

// Written by each run, for a person to read; not kept in git.
const TRANSCRIPT = join(ROOT, '.test-output/wine-transcript.txt');
const WRONG_PASSWORD = 'smoke-only-wrong-sql-password';
const SECRETS = [SQL_PASSWORD, API_KEY, WRONG_PASSWORD];

const everything = (...results: ExeResult[]) => results.map((r) => `${r.stdout}${r.stderr}`).join('');

describe('the Windows exe under Wine', () => {
  let wine: WinePrefix;
  let world: SmokeWorld;
  const transcript = new Transcript(SECRETS);

  beforeAll(async () => {
    requireBinary(WINDOWS_EXE);
    if (!hasTmux()) throw new Error('tmux is not installed, so the exe cannot be run in a console. Install the Debian package tmux (test/run-all.sh does).');
    wine = await WinePrefix.create();
    world = await startSmokeWorld();
    transcript.note(
      'procapita-sync.exe under Wine: smoke test transcript',
      `Written by test/exe/wine.test.ts at ${new Date().toISOString()}.`,
      `dist/procapita-sync.exe: ${fileFacts(WINDOWS_EXE)}`,
      `${wine.version}, a fresh prefix set to Windows 10; the commands ran as an admin runs procapita-sync.exe in a console.`,
      `SQL Server: the TDS test server over TLS on 127.0.0.1:${world.server.port}. Upload service: the reference receiver at ${world.receiver.url}.`,
      'Secret values are never shown: "<secret on stdin>" and NAME=<secret> stand for them.',
    );
  }, 120_000);

  afterAll(async () => {
    try {
      transcript.write(TRANSCRIPT);
    } finally {
      await world?.close();
      // startSmokeWorld leaves its folder (config, state, logs, the preview) to the caller.
      if (world) rmSync(world.dir, { recursive: true, force: true });
      await wine?.close();
    }
  }, 60_000);

  /** The exe with the smoke world's folder as working folder; the step goes into the transcript. */
  async function exe(args: readonly string[], o: { env?: NodeJS.ProcessEnv; stdin?: string; remark?: string; timeoutMs?: number } = {}): Promise<ExeResult> {
    const r = await wine.run(args, { cwd: world.dir, ...o });
    transcript.step(commandLine(args, { secretEnv: Object.keys(o.env ?? {}), secretOnStdin: o.stdin !== undefined }), r, o.remark);
    return r;
  }

  it('prints the version, the commit and the build date', async () => {
    const r = await exe(['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trimEnd()).toMatch(expectedVersionLine());
    expect(r.code).toBe(0);
  });

  it('help exit-codes prints the guide from inside the exe, as plain text for the console', async () => {
    // In Swedish by default: this guide has no Swedish version, which is said first.
    const r = await exe(['help', 'exit-codes']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`(Den här guiden finns bara på engelska.)\n\n${renderGuide(readFileSync(join(ROOT, 'docs/exit-codes.md'), 'utf8'), 'exit-codes.md')}`);
    expect(r.code).toBe(0);
  });

  it("credentials set keeps the SQL password from standard input in Wine's Credential Manager; credentials test logs in with exactly what is stored", async () => {
    const config = ['--config', world.configPath];
    const entry = 'Windows Credential Manager (service procapita-sync, account sqlPassword)';
    const loginPassed = `✓ SQL Server 127.0.0.1:${world.server.port}, database ProCapita: login and schema check passed (reads at SNAPSHOT isolation)\n`;

    // As `echo <password>| procapita-sync.exe credentials set …` gives it in cmd.exe: with CR LF.
    const set = await exe(['credentials', 'set', 'sqlPassword', ...config], { stdin: `${SQL_PASSWORD}\r\n` });
    expect(set.stderr).toBe('');
    expect(set.stdout).toMatch(new RegExp(`^Stored the SQL password for procapita_reader in ${entry.replace(/[()]/g, '\\$&')}\\. Only \\S+\\\\\\S+ can read it: the scheduled task must run as`));
    expect(set.code).toBe(0);
    expect(await wine.credentialTargets()).toEqual(['procapita-sync/sqlPassword']);

    // PROCAPITA_SQL_PASSWORD is not set: the password can only come from the store.
    const test = await exe(['credentials', 'test', 'sqlPassword', ...config], { remark: 'PROCAPITA_SQL_PASSWORD is not set: the password comes from Windows Credential Manager' });
    expect(test.stderr).toBe('');
    expect(test.stdout).toBe(loginPassed);
    expect(test.code).toBe(0);

    // A wrong password in the store: the same test now fails at the SQL login.
    const wrong = await exe(['credentials', 'set', 'sqlPassword', ...config], { stdin: `${WRONG_PASSWORD}\r\n`, remark: 'a wrong password, to show that the test uses what is stored' });
    expect(wrong.stdout).toMatch(/^Replaced the SQL password for procapita_reader in /);
    expect(wrong.code).toBe(0);
    const refused = await exe(['credentials', 'test', 'sqlPassword', ...config]);
    expect(refused.stdout).toBe(
      `✗ SQL Server 127.0.0.1:${world.server.port}, database ProCapita: SQL Server at 127.0.0.1:${world.server.port} refused the login for user 'procapita_reader'. Check the SQL account and its password (${entry}), and that database 'ProCapita' exists and the account may open it.\n`,
    );
    expect(refused.stderr).toBe('error: The stored SQL password did not pass the test (see above).\n');
    expect(refused.code).toBe(ExitCode.accessDenied);

    // Deleted: gone from the store, and the test says so.
    const deleted = await exe(['credentials', 'delete', 'sqlPassword', ...config]);
    expect(deleted.stdout).toMatch(new RegExp(`^Deleted the SQL password from ${entry.replace(/[()]/g, '\\$&')} of \\S+\\\\\\S+\\.\n`));
    expect(deleted.code).toBe(0);
    expect(await wine.credentialTargets()).toEqual([]);
    const missing = await exe(['credentials', 'test', 'sqlPassword', ...config]);
    // Wine has no Task Scheduler to name the task's account: the message says the store is per account.
    expect(missing.stdout).toMatch(new RegExp(`The SQL password is not stored for \\S+ in ${entry.replace(/[()]/g, '\\$&')}\\. Secrets there are kept per account`));
    expect(missing.code).toBe(ExitCode.accessDenied);

    const shown = everything(set, test, wrong, refused, deleted, missing);
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
  }, 120_000);

  it('runs the small demo over TCP and uploads exactly the snapshot the source code builds', async () => {
    const expected = await sourceSnapshotHash(world);

    const r = await exe(['run', '--config', world.configPath, '--date', world.syncDate], { env: world.secretsEnv, timeoutMs: 150_000 });
    expect(r.code).toBe(0);
    expect(world.receiver.imports).toHaveLength(1);
    const stored = world.receiver.imports[0]!;
    expect(stored.key).toBe(`sha256:${expected}`);
    expect(r.stdout).toContain(`Uploaded snapshot sha256:${expected}: `);
    expect(r.stdout).toContain(`Import ${stored.importId}, accepted`);
    for (const secret of SECRETS) expect(everything(r)).not.toContain(secret);
  }, 180_000);

  it('the scheduled task it would register starts the exe itself, not node', async () => {
    const r = await exe(['schedule', 'xml', '--account', 'KOMMUN\\svc-procapita', '--config', world.configPath]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Wine shows the Linux folder of the exe as drive Z: (no blank in it, so the command needs no quotes).
    const folder = `Z:${dirname(WINDOWS_EXE).replace(/\//g, '\\')}`;
    const config = `Z:${world.configPath.replace(/\//g, '\\')}`;
    expect(r.stdout).toContain(
      `<Exec>\n      <Command>${folder}\\procapita-sync.exe</Command>\n      <Arguments>run --config "${config}"</Arguments>\n      <WorkingDirectory>${folder}</WorkingDirectory>\n    </Exec>`,
    );
    expect(r.stdout).not.toMatch(/tsx|node_modules|node\.exe/);
  });

  /**
   * The exe in a console until the first question, then Ctrl-C. Wine's
   * console leaves the terminal's ISIG on, so Ctrl-C reaches the exe as a
   * console signal, not as a key press as in a Windows console: the prompt
   * library's signal handler ends the process with exit 1, before the
   * wizard's own "cancelled" line (exit 2) can be printed.
   */
  async function firstScreen(args: readonly string[], question: string): Promise<{ screen: string; code: number }> {
    const started = performance.now();
    const pane = wine.console(args, wine.dir);
    try {
      await pane.waitFor(question, 1, 90_000);
      const shown = ((performance.now() - started) / 1000).toFixed(1);
      const screen = pane.transcript();
      pane.press('C-c');
      await pane.waitFor('[exit ', 1, 30_000);
      const code = Number(/\[exit (\d+)\]/.exec(pane.transcript())?.[1]);
      transcript.screen(`${commandLine(args)}   (in a 200×50 console)`, screen, `First question on screen after ${shown} s. Ctrl-C: the process ended with exit code ${code}.`);
      return { screen, code };
    } finally {
      pane.close();
    }
  }

  const defaultConfigDir = () => join(wine.prefix, 'drive_c/ProgramData/procapita-sync');

  it('setup --lang en in a console shows the first question; Ctrl-C ends it with nothing written', async () => {
    // Before the first question: who runs it, and Wine's Credential Manager probed for that account.
    const { screen, code } = await firstScreen(['setup', '--lang', 'en'], '? Account the task runs as');
    expect(screen).toMatch(/^procapita-sync setup\nThis sets up the nightly sync in ten steps: SQL Server, schools,/);
    expect(screen).toMatch(
      /\nThe configuration goes to C:\\ProgramData\\procapita-sync\\config\.json\.\nEsc goes back to the previous question\. Ctrl-C stops, and offers to keep your answers so far as a draft\.\n\nThis wizard runs as (\S+)\. The secrets go into Windows Credential Manager, which keeps them per account: only \1 can read them\.\n/,
    );
    expect(screen).toMatch(/\n {2}✓ Windows Credential Manager: opened, written and read back for \S+\n/);
    expect(await wine.credentialTargets()).not.toContain('procapita-sync/setup-probe');
    expect(screen).not.toContain('error');
    expect(code).toBe(1);
    expect(existsSync(defaultConfigDir())).toBe(false);
  }, 150_000);

  it('with no arguments in a console it starts the wizard, in Swedish; Ctrl-C ends it with nothing written', async () => {
    const { screen, code } = await firstScreen([], '? Konto som aktiviteten körs som');
    expect(screen).toMatch(/^procapita-sync – installation\nHär ställer du in den nattliga synkroniseringen i tio steg:/);
    expect(screen).toMatch(
      /\nKonfigurationen hamnar i C:\\ProgramData\\procapita-sync\\config\.json\.\nEsc går tillbaka till föregående fråga\. Ctrl-C avbryter, och erbjuder att spara dina svar hittills som ett utkast\.\n\nGuiden körs som \S+\. Lösenorden sparas i Windows autentiseringshanterare/,
    );
    expect(screen).toMatch(/\n {2}✓ Windows autentiseringshanterare \(Credential Manager\): kan öppnas, skrivas och läsas för \S+\n/);
    expect(code).toBe(1);
    expect(existsSync(defaultConfigDir())).toBe(false);
  }, 150_000);

  it.each([
    ['double-clicked (no arguments)', []],
    ['started as `setup` in a console of its own, as runas does', ['setup']],
  ])('%s, the console window stays open after the wizard ends, until Enter', async (how, args) => {
    const pane = wine.console(args, wine.dir);
    try {
      await pane.waitFor('? Konto som aktiviteten körs som', 1, 90_000);
      pane.press('Enter'); // this account
      await pane.waitFor('? SQL Servers värdnamn eller adress', 1, 60_000);
      // Host, instance (none), port (1433, where nothing listens), database, login, password, encryption, certificate check.
      const answers = ['127.0.0.1', '', '', 'ProCapita', 'reader', 'not-a-real-password', '', ''];
      for (const [i, answer] of answers.entries()) {
        // The password prompt is another kind, which reads keys only once it is up: typed before, they were lost under load (CI).
        if (i === 5) await pane.waitFor('? Lösenord för reader', 1, 30_000);
        if (answer) pane.type(answer);
        pane.press('Enter');
        // Each answered question turns into a line starting with √ (Wine's console redraws the rest unevenly). Under
        // load the redraw after the last answer can overwrite that line's √; the menu below comes only after all the
        // answers and the SQL test, so it stands for the last one.
        if (i < answers.length - 1) await pane.waitFor('√', i + 2, 30_000);
      }
      await pane.waitFor('Avsluta utan att skriva något', 1, 60_000);
      for (let i = 0; i < 8; i++) pane.press('Down');
      pane.press('Enter');
      // "Quit" offers to keep the answers as a draft: no.
      await pane.waitFor('Spara svaren hittills som ett utkast', 1, 30_000);
      pane.type('n');
      pane.press('Enter');
      await pane.waitFor('Tryck på Enter för att stänga fönstret.', 1, 30_000);
      const waiting = pane.transcript();
      expect(waiting).toMatch(/Installationen avbröts: ingenting skrevs\.\n+Tryck på Enter för att stänga fönstret\.\n*$/);
      expect(waiting).not.toContain('[exit ');
      pane.press('Enter');
      await pane.waitFor('[exit ', 1, 30_000);
      expect(pane.transcript()).toMatch(/Tryck på Enter för att stänga fönstret\.\n+\[exit 2\]/);
      transcript.screen(`wine64 procapita-sync.exe ${args.join(' ')}  (${how}; the SQL test fails, then "Avsluta utan att skriva något")`, waiting, 'The window waits for Enter; after Enter the exe ended with exit code 2.');
      expect(existsSync(defaultConfigDir())).toBe(false);
    } finally {
      pane.close();
    }
  }, 180_000);
});
