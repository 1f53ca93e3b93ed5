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
import { ask, askCaFile, askOptional, askSecret, draftConfig, required, say, wizardCredentials, type Context, type DraftAlerts } from '../context';
import { afterFailure, heading, test } from './shared';

type Field = 'host' | 'port' | 'to' | 'user' | 'caFile';
const FIELD_KEYS: Record<Field, AnswerKey> = { host: 'alerts.host', port: 'alerts.port', to: 'alerts.to', user: 'alerts.user', caFile: 'alerts.caFile' };
const FIELDS: readonly Field[] = ['host', 'port', 'to', 'user', 'caFile'];
const DEFAULT_PORT = { starttls: 587, tls: 465 } as const;

const emails = (ctx: Context) => (v: string) => (parseEmails(v) ? true : ctx.m.notEmails);

async function askField(ctx: Context, field: Field, a: DraftAlerts): Promise<void> {
  const m = ctx.m;
  switch (field) {
    case 'host':
      a.host = (await ask(ctx, 'alerts.host', () => ctx.prompts.input({ message: m.alertsHost, ...(a.host ? { default: a.host } : {}), validate: required(ctx) }))).trim();
      return;
    case 'port': {
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
      const port = a.port ?? DEFAULT_PORT[a.security];
      const typed = await ask(ctx, 'alerts.port', async () => Number(await ctx.prompts.input({ message: m.alertsPort, default: String(port), validate: (v) => (/^\d{1,5}$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 65535 ? true : m.notPort) })), { default: port });
      // The usual port for the connection is not written: the configuration's default says it.
      if (typed === DEFAULT_PORT[a.security]) delete a.port;
      else a.port = typed;
      return;
    }
    case 'to': {
      const from = await ask(ctx, 'alerts.from', () => ctx.prompts.input({ message: m.alertsFrom, ...(a.from ? { default: a.from } : {}), validate: (v) => (parseEmails(v)?.length === 1 ? true : m.notEmail) }));
      a.from = from.trim();
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
      const keep = ctx.existing?.data.alerts?.email?.user === user && !ctx.reask.has('alerts.password');
      a.user = user;
      const password = await askSecret(ctx, 'alerts.password', m.alertsPassword(user), keep);
      if (password !== undefined) ctx.secrets.smtpPassword = password;
      return;
    }
    case 'caFile': {
      await askCaFile(ctx, 'alerts.caFile', m.alertsCa, a);
      return;
    }
  }
}

export async function alertsStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 7, m.alertsTitle);
  say(ctx, m.alertsWhy);
  const before = ctx.draft.alerts?.email;
  const enabled = await ask(ctx, 'alerts.enabled', () => ctx.prompts.confirm({ message: m.alertsPrompt, default: before !== undefined }), { default: before !== undefined });
  if (!enabled) {
    if (ctx.draft.alerts) {
      const { email: _, ...rest } = ctx.draft.alerts;
      ctx.draft.alerts = rest;
    }
    delete ctx.secrets.smtpPassword;
    return;
  }
  const a: DraftAlerts = { ...(before ?? { host: '', security: 'starttls', from: '', to: [] }) };
  for (const field of FIELDS) await askField(ctx, field, a);
  const everyRun = await ask(ctx, 'alerts.everyRun', () => ctx.prompts.confirm({ message: m.alertsEveryRun, default: a.everyRun ?? false }), { default: a.everyRun ?? false });
  if (everyRun) a.everyRun = true;
  else delete a.everyRun;
  ctx.draft.alerts = { ...ctx.draft.alerts, email: a };

  for (;;) {
    const result = await test(ctx, m.alertsTesting, () => ctx.checks.smtp(draftConfig(ctx), wizardCredentials(ctx)));
    if (result?.ok) break;
    if (!result) throw new AppError('internal', safe`the SMTP check gave no result`); // a bug: alerts.email is set just above
    const choice = await afterFailure(ctx, result, FIELDS.map((f) => ({ key: FIELD_KEYS[f], label: m.alertsField[f] })));
    if (choice === 'retry') continue;
    const field = FIELDS.find((f) => FIELD_KEYS[f] === choice)!;
    if (field === 'port') ctx.reask.add('alerts.security');
    if (field === 'to') ctx.reask.add('alerts.from');
    if (field === 'user') ctx.reask.add('alerts.password');
    await askField(ctx, field, a);
    ctx.draft.alerts = { ...ctx.draft.alerts, email: a };
  }

  // Under --non-interactive only when asked: a scripted install mails no one by surprise.
  const send = await ask(ctx, 'alerts.sendTest', () => ctx.prompts.confirm({ message: m.alertsSendTest, default: true }), { default: false });
  if (!send) return;
  const sent = await test(ctx, m.alertsTestSending(a.to.length), () => ctx.checks.testAlert(draftConfig(ctx), wizardCredentials(ctx), { subject: m.alertTestSubject(hostname()), text: `${m.alertTest}\n` }));
  // The server took the login but not the message (a sender it refuses): the settings stand, and doctor can try again.
  if (sent && !sent.ok && ctx.answers.nonInteractive) throw new AppError(sent.code ?? 'config', safe`${sent.detail} ${given('procapita-sync doctor --send-test-alert tries again.')}`);
}
