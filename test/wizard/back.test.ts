/**
 * Going back (Escape) and drafts (Ctrl-C or Quit, then resume), with
 * scripted answers: ESC and CTRL_C in a script press those keys.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/cli/checks';
import { readFixture } from '../../src/extract/fixture-source';
import type { SourceRows } from '../../src/extract/contract';
import { ours } from '../../src/safe-text';
import { loadAnswers } from '../../wizard/answers';
import { walk } from '../../wizard/context';
import { draftPath } from '../../wizard/draft';
import { emailStep } from '../../wizard/steps/email';
import { privacyStep } from '../../wizard/steps/privacy';
import { sqlStep } from '../../wizard/steps/sql';
import { targetStep } from '../../wizard/steps/target';
import { runWizard } from '../../wizard/wizard';
import { DEMO_FIXTURE } from '../support/cli';
import { API_KEY, CA_FILE, closeAll, CTRL_C, ESC, folder, memoryStore, receiver, SQL_PASSWORD, stepContext, tdsServer } from './support';

let rows: SourceRows;
beforeAll(async () => {
  rows = await readFixture(DEMO_FIXTURE);
});
afterEach(closeAll);

const unreachable = async (): Promise<CheckResult> => ({ ok: false, label: 'SQL Server', detail: ours('The host name sql-nowhere cannot be resolved. Check source.host.'), code: 'sourceUnavailable' });
const asked = (screen: readonly string[]) => screen.filter((l) => l.startsWith('? '));

describe('going back', () => {
  it('Escape asks the previous question again with its answer as the default; an answer given ahead is passed', async () => {
    const { ctx, prompts } = stepContext({
      answers: await loadAnswers({ sqlDatabase: 'ProCapita' }),
      script: ['sql-nowhere', '', '14330', ESC, '1433', 'reader', 'pw', false, 'quit'],
      checks: { sql: unreachable },
    });
    await expect(sqlStep(ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(asked(prompts.screen).slice(0, 6)).toEqual([
      '? SQL Server host name or address sql-nowhere',
      '? Named instance (empty: connect to a port) ',
      '? TCP port (1433) 14330',
      // The database is given ahead: Escape at the login goes past it, to the port.
      '? SQL login (read-only) [Esc]',
      '? TCP port (14330) 1433',
      '? SQL login (read-only) reader',
    ]);
    expect(ctx.draft.source).toMatchObject({ host: 'sql-nowhere', port: 1433, database: 'ProCapita', user: 'reader' });
  });

  it("from a step's first question to the previous step's last, and on from there", async () => {
    const { ctx, prompts } = stepContext({ rows, script: ['', '', ESC, ESC, true, '', 'procapita'] });
    await walk(ctx, [() => privacyStep(ctx), () => emailStep(ctx)]);
    expect(asked(prompts.screen)).toEqual([
      '? Export personnummer? no',
      '? Leave out persons without an e-mail address? no',
      '? Where do the e-mail addresses come from?', // a list is shown, then Escape
      '? Where do the e-mail addresses come from? [Esc]',
      '? Leave out persons without an e-mail address? [Esc]',
      '? Export personnummer? yes',
      '? Leave out persons without an e-mail address? no',
      '? Where do the e-mail addresses come from?',
    ]);
    expect(ctx.draft).toEqual({ export: { personalNumber: true }, email: { requireEmail: false } });
  });

  it('a secret typed before is kept with Enter when its question comes again', async () => {
    const rec = await receiver();
    const { ctx, prompts } = stepContext({ draft: { source: { type: 'fixture', path: DEMO_FIXTURE } }, script: [rec.url, API_KEY, ESC, '', false, CA_FILE] });
    await targetStep(ctx);
    expect(asked(prompts.screen)).toContain('? API key (Enter keeps the one typed before) ');
    expect(ctx.secrets).toEqual({ apiKey: API_KEY });
  });

  it('after a failed directory test the menu offers every earlier choice: "Only from ProCapita" ends the step without the table', async () => {
    const { ctx, prompts, out } = stepContext({
      rows,
      draft: { email: { requireEmail: false } },
      // Nothing listens on port 1: the connection is refused.
      script: ['ad', 'ldaps://127.0.0.1:1', '', 'cn=reader,dc=test', 'bind-pw', 'dc=test', '', '', '', '', 'email.source', 'procapita'],
    });
    await emailStep(ctx);
    expect(prompts.left()).toBe(0);
    const menu = prompts.screen.slice(prompts.screen.indexOf('? What now?'));
    expect(menu.slice(0, 13)).toEqual([
      '? What now?',
      '  Try again',
      '  Change: where the addresses come from',
      '  Change: directory server',
      '  Change: CA certificate',
      '  Change: bind account',
      '  Change: password',
      '  Change: search base',
      '  Change: filter',
      '  Change: key attribute',
      '  Change: where the table is kept',
      '  Quit without writing anything',
      '  → Change: where the addresses come from',
    ]);
    expect(out()).toContain('✗ ');
    expect(ctx.draft.email).toEqual({ requireEmail: false });
    expect(ctx.mapping).toBeUndefined();
  });

  it('Escape in the failure menu goes back to the last question of the step', async () => {
    const { ctx, prompts } = stepContext({ script: ['sql-nowhere', 'PROCAPITA', 'ProCapita', 'reader', 'pw', false, ESC, true, 'system', 'quit'], checks: { sql: unreachable } });
    await expect(sqlStep(ctx)).rejects.toThrow('Setup cancelled');
    // Encryption off asks no certificate question: back from the menu is the encryption.
    expect(asked(prompts.screen).slice(5)).toEqual(['? Encryption', '? What now?', '? What now? [Esc]', '? Encryption', "? How is SQL Server's certificate checked?", '? What now?']);
    expect(ctx.draft.source).toMatchObject({ encrypt: true, trustServerCertificate: false });
  });
});

/** Every answer of a first run up to the e-mail alerts, against the TDS server and the receiver. */
const UP_TO_ALERTS = (sqlPort: number, recUrl: string) => [
  '127.0.0.1',
  '',
  String(sqlPort),
  'ProCapita',
  'procapita_reader',
  SQL_PASSWORD,
  true,
  'caFile',
  CA_FILE,
  (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.includes('BJSK GR'))!.value,
  (shown: readonly { name: string; value: unknown }[]) => shown.find((c) => c.name.startsWith('Done'))!.value,
  'notesMarker',
  '',
  '',
  'procapita',
  recUrl,
  API_KEY,
  false,
  CA_FILE,
];

