/**
 * Step 9, schedule: the time of the nightly run and the account it runs as.
 *
 * On Windows the secrets are in Credential Manager, which is per user: the
 * task can read them only when it runs as the account that stored them, the
 * one running this wizard, with that account's password stored in the task.
 * Naming another account is refused with how to run the wizard as that
 * account instead. The task is registered at the write step, after the
 * configuration and the secrets. Elsewhere the step prints a systemd timer
 * and a cron line at the write step.
 */
import { currentAccount as loginName } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';
import { DEFAULT_TIME, normalizeTime } from '../../src/schedule/task';
import { accountToUse, currentAccount, runasHint } from '../../src/schedule/windows';
import { ask, askSecret, say, walk, type Context } from '../context';
import { cancelled, heading } from './shared';
import { given, safe } from '../../src/safe-text';

const TIME = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** The account that runs the wizard: DOMAIN\user on Windows, the login name elsewhere. */
export function wizardAccount(ctx: Pick<Context, 'io' | 'platform'>): string {
  return (ctx.platform === 'win32' ? currentAccount(ctx.io.env) : undefined) ?? loginName(ctx.io.env);
}

export async function scheduleStep(ctx: Context, currentTime?: string): Promise<void> {
  const m = ctx.m;
  heading(ctx, 9, m.scheduleTitle);
  const windows = ctx.platform === 'win32';
  const me = wizardAccount(ctx);
  say(ctx, windows ? m.scheduleExplainWindows(me) : m.scheduleExplainOther(me));
  const start = currentTime ?? ctx.schedule?.time ?? DEFAULT_TIME;
  let time = start;
  let account = me;
  let register = ctx.schedule?.register ?? true;
  let password: string | undefined;
  await walk(ctx, [
    async () => {
      const typed = await ask(ctx, 'schedule.time', () => ctx.prompts.input({ message: m.scheduleTime, default: time, validate: (v) => (TIME.test(v.trim()) ? true : m.notTime) }), { default: time });
      if (!TIME.test(typed.trim())) throw new AppError('usage', safe`${ctx.answers.sourceOf('schedule.time')}: ${given(m.notTime)}`);
      time = normalizeTime(typed);
    },
    async () => {
      if (!windows) return;
      const requested = await ask(ctx, 'schedule.account', () => ctx.prompts.input({ message: m.scheduleAccount, default: me }), { default: me });
      try {
        account = accountToUse(requested, ctx.io.env);
        return;
      } catch (err) {
        if (!(err instanceof AppError) || ctx.answers.nonInteractive) throw err;
        say(ctx, m.scheduleOtherAccount(requested, me, runasHint(requested)));
        const choice = await ctx.prompts.select<'current' | 'quit'>({
          message: m.whatNow,
          choices: [
            { name: m.scheduleUseCurrent(me), value: 'current' },
            { name: m.scheduleQuitForOther(requested), value: 'quit' },
          ],
        });
        if (choice === 'quit') throw cancelled(ctx);
        account = me;
        return;
      }
    },
    async () => {
      if (windows) register = await ask(ctx, 'schedule.register', () => ctx.prompts.confirm({ message: m.scheduleRegister, default: register }), { default: true });
    },
    async () => {
      password = windows && register ? await askSecret(ctx, 'schedule.password', m.schedulePassword(account), false) : undefined;
    },
  ]);
  if (!windows) {
    ctx.schedule = { time, account: me, register: false };
    return;
  }
  ctx.schedule = { time, account, register, ...(password !== undefined ? { password } : {}) };
}
