import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Roster } from '../decide/roster';
import { AppError } from '../errors';

export const ROSTER_FILE = 'roster.json';

/** Writes the roster into a folder, atomically: readers see the old file or the whole new one. */
export async function writeRosterToDirectory(roster: Roster, dir: string): Promise<string> {
  const target = join(dir, ROSTER_FILE);
  const temp = join(dir, `.${ROSTER_FILE}.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, `${JSON.stringify(roster, null, 2)}\n`, 'utf8');
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the folder' : (code ?? 'unknown error');
    throw new AppError('outputFailed', `Cannot write the roster to ${dir}: ${why}. Choose another --out folder or check its permissions.`);
  }
  return target;
}
