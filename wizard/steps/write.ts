/**
 * Step 10, write: the secrets to the credential store; on Windows the folders
 * with personal data restricted to the task's account, Administrators and
 * SYSTEM (icacls); the mapping table, the configuration (atomically: a
 * reader sees the old file or the whole new one, and both are 0600), then
 * the scheduled task. It prints what went where, never a value.
 */
import { isDeepStrictEqual } from 'node:util';
import { writeFileAtomically } from '../../src/atomic-file';
import { icaclsLine, privateFolders, restrictFolder } from '../../src/cli/folder-access';
import { defaultDirs, parseConfig } from '../../src/configure/config';
import { checkSecretValue, type SecretName } from '../../src/configure/credentials';
import { writeMappingTable } from '../../src/enrich/mapping-table';
import { AppError, errnoOf } from '../../src/errors';
import { linuxSchedule, taskName } from '../../src/schedule/task';
import { elevationCommand, registerSourceCommand, registerSourceLine, sourceQueryCommand } from '../../src/report/event-log';
import { execCommand, registerTask } from '../../src/schedule/windows';
import { say, storeEntry, storeName, type Context } from '../context';
import { isBack, isCancel } from '../prompts';
import { wizardAccount } from './schedule';
import { cancelled, heading } from './shared';
import { given, safe } from '../../src/safe-text';

export interface WriteParts {
  readonly config: boolean;
  readonly secrets: boolean;
  readonly task: boolean;
}

export const ALL: WriteParts = { config: true, secrets: true, task: true };

/** The configuration's text: two-space JSON and a final newline. */
export const configText = (draft: unknown): string => `${JSON.stringify(draft, null, 2)}\n`;

/** Whether the configuration would change: the same data as at the start is left alone, byte for byte. */
export function configChanged(ctx: Pick<Context, 'draft' | 'existing'>): boolean {
  return !ctx.existing || !isDeepStrictEqual(ctx.existing.data, ctx.draft) || Object.keys(ctx.existing.data).join() !== Object.keys(ctx.draft).join();
}

export async function writeStep(ctx: Context, parts: WriteParts = ALL): Promise<void> {
  const m = ctx.m;
  heading(ctx, 10, m.writeTitle);
  const secrets = parts.secrets ? (Object.entries(ctx.secrets) as [SecretName, string][]) : [];
  const changed = parts.config && configChanged(ctx);
  const task = parts.task ? ctx.schedule : undefined;
  // Checked before anything is written: a configuration a run would refuse is never half written.
  // On Windows its folders with personal data are restricted whenever it is written or confirmed.
  const config = parts.config ? parseConfig(ctx.draft, ctx.configPath, (name) => defaultDirs(ctx.platform, ctx.io.env, name)) : undefined;
  const restrict = config && ctx.platform === 'win32' ? privateFolders(config).map((f) => f.dir) : [];
  const account = ctx.schedule?.account ?? wizardAccount(ctx);

  const instance = taskName(ctx.draft.name);
  say(ctx, m.writePlan);
  if (ctx.draft.name) say(ctx, `  ${m.planName(ctx.draft.name, instance)}`);
  if (parts.config) say(ctx, `  ${changed ? m.planConfig(ctx.configPath) : m.planConfigUnchanged(ctx.configPath)}`);
  if (secrets.length > 0) say(ctx, `  ${m.planSecrets(secrets.map(([name]) => m.secretName[name]).join(', '), storeName(ctx))}`);
  if (parts.config && ctx.mapping) say(ctx, `  ${m.planMapping(ctx.mapping.table.length, ctx.mapping.file)}`);
  if (restrict.length > 0) say(ctx, `  ${m.planRestrict(restrict.join(', '), account)}`);
  if (task?.register) say(ctx, `  ${m.planTask(instance, task.time, task.account)}`);
  else if (task) say(ctx, `  ${ctx.platform === 'win32' ? m.planNoTask : m.planTimer(task.time)}`);
  if (!ctx.answers.nonInteractive && !(await ctx.prompts.confirm({ message: m.writeConfirm, default: true }))) throw cancelled(ctx);

  // Checked before anything is written: a secret the store would refuse is never half written.
  for (const [name, value] of secrets) checkSecretValue(name, value);

  for (const [name, value] of secrets) {
    await ctx.store.set(name, value);
    say(ctx, `✓ ${m.storedSecret(m.secretName[name], storeEntry(ctx, name))}`);
  }
  // Before the mapping table goes into its folder: it is never readable by everyone, not even for a moment.
  const unrestricted = await restrictFolders(ctx, restrict, account);
  if (parts.config && ctx.mapping) {
    await writeMappingTable(ctx.mapping.file, ctx.mapping.table);
    say(ctx, `✓ ${m.wroteMapping(ctx.mapping.table.length, ctx.mapping.file)}`);
  }
  if (changed) {
    try {
      await writeFileAtomically(ctx.configPath, configText(ctx.draft));
    } catch (err) {
      throw new AppError('outputFailed', given(m.configNotWritten(ctx.configPath, errnoOf(err))));
    }
    say(ctx, `✓ ${m.wroteConfig(ctx.configPath)}`);
  } else if (parts.config) say(ctx, `  ${m.configUnchanged(ctx.configPath)}`);

  if (task) await scheduleTask(ctx, task);
  if (unrestricted > 0 && ctx.answers.nonInteractive) throw new AppError('accessDenied', given(m.foldersNotRestricted(unrestricted)));
  say(ctx);
  say(ctx, m.done(ctx.configPath));
}

