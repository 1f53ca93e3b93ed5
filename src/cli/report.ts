/** `report [--open]`: the newest run report's path, or the report itself in the default browser. */
import { loadConfig } from '../configure/config';
import { AppError, errnoOf } from '../errors';
import { newestReport, reportsFolder } from '../report/report-files';
import { given, safe } from '../safe-text';
import type { Command } from '../schedule/task';
import { execCommand } from '../schedule/windows';
import type { Io } from './io';

/** What opens a file with its default program: Explorer on Windows (which exits 1 even when it opened it), open on macOS, xdg-open elsewhere. */
export function openCommand(platform: NodeJS.Platform, file: string): Command {
  if (platform === 'win32') return { file: 'explorer.exe', args: [file] };
  if (platform === 'darwin') return { file: 'open', args: [file] };
  return { file: 'xdg-open', args: [file] };
}

export async function reportCommand(o: { configPath: string; open: boolean }, io: Io): Promise<void> {
  const config = await loadConfig(o.configPath);
  const file = await newestReport(config.stateDir);
  if (!file) {
    throw new AppError('usage', safe`There is no run report in ${given(reportsFolder(config.stateDir))} yet: each run writes one (procapita-sync run, or the scheduled task).`);
  }
  io.stdout(`${file}\n`);
  if (!o.open) return;
  const platform = io.platform ?? process.platform;
  const result = await (io.exec ?? execCommand)(openCommand(platform, file)).catch((err: unknown) => ({ code: -1, stdout: '', stderr: errnoOf(err) }));
  if (result.code !== 0 && platform !== 'win32') io.stderr(`warning: Could not open it (${result.code === -1 ? result.stderr : `exit code ${result.code}`}): open the file above in a browser.\n`);
}
