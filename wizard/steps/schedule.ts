/**
 * Step 9, schedule: the time of the nightly run, and on Windows whether to
 * register the task now, with the account's password. The account itself was
 * settled before the first question (steps/account.ts): Credential Manager is
 * per user, so the task runs as the account that runs the wizard. The task is
 * registered at the write step, after the configuration and the secrets.
 * Elsewhere the step prints a systemd timer and a cron line at the write step.
 */
import { currentAccount as loginName } from '../../src/configure/credentials';
import { AppError } from '../../src/errors';
import { DEFAULT_TIME, normalizeTime } from '../../src/schedule/task';
import { currentAccount } from '../../src/schedule/windows';
import { ask, askSecret, say, walk, type Context } from '../context';
import { heading } from './shared';
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
  const start = currentTime ?? ctx.schedule?.time ?? DEFAULT_TIME;
  let time = start;
  // Settled before the first question (steps/account.ts).
  const account = ctx.account ?? me;
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
      say(ctx, m.scheduleAs(account));
      register = await ask(ctx, 'schedule.register', () => ctx.prompts.confirm({ message: m.scheduleRegister, default: register }), { default: true });
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
