/**
 * Before any question: who runs the wizard, whether that account's credential
 * store can be opened, written and read, and whether it is the account the
 * nightly task runs as. Secrets are kept per account (Credential Manager, a
 * keyring): a wizard run as anyone else stores secrets the task cannot read,
 * and a store that cannot be opened (no profile loaded, a remote session)
 * would only fail at the write step, after every answer was given.
 */
import { sameAccount } from '../../src/configure/credentials';
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
      await goOnOrQuit(ctx, { goOn: m.scheduleUseCurrent(me), quit: m.scheduleQuitForOther(requested) });
      ctx.account = me;
    }
  }
}

/** The task's account against the wizard's: the same is said and used; another is said at once, before anything is asked. */
async function sameAsTask(ctx: Context, task: string, me: string): Promise<string> {
  const m = ctx.m;
  if (sameAccount(task, me)) {
    say(ctx, `  ✓ ${m.taskSameAccount(taskName(ctx.draft.name), task)}`);
    return me;
  }
  const text = m.taskOtherAccount(taskName(ctx.draft.name), task, me, runasHint(task));
  if (ctx.answers.nonInteractive) throw new AppError('accessDenied', safe`${given(text)}`);
  say(ctx, `  ! ${text}`);
  // Quitting first: going on changes which account's secrets the task would need.
  await goOnOrQuit(ctx, { goOn: m.taskContinueAs(me), quit: m.scheduleQuitForOther(task), quitFirst: true });
  return me;
}

/** After another account was named: go on as this one, or quit (to start the wizard as the other). */
async function goOnOrQuit(ctx: Context, o: { goOn: string; quit: string; quitFirst?: boolean }): Promise<void> {
  const goOn = { name: o.goOn, value: 'current' as const };
  const quit = { name: o.quit, value: 'quit' as const };
  const choice = await ctx.prompts.select<'current' | 'quit'>({ message: ctx.m.whatNow, choices: o.quitFirst ? [quit, goOn] : [goOn, quit] });
  if (choice === 'quit') throw cancelled(ctx);
}
