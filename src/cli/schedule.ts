/**
 * `schedule install|remove|status|xml`: the nightly run in Windows Task
 * Scheduler. On Linux and macOS, `install` prints a systemd timer and a cron
 * line instead and registers nothing. docs/scheduling.md.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { loadConfig } from '../configure/config';
import { fileErrorReason } from '../atomic-file';
import { AppError } from '../errors';
import { actionArguments, DEFAULT_TIME, describeLastResult, linuxSchedule, nextStartDate, taskName, taskXml, taskXmlFile, type TaskSpec, type TaskStatus } from '../schedule/task';
import { accountToUse, currentAccount, installSpec, onWindows, platformOf, registerTask, removeTask, runasHint, taskStatus } from '../schedule/windows';
import type { Io } from './io';
import { given, safe } from '../safe-text';
import { configOption } from './config-option';

const CONFIG_HELP = 'configuration file the task runs with (procapita-sync help configuration)';

/**
 * The account's Windows password: a masked prompt on a terminal (once: Windows
 * itself checks it), else all of standard input less one trailing line break,
 * as `credentials set` reads a secret. Never from the command line. Io.readSecret wins.
 */
async function readSecret(io: Io, prompt: string): Promise<string> {
  if (io.readSecret) return io.readSecret(prompt);
  if (!process.stdin.isTTY) {
    let text = '';
    process.stdin.setEncoding('utf8');
    for await (const chunk of process.stdin) text += chunk as string;
    return text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  }
  const { password } = await import('@inquirer/prompts');
  try {
    return await password({ message: prompt, mask: '*' }, { output: process.stderr });
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError') throw new AppError('usage', safe`Cancelled: nothing was registered.`);
    throw err;
  }
}

async function specFor(opts: { config: string; time: string }, account: string): Promise<TaskSpec> {
  const spec = installSpec(opts.config, opts.time, account);
  // A task that would fail every night with exit code 3 is not worth registering.
  const { name } = await loadConfig(spec.configPath);
  return name ? { ...spec, name } : spec;
}

/**
 * The configuration's name, for `remove` and `status`: its task is theirs. With
 * --config left at its default and no file there, the task of a configuration
 * without a name (a task can outlive its configuration).
 */
async function configName(opts: { config: string }, command: Command): Promise<string | undefined> {
  if (command.getOptionValueSource('config') === 'default' && !existsSync(opts.config)) return undefined;
  return (await loadConfig(opts.config)).name;
}

/** `schedule status`, with --config when the configuration has a name (its task is not the default one). */
const statusCommand = (spec: Pick<TaskSpec, 'name' | 'configPath'>) => `procapita-sync schedule status${spec.name ? ` --config "${spec.configPath}"` : ''}`;

const commandLine = (spec: TaskSpec) => `${/\s/.test(spec.exePath) ? `"${spec.exePath}"` : spec.exePath} ${actionArguments(spec)}`;

/** A time from the status as the admin reads it: 2026-09-01 18:30:02 +02:00. */
function when(iso: string | undefined): string {
  if (!iso) return 'never';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(iso);
  return m ? `${m[1]} ${m[2]}${m[3] ? ` ${m[3] === 'Z' ? 'UTC' : m[3]}` : ''}` : iso;
}

/** The status as lines, with what is wrong about the task, if anything. */
export function formatTaskStatus(status: TaskStatus, current: string | undefined, name?: string): string {
  const task = taskName(name);
  if (!status.registered) return `No scheduled task ${task} is registered. \`procapita-sync schedule install --config FILE\` registers it.`;
  const lines = [`Scheduled task ${task}: registered${status.state ? `, ${status.state}` : ''}${status.account ? `, runs as ${status.account}` : ''}.`];
  if (status.command) lines.push(`  Runs:         ${status.command}${status.arguments ? ` ${status.arguments}` : ''}`);
  lines.push(`  Last run:     ${when(status.lastRunTime)}`);
  if (status.lastResult !== undefined) lines.push(`  Last result:  ${describeLastResult(status.lastResult)}`);
  lines.push(`  Next run:     ${status.nextRunTime ? when(status.nextRunTime) : 'none scheduled'}`);
  if (status.logonType && status.logonType !== 'Password') {
    lines.push(`! The task does not store the account's password (LogonType ${status.logonType}), so it cannot read the secrets in Credential Manager. Register it again: procapita-sync schedule install --config FILE`);
  }
  if (status.account && current && status.account.toLowerCase() !== current.toLowerCase() && !current.toLowerCase().endsWith(`\\${status.account.toLowerCase()}`)) {
    lines.push(`! The task runs as ${status.account}, but you are ${current}: the secrets must be stored by ${status.account} (${runasHint(status.account)}).`);
  }
  return lines.join('\n');
}