/** Windows: each folder made and restricted with icacls (src/cli/folder-access.ts); how many could not be. */
async function restrictFolders(ctx: Context, dirs: readonly string[], account: string): Promise<number> {
  let failed = 0;
  for (const dir of dirs) {
    const why = await restrictFolder(dir, account, ctx.io);
    if (why === undefined) say(ctx, `✓ ${ctx.m.restrictedFolder(dir, account)}`);
    else {
      failed++;
      say(ctx, `✗ ${ctx.m.folderNotRestricted(dir, why, icaclsLine(dir, account))}`);
    }
  }
  return failed;
}

async function scheduleTask(ctx: Context, task: NonNullable<Context['schedule']>): Promise<void> {
  const m = ctx.m;
  const spec = { ...(ctx.draft.name ? { name: ctx.draft.name } : {}), ...ctx.program, configPath: ctx.configPath, time: task.time };
  if (ctx.platform !== 'win32') {
    const { unit, service, timer, cron } = linuxSchedule(spec);
    say(ctx);
    say(ctx, m.linuxIntro(task.time, task.account));
    say(ctx);
    say(ctx, `# ~/.config/systemd/user/${unit}.service`);
    say(ctx, service);
    say(ctx, `# ~/.config/systemd/user/${unit}.timer`);
    say(ctx, timer);
    say(ctx, m.linuxEnable(task.account, unit));
    say(ctx);
    say(ctx, m.linuxCron);
    say(ctx, cron);
    return;
  }
  await eventSource(ctx);
  if (!task.register) {
    say(ctx, `  ${m.taskSkipped(ctx.configPath, task.time)}`);
    return;
  }
  for (;;) {
    try {
      await registerTask({ ...spec, account: task.account }, task.password ?? '', ctx.io);
      say(ctx, `✓ ${m.registeredTask(taskName(spec.name), task.time, task.account)}`);
      return;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      say(ctx, `✗ ${m.failureCause(err.message)}`);
      if (ctx.answers.nonInteractive) throw new AppError(err.code, safe`${err.message} ${given(m.taskLater(ctx.configPath, task.time))}`);
      // The configuration and the secrets are written by now: Ctrl-C (or Esc) here skips the task, it cancels nothing.
      const password = await askAgain(ctx, task.account).catch((e: unknown) => {
        if (isCancel(e) || isBack(e)) return undefined;
        throw e;
      });
      if (password === undefined) {
        say(ctx, `  ${m.taskSkipped(ctx.configPath, task.time)}`);
        return;
      }
      task = { ...task, password };
    }
  }
}

/**
 * The event source, which only an administrator can create: registered here
 * when the wizard runs elevated, so that the nightly task's account can write
 * to the Application log; otherwise the one line to run as an administrator.
 */
async function eventSource(ctx: Context): Promise<void> {
  const m = ctx.m;
  const exec = ctx.io.exec ?? execCommand;
  const succeeds = (command: Parameters<typeof exec>[0]) => exec(command).then((r) => r.code === 0, () => false);
  if (await succeeds(sourceQueryCommand)) return say(ctx, `✓ ${m.eventSourceThere}`);
  if ((await succeeds(elevationCommand)) && (await succeeds(registerSourceCommand))) return say(ctx, `✓ ${m.eventSourceRegistered}`);
  say(ctx, `! ${m.eventSourceMissing(registerSourceLine)}`);
}

/** After a refused registration: the password again, or undefined to skip. */
async function askAgain(ctx: Context, account: string): Promise<string | undefined> {
  const m = ctx.m;
  const choice = await ctx.prompts.select<'password' | 'skip'>({
    message: m.whatNow,
    choices: [
      { name: m.taskRetryPassword, value: 'password' },
      { name: m.taskSkip, value: 'skip' },
    ],
  });
  if (choice === 'skip') return undefined;
  return ctx.prompts.password({ message: m.schedulePassword(account), validate: (v) => (v === '' ? m.required : true) });
}
