import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf } from './errors';
import { safe, type SafeText } from './safe-text';

/** Writes a file through a temporary one and a rename: a reader sees the old file or the whole new one, never part of one. */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, text, 'utf8');
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Why a file or folder could not be written, in words for the admin. */
export function fileErrorReason(err: unknown): SafeText {
  const code = errnoOf(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return safe`permission denied`;
  if (code === 'ENOSPC') return safe`the disk is full`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return safe`a file is in the way of the folder`;
  return code;
}