function printLinux(spec: Omit<TaskSpec, 'account'>, io: Io): void {
  const { unit, service, timer, cron } = linuxSchedule(spec);
  const user = io.env.USER ?? io.env.LOGNAME ?? '$USER';
  io.stdout(
    [
      `Windows Task Scheduler is not available on ${platformOf(io)}, so nothing was registered. Schedule the run yourself, as the user whose secrets it reads:`,
      '',
      'Either a systemd timer (Linux): save these two files,',
      '',
      `# ~/.config/systemd/user/${unit}.service`,
      service,
      `# ~/.config/systemd/user/${unit}.timer`,
      timer,
      `then: systemctl --user daemon-reload && systemctl --user enable --now ${unit}.timer`,
      `and, so that it runs while nobody is logged in: loginctl enable-linger ${user}`,
      '',
      'Or one line in the crontab (crontab -e):',
      '',
      cron,
      '',
    ].join('\n'),
  );
}

export function registerSchedule(program: Command, io: Io): void {
  const schedule = program.command('schedule').description('the nightly run: a Windows scheduled task, or a systemd timer or cron line elsewhere (procapita-sync help scheduling)');

  schedule
    .command('install')
    .description('register the scheduled task (or replace it) to run as you, with your Windows password; elsewhere print a systemd timer and a cron line')
    .addOption(configOption(io, CONFIG_HELP))
    .option('--time <HH:MM>', 'time of day, server time', DEFAULT_TIME)
    .option('--account <DOMAIN\\user>', 'the account to run as; it must be the one running this, which stored the secrets (default)')
    .action(async (opts: { config: string; time: string; account?: string }) => {
      if (!onWindows(io)) {
        const { account: _, ...spec } = await specFor(opts, '');
        printLinux(spec, io);
        return;
      }
      const account = accountToUse(opts.account, io.env);
      const spec = await specFor(opts, account);
      const password = await readSecret(io, `Windows password for ${account} (Task Scheduler keeps it so the task runs while nobody is logged on):`);
      if (password === '') throw new AppError('usage', safe`No password was given for ${given(account)}, so nothing was registered. Pipe it on standard input or type it at the prompt.`);
      const startDate = nextStartDate(spec.time, io.now());
      await registerTask({ ...spec, startDate }, password, io);
      io.stdout(
        [
          `Registered the scheduled task ${taskName(spec.name)}: every day at ${spec.time} (first run ${startDate}), as ${account} with its stored password.`,
          `It runs: ${commandLine(spec)}`,
          `${account} needs the "Log on as a batch job" right on this server (\`procapita-sync help scheduling\`). \`${statusCommand(spec)}\` shows the last result.`,
          '',
        ].join('\n'),
      );
    });

  schedule
    .command('remove')
    .description("remove the configuration's scheduled task")
    .addOption(configOption(io, 'the configuration whose task it is (its name names the task)'))
    .action(async (opts: { config: string }, command: Command) => {
      const name = await configName(opts, command);
      const task = taskName(name);
      if (!onWindows(io)) {
        io.stdout(`There is no Windows scheduled task on ${platformOf(io)}. Remove the timer with \`systemctl --user disable --now ${task}.timer\`, or the line from \`crontab -e\`.\n`);
        return;
      }
      const removed = await removeTask(io, name);
      io.stdout(removed ? `Removed the scheduled task ${task}. The configuration, the secrets and the state are left as they are.\n` : `No scheduled task ${task} was registered; nothing to remove.\n`);
    });

  schedule
    .command('status')
    .description("whether the configuration's task is registered, its last run and result, and its next run")
    .addOption(configOption(io, 'the configuration whose task it is (its name names the task)'))
    .action(async (opts: { config: string }, command: Command) => {
      const name = await configName(opts, command);
      const task = taskName(name);
      if (!onWindows(io)) {
        io.stdout(`There is no Windows scheduled task on ${platformOf(io)}. See \`systemctl --user list-timers ${task}.timer\` and \`journalctl --user -u ${task}\`, or \`crontab -l\`.\n`);
        return;
      }
      io.stdout(`${formatTaskStatus(await taskStatus(io, name), currentAccount(io.env), name)}\n`);
    });

  schedule
    .command('xml')
    .description('print the task XML without registering it (or write it for schtasks /XML or Import Task with --out)')
    .addOption(configOption(io, CONFIG_HELP))
    .option('--time <HH:MM>', 'time of day, server time', DEFAULT_TIME)
    .option('--account <DOMAIN\\user>', 'the account to run as (default: the current one)')
    .option('--out <file>', 'write the XML to this file, UTF-16 as schtasks /Create /XML expects')
    .action(async (opts: { config: string; time: string; account?: string; out?: string }) => {
      const account = opts.account?.trim() || currentAccount(io.env);
      if (!account) throw new AppError('usage', safe`Name the Windows account the task runs as: --account DOMAIN\\user.`);
      const spec = await specFor(opts, account);
      const xml = taskXml({ ...spec, startDate: nextStartDate(spec.time, io.now()) });
      if (opts.out === undefined) {
        io.stdout(xml);
        return;
      }
      await writeFile(opts.out, taskXmlFile(xml)).catch((err: Error) => {
        throw new AppError('outputFailed', safe`Could not write the task XML to ${given(opts.out ?? '')}: ${fileErrorReason(err)}.`);
      });
      io.stdout(`Wrote the task XML to ${opts.out} (UTF-16). Register it with: schtasks /Create /TN ${taskName(spec.name)} /XML "${opts.out}" /RU ${account} /RP *  (schtasks then asks for the password)\n`);
    });
}