describe('drafts', () => {
  it('Ctrl-C keeps the answers without a secret; the next setup resumes at the step reached, asks the secrets again, and a completed one removes the draft', async () => {
    const sql = await tdsServer();
    const rec = await receiver();
    const { configPath } = folder();
    const store = memoryStore();
    const first = stepContext({ configPath, store, script: [...UP_TO_ALERTS(sql.port, rec.url), CTRL_C, ''] });
    await expect(runWizard(first.ctx)).rejects.toThrow('Setup cancelled: the configuration was not written; the answers so far are kept in the draft.');
    expect(first.prompts.left()).toBe(0);
    expect(asked(first.prompts.screen).slice(-2)).toEqual(['? Send e-mail alerts? [Ctrl-C]', '? Keep the answers so far as a draft, to resume from next time? (Passwords and keys are not kept.) yes']);
    const file = draftPath(configPath);
    expect(file).toBe(configPath.replace(/config\.json$/, 'config.draft.json'));
    expect(first.out()).toContain(`✓ Draft kept: ${file}. The next setup with this configuration offers to resume from it.`);
    expect(existsSync(configPath)).toBe(false);
    expect(store.writes).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    for (const secret of [SQL_PASSWORD, API_KEY]) expect(text).not.toContain(secret);
    const saved = JSON.parse(text) as { step: string; config: object };
    expect(saved.step).toBe('alerts');
    expect(saved.config).toEqual({
      source: { type: 'sql', host: '127.0.0.1', port: sql.port, database: 'ProCapita', user: 'procapita_reader', encrypt: true, trustServerCertificate: false, caFile: CA_FILE },
      schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }],
      teachingGroups: { select: 'notesMarker' },
      export: { personalNumber: false },
      email: { requireEmail: false },
      target: { type: 'https', url: `${rec.url}/v1/snapshots`, caFile: CA_FILE },
    });

    // Resumed: the SQL password and the API key are asked again, every other answer up to the alerts is taken;
    // a wrong password is changed in the failure menu, and the draft's answers are taken on from there.
    const second = stepContext({ configPath, store, script: ['', 'not it', 'sql.password', SQL_PASSWORD, API_KEY, false, 'continue', '', ''] });
    await runWizard(second.ctx);
    expect(second.prompts.left()).toBe(0);
    expect(asked(second.prompts.screen)).toEqual([
      '? Resume from the draft? (No discards it.) yes',
      '? Password for procapita_reader ******',
      '? What now?',
      `? Password for procapita_reader ${'*'.repeat(SQL_PASSWORD.length)}`,
      `? API key ${'*'.repeat(API_KEY.length)}`,
      '? Send e-mail alerts? no',
      '? Does this look right?',
      '? Time of the nightly run (HH:MM) (18:30) 18:30',
      '? Write this? yes',
    ]);
    expect(second.out()).toContain(`There is a draft from an earlier setup: ${file}. It got as far as the step "E-mail alerts".`);
    expect(second.out()).toContain('✔ SQL Server host name or address 127.0.0.1');
    expect(existsSync(file)).toBe(false);
    expect(JSON.parse(readFileSync(configPath, 'utf8'))).toEqual(saved.config);
    expect(store.values).toEqual({ sqlPassword: SQL_PASSWORD, apiKey: API_KEY });
  }, 60_000);

  it('"no" discards the draft; a damaged one is named with its kind and ignored; Ctrl-C at "keep a draft?" keeps none', async () => {
    const { configPath } = folder();
    const file = draftPath(configPath);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{"format": "procapita-sync setup draft 1", "step": "email", "config": {"export": {"personalNumber": true}}}');
    const no = stepContext({ configPath, script: [false, ESC, CTRL_C] });
    await expect(runWizard(no.ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(no.out()).toContain(`Draft ${file} discarded.`);
    expect(existsSync(file)).toBe(false);

    writeFileSync(file, '{"step": "email", "config": ');
    const damaged = stepContext({ configPath, script: ['sql-host', CTRL_C, CTRL_C] });
    await expect(runWizard(damaged.ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(damaged.out()).toContain(`! The draft ${file} is not valid JSON; it is ignored.`);
    // Ctrl-C at the question whether to keep a draft: none is kept, and the old file is left as it was.
    expect(asked(damaged.prompts.screen)).toEqual(['? SQL Server host name or address sql-host', '? Named instance (empty: connect to a port) [Ctrl-C]', '? Keep the answers so far as a draft, to resume from next time? (Passwords and keys are not kept.) [Ctrl-C]']);
    expect(readFileSync(file, 'utf8')).toBe('{"step": "email", "config": ');

    writeFileSync(file, '{"step": "nowhere", "config": {}}');
    const other = stepContext({ configPath, script: [CTRL_C] });
    await expect(runWizard(other.ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(other.out()).toContain(`! The draft ${file} is not a draft this wizard wrote; it is ignored.`);
  });

  it('a resumed answer its question would refuse (a hand-edited draft) is asked', async () => {
    const { configPath } = folder();
    const file = draftPath(configPath);
    mkdirSync(dirname(file), { recursive: true });
    const source = { type: 'sql', host: 'sql-nowhere', port: 70000, database: 'ProCapita', user: 'reader', encrypt: false, trustServerCertificate: false };
    writeFileSync(file, JSON.stringify({ format: 'procapita-sync setup draft 1', step: 'schools', config: { source } }));
    const { ctx, prompts, out } = stepContext({ configPath, script: ['', '1433', 'pw', 'quit', false], checks: { sql: unreachable } });
    await expect(runWizard(ctx)).rejects.toThrow('Setup cancelled: nothing was written.');
    expect(asked(prompts.screen)).toEqual([
      '? Resume from the draft? (No discards it.) yes',
      '? TCP port (70000) 1433',
      '? Password for reader **',
      '? What now?',
      '? Keep the answers so far as a draft, to resume from next time? (Passwords and keys are not kept.) no',
    ]);
    expect(out()).toContain('✔ SQL Server host name or address sql-nowhere');
    expect(out()).toContain('✔ Encryption None (only on a network you trust)');
    expect(ctx.draft.source).toEqual({ ...source, port: 1433 });
    // "No": the draft there was stays as it was.
    expect(JSON.parse(readFileSync(file, 'utf8')).config).toEqual({ source });
  });
});
