/**
 * Before the first question (wizard/steps/account.ts): who runs the wizard,
 * the credential store probed for that account, and the task's account. The
 * real Secret Service's probe is in test/credentials/store.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { queryTaskCommand, type Command } from '../../src/schedule/task';
import { NO_ANSWERS } from '../../wizard/answers';
import { accountStep } from '../../wizard/steps/account';
import { given } from '../../src/safe-text';
import { runWizard } from '../../wizard/wizard';
import { memoryStore } from '../support/cli';
import { stepContext } from './support';

const WINDOWS = { USERDOMAIN: 'KOMMUN', USERNAME: 'svc-procapita' };
const refused = () => new AppError('accessDenied', given('Windows Credential Manager cannot be opened: a specified logon session does not exist (error 1312).'));

/** Task Scheduler, answering the task query with the given account; every other command is recorded and refused. */
function taskScheduler(account: string | undefined) {
  const commands: Command[] = [];
  const exec = async (c: Command) => {
    commands.push(c);
    if (JSON.stringify(c) !== JSON.stringify(queryTaskCommand())) return { code: 1, stdout: '', stderr: 'not expected' };
    return { code: 0, stdout: JSON.stringify(account ? { registered: true, userId: account, logonType: 'Password' } : { registered: false }), stderr: '' };
  };
  return { commands, exec };
}

describe('before the first question', () => {
  it('elsewhere: says who runs it, probes the keyring once, and says the timer must run as that account', async () => {
    const store = memoryStore();
    const { ctx, prompts, out } = stepContext({ store });
    await accountStep(ctx);
    expect(out()).toBe(
      '\nThis wizard runs as svc-procapita. The secrets go into the Secret Service keyring, which keeps them per account: only svc-procapita can read them.\n' +
        'Testing the Secret Service keyring for svc-procapita…\n' +
        '  ✓ The Secret Service keyring: opened, written and read back for svc-procapita\n' +
        'There is no Task Scheduler here: at the last step the wizard prints a systemd timer and a cron line for the nightly run, to install as svc-procapita, whose keyring holds the secrets.\n',
    );
    expect(store.probes).toBe(1);
    expect(prompts.screen).toEqual([]);
  });

  it('in Swedish', async () => {
    const { ctx, out } = stepContext({ lang: 'sv', platform: 'win32', env: WINDOWS, script: [''] });
    await accountStep(ctx);
    expect(out()).toContain('Guiden körs som KOMMUN\\svc-procapita. Lösenorden sparas i Windows autentiseringshanterare (Credential Manager), som håller dem per konto: bara KOMMUN\\svc-procapita kan läsa dem.');
    expect(out()).toContain('  ✓ Windows autentiseringshanterare (Credential Manager): kan öppnas, skrivas och läsas för KOMMUN\\svc-procapita');
    expect(ctx.account).toBe('KOMMUN\\svc-procapita');
  });

  it('a store that cannot be opened is said at once; after "try again" it works and the questions begin', async () => {
    let failures = 1;
    const store = memoryStore({}, () => refused());
    const probe = store.probe.bind(store);
    store.probe = async () => {
      if (failures-- > 0) return probe();
    };
    const { ctx, prompts, out } = stepContext({ store, platform: 'win32', env: WINDOWS, script: ['retry', ''] });
    await accountStep(ctx);
    expect(out()).toContain('  ✗ Windows Credential Manager cannot be opened: a specified logon session does not exist (error 1312).');
    expect(out()).toContain('  ✓ Windows Credential Manager: opened, written and read back for KOMMUN\\svc-procapita');
    expect(prompts.screen[0]).toBe('? What now?');
    expect(prompts.left()).toBe(0);
  });

  it('with every answer given ahead, a store that cannot be opened ends the wizard with its exit code before anything is asked', async () => {
    const { ctx, prompts } = stepContext({ store: memoryStore({}, refused), answers: nonInteractive() });
    await expect(accountStep(ctx)).rejects.toMatchObject({ code: 'accessDenied' });
    expect(prompts.screen).toEqual([]);
  });

  it('Windows, first install: another account gets the runas line at once, and the current one is used', async () => {
    const { ctx, prompts, out } = stepContext({ platform: 'win32', env: WINDOWS, script: ['KOMMUN\\admin', 'current'] });
    await accountStep(ctx);
    expect(out()).toContain("Credential Manager, which is per user: the task can read them only when it runs as the account that stored them, KOMMUN\\svc-procapita");
    expect(out()).toContain('To run the task as KOMMUN\\admin, run the wizard as KOMMUN\\admin:\n  runas /user:KOMMUN\\admin "procapita-sync.exe setup"');
    expect(prompts.screen[0]).toBe('? Account the task runs as (KOMMUN\\svc-procapita) KOMMUN\\admin');
    expect(prompts.screen).toContain('  Run the task as KOMMUN\\svc-procapita');
    expect(ctx.account).toBe('KOMMUN\\svc-procapita');
  });

  it('Windows, re-run: a task that runs as this account is said and nothing is asked', async () => {
    const scheduler = taskScheduler('KOMMUN\\svc-procapita');
    const { ctx, prompts, out } = stepContext({ platform: 'win32', env: WINDOWS, existing: { schools: [] }, exec: scheduler.exec });
    await accountStep(ctx);
    expect(out()).toContain('  ✓ The scheduled task procapita-sync runs as KOMMUN\\svc-procapita, this account: it reads the secrets stored now.');
    expect(prompts.screen).toEqual([]);
    expect(scheduler.commands).toEqual([queryTaskCommand()]);
  });

  it('Windows, re-run as another account than the task\'s: said before any question; quitting writes nothing', async () => {
    const scheduler = taskScheduler('KOMMUN\\svc-procapita');
    const store = memoryStore();
    const { ctx, prompts, out } = stepContext({ platform: 'win32', env: { USERDOMAIN: 'KOMMUN', USERNAME: 'anna.admin' }, existing: { schools: [] }, exec: scheduler.exec, store, script: ['quit'] });
    await expect(runWizard(ctx)).rejects.toMatchObject({ code: 'usage' });
    expect(out()).toContain(
      "  ! The scheduled task procapita-sync runs as KOMMUN\\svc-procapita, but this wizard runs as KOMMUN\\anna.admin: secrets stored now would go to KOMMUN\\anna.admin's store, which the task cannot read. Run the wizard as KOMMUN\\svc-procapita:\n    runas /user:KOMMUN\\svc-procapita \"procapita-sync.exe setup\"",
    );
    // The menu is the first thing asked: not "What do you want to do?".
    expect(prompts.screen[0]).toBe('? What now?');
    expect(prompts.screen).toContain('  Quit, to run the wizard as KOMMUN\\svc-procapita');
    expect(store.writes).toEqual([]);
  });

  it('the same, with every answer given ahead: an error with the runas line (exit 8)', async () => {
    const scheduler = taskScheduler('KOMMUN\\svc-procapita');
    const { ctx } = stepContext({ platform: 'win32', env: { USERDOMAIN: 'KOMMUN', USERNAME: 'anna.admin' }, existing: { schools: [] }, exec: scheduler.exec, answers: nonInteractive() });
    const err = await accountStep(ctx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('accessDenied');
    expect((err as AppError).message).toContain('runas /user:KOMMUN\\svc-procapita "procapita-sync.exe setup"');
  });
});

const nonInteractive = () => ({ ...NO_ANSWERS, nonInteractive: true });
