/**
 * Re-run, "rotate a password or key": the new value is tested the way a
 * run would use it (login and schema check, bind, ping) before it replaces
 * the stored one. The configuration is not touched. A refused value is not
 * stored; the old one stays.
 */
import { neededSecrets } from '../../src/cli/checks';
import type { CheckResult } from '../../src/cli/checks';
import type { Config } from '../../src/configure/config';
import { secretEnvNames, type SecretName } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';
import type { AnswerKey } from '../answers';
import { ask, askSecret, draftConfig, say, storeEntry, wizardCredentials, type Context } from '../context';
import { isBack } from '../prompts';
import { cancelled, resultLine } from './shared';
import { given, safe } from '../../src/safe-text';

export const SECRET_KEYS: Record<SecretName, AnswerKey> = {
  sqlPassword: 'sql.password',
  apiKey: 'target.apiKey',
  ldapPassword: 'email.ad.password',
  proxyPassword: 'target.proxy.password',
  smtpPassword: 'alerts.password',
};

/** The check that uses a secret, run with the new value. */
async function testWith(ctx: Context, name: SecretName, value: string): Promise<CheckResult | undefined> {
  const config = draftConfig(ctx);
  const credentials = wizardCredentials(ctx, { [name]: value });
  switch (name) {
    case 'sqlPassword':
      return ctx.checks.sql(config, credentials);
    case 'ldapPassword':
      return ctx.checks.ldap(config, credentials);
    case 'apiKey':
    case 'proxyPassword':
      return ctx.checks.target(config, credentials, ctx.io.env);
    case 'smtpPassword':
      return ctx.checks.smtp(config, credentials);
  }
}

export async function rotateStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  const config = draftConfig(ctx);
  const used = neededSecrets(config);
  if (used.length === 0) {
    say(ctx, m.rotateNone);
    return;
  }
  // Until one is stored: "another one" after a refusal, or Escape at the new value, asks which again.
  while (!(await rotateOne(ctx, config, used))) ctx.reask.add('rotate');
}

/** One secret rotated: true when it was stored; false to pick another. */
async function rotateOne(ctx: Context, config: Config, used: readonly SecretName[]): Promise<boolean> {
  const m = ctx.m;
  const name = await ask(ctx, 'rotate', () =>
    ctx.prompts.select<SecretName>({ message: m.rotatePrompt, choices: used.map((n) => ({ name: m.secretName[n], value: n })) }),
  );
  if (!used.includes(name)) throw new AppError('usage', given(m.rotateNotUsed(m.secretName[name], ctx.answers.sourceOf('rotate'))));
  const key = SECRET_KEYS[name];
  for (;;) {
    const value = await askSecret(ctx, key, m.rotateNew(m.secretName[name]), false).catch((err: unknown) => (isBack(err) && used.length > 1 ? undefined : Promise.reject(err)));
    if (value === undefined) return false;
    say(ctx, m.testing(m.rotateTesting(m.secretName[name])));
    const result = await testWith(ctx, name, value);
    if (result?.ok) {
      say(ctx, resultLine(m, result, false));
      await ctx.store.set(name, value);
      say(ctx, `✓ ${m.rotateOk(m.secretName[name], storeEntry(ctx, name))}`);
      const variable = secretEnvNames(config)[name];
      if (variable) say(ctx, `  ! ${m.rotateEnvWins(m.secretName[name], variable)}`);
      return true;
    }
    if (result) say(ctx, resultLine(m, result, false));
    say(ctx, m.rotateRefused(m.secretName[name]));
    if (ctx.answers.nonInteractive) throw new AppError(result?.code ?? 'accessDenied', safe`${given(m.rotateRefused(m.secretName[name]))}${result ? safe` ${result.detail}` : ''}`);
    const again = await ctx.prompts.select<'retry' | 'other' | 'quit'>({
      message: m.whatNow,
      choices: [
        { name: m.rotateRetry, value: 'retry' },
        ...(used.length > 1 ? [{ name: m.rotateOther, value: 'other' as const }] : []),
        { name: m.rotateQuit, value: 'quit' },
      ],
    });
    if (again === 'quit') throw cancelled(ctx);
    if (again === 'other') return false;
    ctx.reask.add(key);
  }
}
