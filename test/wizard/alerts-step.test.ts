/**
 * Step 7, e-mail alerts, against a real SMTP server on loopback
 * (smtp-server, STARTTLS with the test CA): asked, answered ahead, tested,
 * corrected after a refused login, a test message that arrives, and the
 * SMTP password rotated.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAnswers } from '../../wizard/answers';
import { alertsStep } from '../../wizard/steps/alerts';
import { rotateStep } from '../../wizard/steps/rotate';
import { ROOT } from '../support/cli';
import { body, closeSmtpServers, smtp, SMTP_PASSWORD, SMTP_USER, subject } from '../support/smtp';
import { memoryStore, stepContext, type Scripted } from './support';

const CA = join(ROOT, 'test/certs/ca.crt');
afterEach(closeSmtpServers);

/** What steps 1 to 6 leave in the draft, as far as this step's test needs it. */
const EARLIER = { source: { type: 'fixture' as const, path: join(ROOT, 'assets/demo/municipality.json') }, schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }] };

/** The answers to every question of the step, in order, for a server on `port`. */
const answers = (port: number, password = SMTP_PASSWORD, sendTest = true): Scripted[] => [
  true, // send alerts
  'localhost',
  'starttls',
  String(port),
  'procapita-sync@kommun.example',
  'it-drift@kommun.example; skol-it@kommun.example',
  SMTP_USER,
  password,
  CA,
  false, // not every run
  sendTest,
];

describe('the e-mail alerts step', () => {
  it('asked: tested against the server, a test message to every recipient, the settings in the draft and the password for the store', async () => {
    const s = await smtp();
    const { ctx, prompts, out } = stepContext({ script: answers(s.port), lang: 'sv', draft: EARLIER });
    await alertsStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(out()).toContain('[7/10] E-postlarm');
    expect(out()).toContain(`  ✓ SMTP-servern localhost:${s.port}: STARTTLS, inloggad som ${SMTP_USER}`);
    expect(out()).toContain('  ✓ Testmeddelande skickat till it-drift@kommun.example, skol-it@kommun.example');
    expect(ctx.draft.alerts).toEqual({
      email: { host: 'localhost', security: 'starttls', port: s.port, from: 'procapita-sync@kommun.example', to: ['it-drift@kommun.example', 'skol-it@kommun.example'], user: SMTP_USER, caFile: CA },
    });
    expect(ctx.secrets.smtpPassword).toBe(SMTP_PASSWORD);
    expect(s.mails).toHaveLength(1);
    expect(s.mails[0]!.to).toEqual(['it-drift@kommun.example', 'skol-it@kommun.example']);
    expect(subject(s.mails[0]!)).toMatch(/^procapita-sync på .+: ett test av e-postlarmen$/);
    expect(body(s.mails[0]!)).toContain('Det här är ett testmeddelande från procapita-sync (installationen, eller doctor --send-test-alert).');
    // The password is typed masked, and nowhere in what the step printed.
    expect(out()).not.toContain(SMTP_PASSWORD);
  });

  it('a refused login: the cause, then the menu offers the login again, and the corrected password passes', async () => {
    const s = await smtp();
    const script: Scripted[] = [...answers(s.port, 'fel lösenord').slice(0, -1), 'alerts.user', '', SMTP_PASSWORD, false];
    const { ctx, prompts, out } = stepContext({ script, draft: EARLIER });
    await alertsStep(ctx);
    expect(prompts.left()).toBe(0);
    expect(out()).toMatch(/✗ the SMTP server localhost:\d+ refused the login of procapita-larm\./);
    expect(prompts.screen).toContain('  Change: login');
    expect(out()).toContain(`  ✓ SMTP server localhost:${s.port}: STARTTLS, logged in as ${SMTP_USER}`);
    expect(ctx.secrets.smtpPassword).toBe(SMTP_PASSWORD);
    expect(s.mails).toHaveLength(0);
  });

  it('answered ahead, under --non-interactive: tested, and no test message unless asked for one', async () => {
    const s = await smtp();
    const ahead = {
      nonInteractive: true,
      alertsEnabled: 'true',
      alertsHost: 'localhost',
      alertsPort: String(s.port),
      alertsFrom: 'procapita-sync@kommun.example',
      alertsTo: 'it-drift@kommun.example',
      alertsUser: SMTP_USER,
      alertsPasswordEnv: 'SMTP_PASSWORD_FOR_SETUP',
      alertsCaFile: CA,
      alertsEveryRun: 'true',
    };
    const env = { USER: 'svc-procapita', SMTP_PASSWORD_FOR_SETUP: SMTP_PASSWORD };
    const quiet = stepContext({ answers: await loadAnswers(ahead), env, draft: EARLIER });
    await alertsStep(quiet.ctx);
    expect(quiet.ctx.draft.alerts?.email).toMatchObject({ host: 'localhost', port: s.port, to: ['it-drift@kommun.example'], everyRun: true });
    expect(s.mails).toHaveLength(0);

    const asked = stepContext({ answers: await loadAnswers({ ...ahead, alertsSendTest: 'true' }), env, draft: EARLIER });
    await alertsStep(asked.ctx);
    expect(s.mails).toHaveLength(1);
  });

  it('answered ahead with a password the server refuses: ends with the cause and its exit code', async () => {
    const s = await smtp();
    const ahead = { nonInteractive: true, alertsEnabled: 'true', alertsHost: 'localhost', alertsPort: String(s.port), alertsFrom: 'a@kommun.example', alertsTo: 'b@kommun.example', alertsUser: SMTP_USER, alertsPasswordEnv: 'P', alertsCaFile: CA };
    const { ctx, out } = stepContext({ answers: await loadAnswers(ahead), env: { P: 'fel' }, draft: EARLIER });
    const err = await alertsStep(ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'config' });
    expect(String((err as Error).message)).toMatch(/SMTP server localhost:\d+ refused the login/);
    expect(out()).toMatch(/✗ .*refused the login/);
  });

  it('no alerts: Enter says no, and re-running it removes alerts that were there', async () => {
    const none = stepContext({ script: [''], draft: EARLIER });
    await alertsStep(none.ctx);
    expect(none.ctx.draft.alerts).toBeUndefined();

    const before = { ...EARLIER, alerts: { email: { host: 'smtp.kommun.example', security: 'starttls' as const, from: 'a@kommun.example', to: ['b@kommun.example'] } } };
    const off = stepContext({ script: [false], draft: before, existing: before });
    await alertsStep(off.ctx);
    expect(off.ctx.draft.alerts).toEqual({});
    expect(off.ctx.draft.source).toEqual(EARLIER.source);
  });
});

describe('rotating the SMTP password', () => {
  it('the new password is tried on the server before it replaces the stored one', async () => {
    const s = await smtp();
    const store = memoryStore({ smtpPassword: 'gammalt' });
    const existing = {
      source: { type: 'fixture' as const, path: join(ROOT, 'assets/demo/municipality.json') },
      schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }],
      alerts: { email: { host: 'localhost', port: s.port, security: 'starttls' as const, from: 'a@kommun.example', to: ['b@kommun.example'], user: SMTP_USER, caFile: CA } },
    };
    const { ctx, out } = stepContext({ script: ['smtpPassword', 'fel', 'retry', SMTP_PASSWORD], store, draft: existing, existing });
    await rotateStep(ctx);
    expect(out()).toContain('The new SMTP password (e-mail alerts) did not work, so it was not stored; the old one is kept.');
    expect(out()).toContain('The new SMTP password (e-mail alerts) works and is stored in');
    expect(store.values.smtpPassword).toBe(SMTP_PASSWORD);
  });
});
