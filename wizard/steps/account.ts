/**
 * Before any question: who runs the wizard, whether that account's credential
 * store can be opened, written and read, and whether it is the account the
 * nightly task runs as. Secrets are kept per account (Credential Manager, a
 * keyring): a wizard run as anyone else stores secrets the task cannot read,
 * and a store that cannot be opened (no profile loaded, a remote session)
 * would only fail at the write step, after every answer was given.
 */
import { AppError } from '../../src/errors';
import { taskName } from '../../src/schedule/task';
import { accountToUse, registeredTaskAccount, runasHint } from '../../src/schedule/windows';
import { ask, say, storeName, type Context } from '../context';
import { afterFailure, cancelled, failure, test } from './shared';
import { wizardAccount } from './schedule';
import { given, safe } from '../../src/safe-text';

export async function accountStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  const me = wizardAccount(ctx);
  say(ctx);
  say(ctx, m.accountRunning(me, storeName(ctx)));
  for (;;) {
    const result = await test(ctx, m.storeWhat(storeName(ctx), me), () =>
      ctx.store.probe().then(
        () => ({ ok: true, label: m.storeWorks(storeName(ctx), me), detail: safe`` }),
        (err: unknown) => failure(err),
      ),
    );
    if (result!.ok) break;
    await afterFailure(ctx, result!, [], []);
  }
  if (ctx.platform !== 'win32') {
    say(ctx, m.scheduleExplainOther(me));
    return;
  }
  const task = ctx.existing ? await registeredTaskAccount(ctx.io, ctx.draft.name) : undefined;
  if (task !== undefined) {
    ctx.account = await sameAsTask(ctx, task, me);
    return;
  }
  say(ctx, m.scheduleExplainWindows(me));
  while (ctx.account === undefined) {
    const requested = await ask(ctx, 'schedule.account', () => ctx.prompts.input({ message: m.scheduleAccount, default: me }), { default: me });
    try {
      ctx.account = accountToUse(requested, ctx.io.env);
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
      ctx.account = me;
    }
  }
}

/** The task's account against the wizard's: the same is said and used; another is said at once, before anything is asked. */
async function sameAsTask(ctx: Context, task: string, me: string): Promise<string> {
  const m = ctx.m;
  const same = (a: string) => a.toLowerCase() === me.toLowerCase() || a.toLowerCase() === me.split('\\').pop()!.toLowerCase();
  if (same(task)) {
    say(ctx, `  ✓ ${m.taskSameAccount(taskName(ctx.draft.name), task)}`);
    return me;
  }
  const text = m.taskOtherAccount(taskName(ctx.draft.name), task, me, runasHint(task));
  if (ctx.answers.nonInteractive) throw new AppError('accessDenied', safe`${given(text)}`);
  say(ctx, `  ! ${text}`);
  const choice = await ctx.prompts.select<'current' | 'quit'>({
    message: m.whatNow,
    choices: [
      { name: m.scheduleQuitForOther(task), value: 'quit' },
      { name: m.taskContinueAs(me), value: 'current' },
    ],
  });
  if (choice === 'quit') throw cancelled(ctx);
  return me;
}
