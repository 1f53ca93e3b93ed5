/**
 * The nightly run on Linux: a systemd service and timer (user units), or a
 * cron line. Printed by `schedule install`, never installed by it.
 */
import { folderOf, normalizeTime, taskName, type TaskSpec } from './spec';

export interface LinuxSchedule {
  /** The units' name: procapita-sync, or procapita-sync-<name> for a named configuration (taskName). */
  readonly unit: string;
  /** ~/.config/systemd/user/<unit>.service */
  readonly service: string;
  /** ~/.config/systemd/user/<unit>.timer */
  readonly timer: string;
  /** One crontab line (crontab -e), instead of the two units. */
  readonly cron: string;
}

/** One word of a systemd Exec line: quoted (C-style escapes) unless plain; % and $ doubled, as systemd expands them. */
function systemdWord(word: string): string {
  const quoted = /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return quoted.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** One word for sh: single-quoted unless plain. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function linuxSchedule(spec: Omit<TaskSpec, 'account'>): LinuxSchedule {
  const time = normalizeTime(spec.time);
  const [hour, minute] = time.split(':') as [string, string];
  const argv = [spec.exePath, ...(spec.exeArgs ?? []), 'run', '--config', spec.configPath];
  const workingDirectory = spec.workingDirectory ?? folderOf(spec.exePath);
  const unit = taskName(spec.name);
  const service = [
    '[Unit]',
    `Description=${unit}: read ProCapita and deliver the school roster`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=oneshot',
    `WorkingDirectory=${workingDirectory.replace(/%/g, '%%')}`,
    `ExecStart=${argv.map(systemdWord).join(' ')}`,
    // The Windows task's ExecutionTimeLimit.
    'TimeoutStartSec=2h',
    '# Secrets: the environment variables the configuration names, from a file only this user can read, e.g.',
    `# EnvironmentFile=%h/.config/${unit}/secrets.env`,
    '',
  ].join('\n');
  const timer = [
    '[Unit]',
    `Description=${unit} every day at ${time}`,
    '',
    '[Timer]',
    `OnCalendar=*-*-* ${time}:00`,
    // Runs a missed night when the machine is back (Task Scheduler's StartWhenAvailable).
    'Persistent=true',
    `Unit=${unit}.service`,
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
  // cron passes the line to sh; an unescaped % would end the command.
  const command = `cd ${shellWord(workingDirectory)} && ${argv.map(shellWord).join(' ')}`.replace(/%/g, '\\%');
  const cron = `${Number(minute)} ${Number(hour)} * * * ${command}`;
  return { unit, service, timer, cron };
}
