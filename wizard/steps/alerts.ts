/**
 * Step 7, e-mail alerts (optional): the SMTP server, its connection, who
 * sends and who gets them, a login. Tested at once the way a run sends them
 * (connect, TLS, login), then, if wanted, with a test message. The password
 * is stored at the write step as smtpPassword.
 */
import { hostname } from 'node:os';
import { AppError } from '../../src/errors';
import { given, safe } from '../../src/safe-text';
import { parseEmails, type AnswerKey } from '../answers';
import { ask, askCaFile, askOptional, askSecret, draftConfig, required, say, walk, wizardCredentials, type Context, type DraftAlerts } from '../context';
import { afterFailure, field, heading, test } from './shared';

/** The questions, in order; a failure menu's choice asks a run of them again. */
const QUESTIONS = ['enabled', 'host', 'security', 'port', 'from', 'to', 'user', 'password', 'caFile', 'everyRun'] as const;
type Name = (typeof QUESTIONS)[number];
const DEFAULT_PORT = { starttls: 587, tls: 465 } as const;

const emails = (ctx: Context) => (v: string) => (parseEmails(v) ? true : ctx.m.notEmails);

async function askQuestion(ctx: Context, name: Exclude<Name, 'enabled'>, a: DraftAlerts): Promise<void> {
  const m = ctx.m;
  switch (name) {
    case 'host':
      a.host = (await ask(ctx, 'alerts.host', () => ctx.prompts.input({ message: m.alertsHost, ...(a.host ? { default: a.host } : {}), validate: required(ctx) }))).trim();
      return;
    case 'security':
      a.security = await ask(
        ctx,
        'alerts.security',
        () =>
          ctx.prompts.select({
            message: m.alertsSecurity,
            choices: [
              { name: m.alertsStarttls, value: 'starttls' as const },
              { name: m.alertsTls, value: 'tls' as const },
            ],
            default: a.security,
          }),
        { default: a.security },
      );
      return;
    case 'port': {
      const port = a.port ?? DEFAULT_PORT[a.security];
      const typed = await ask(ctx, 'alerts.port', async () => Number(await ctx.prompts.input({ message: m.alertsPort, default: String(port), validate: (v) => (/^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? true : m.notPort) })), { default: port });
      // The usual port for the connection is not written: the configuration's default says it.
      if (typed === DEFAULT_PORT[a.security]) delete a.port;
      else a.port = typed;
      return;
    }
    case 'from': {
      const from = await ask(ctx, 'alerts.from', () => ctx.prompts.input({ message: m.alertsFrom, ...(a.from ? { default: a.from } : {}), validate: (v) => (parseEmails(v)?.length === 1 ? true : m.notEmail) }));
      a.from = from.trim();
      return;
    }
    case 'to': {
      const to = await ask(ctx, 'alerts.to', async () => parseEmails(await ctx.prompts.input({ message: m.alertsTo, ...(a.to?.length ? { default: a.to.join(', ') } : {}), validate: emails(ctx) }))!);
      a.to = [...to];
      return;
    }
    case 'user': {
      const user = await askOptional(ctx, 'alerts.user', m.alertsUser, a.user);
      if (!user) {
        delete a.user;
        delete ctx.secrets.smtpPassword;
        return;
      }
      a.user = user;
      return;
    }
    case 'password': {
      if (!a.user) return;
      const keep = ctx.existing?.data.alerts?.email?.user === a.user && !ctx.reask.has('alerts.password');
      const password = await askSecret(ctx, 'alerts.password', m.alertsPassword(a.user), keep);
      if (password !== undefined) ctx.secrets.smtpPassword = password;
      return;
    }
    case 'caFile': {
      await askCaFile(ctx, 'alerts.caFile', m.alertsCa, a);
      return;
    }
    case 'everyRun': {
      const everyRun = await ask(ctx, 'alerts.everyRun', () => ctx.prompts.confirm({ message: m.alertsEveryRun, default: a.everyRun ?? false }), { default: a.everyRun ?? false });
      if (everyRun) a.everyRun = true;
      else delete a.everyRun;
      return;
    }
  }
}

export async function alertsStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 7, m.alertsTitle);
  say(ctx, m.alertsWhy);
  const before = ctx.draft.alerts?.email;
  let enabled = before !== undefined;
  const a: DraftAlerts = { ...(before ?? { host: '', security: 'starttls', from: '', to: [] }) };
  /** The draft as answered so far, after each question: what a draft kept on Ctrl-C holds. */
  const answered = () => {
    if (enabled) ctx.draft.alerts = { ...ctx.draft.alerts, email: { ...a } };
    else if (ctx.draft.alerts) {
      const { email: _, ...rest } = ctx.draft.alerts;
      ctx.draft.alerts = rest;
    }
  };
  const questions = QUESTIONS.map((name) => async () => {
    if (name === 'enabled') {
      enabled = await ask(ctx, 'alerts.enabled', () => ctx.prompts.confirm({ message: m.alertsPrompt, default: enabled }), { default: enabled });
      if (!enabled) delete ctx.secrets.smtpPassword;
    } else if (enabled) await askQuestion(ctx, name, a);
    answered();
  });
  const f = m.alertsField;
  const q = (label: string, keys: AnswerKey[], first: Name, last?: Name) => field(QUESTIONS, label, keys, first, last);
  const fields = [
    q(f.enabled, ['alerts.enabled'], 'enabled', 'everyRun'),
    q(f.host, ['alerts.host'], 'host'),
    q(f.port, ['alerts.port', 'alerts.security'], 'security', 'port'),
    q(f.to, ['alerts.to', 'alerts.from'], 'from', 'to'),
    q(f.user, ['alerts.user', 'alerts.password'], 'user', 'password'),
    q(f.caFile, ['alerts.caFile'], 'caFile'),
    q(f.everyRun, ['alerts.everyRun'], 'everyRun'),
  ];
  await walk(ctx, questions);
  for (;;) {
    if (!enabled) return;
    const result = await test(ctx, m.alertsTesting, () => ctx.checks.smtp(draftConfig(ctx), wizardCredentials(ctx)));
    if (result?.ok) break;
    if (!result) throw new AppError('internal', safe`the SMTP check gave no result`); // a bug: alerts.email is set just above
    await afterFailure(ctx, result, questions, fields);
  }

  // Under --non-interactive only when asked: a scripted install mails no one by surprise.
  // Nor when a draft is resumed: the test message went out the first time.
  const send = ctx.nav.replayUntil === undefined && (await ask(ctx, 'alerts.sendTest', () => ctx.prompts.confirm({ message: m.alertsSendTest, default: true }), { default: false }));
  if (!send) return;
  const sent = await test(ctx, m.alertsTestSending(a.to.length), () => ctx.checks.testAlert(draftConfig(ctx), wizardCredentials(ctx), { subject: m.alertTestSubject(hostname()), text: `${m.alertTest}\n` }));
  // The server took the login but not the message (a sender it refuses): the settings stand, and doctor can try again.
  if (sent && !sent.ok && ctx.answers.nonInteractive) throw new AppError(sent.code ?? 'config', safe`${sent.detail} ${given('procapita-sync doctor --send-test-alert tries again.')}`);
}
