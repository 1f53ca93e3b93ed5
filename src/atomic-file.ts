/**
 * The files procapita-sync keeps hold personal data (snapshots, the review
 * file, the mapping table, logs, state) or point to it (the configuration),
 * so every one is private: files 0600 and the folders we create 0700,
 * whatever the umask. mkdir and
 * open take the mode through the umask, which can only take bits away; the
 * chmod after makes the mode exact. A folder that already exists is left as
 * it is: the admin may have made it, and doctor says when it is not private.
 * On Windows the modes mean nothing; the setup wizard restricts the folders
 * with icacls instead (src/cli/folder-access.ts).
 */
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errnoOf } from './errors';
import { safe, type SafeText } from './safe-text';

export const PRIVATE_FILE_MODE = 0o600;

/** A file's content: text, or bytes in pieces (a snapshot is written as it was serialised, without joining it first). */
export type FileText = string | readonly Buffer[];
export const PRIVATE_FOLDER_MODE = 0o700;

/** Makes a folder and its missing parents, each 0700; folders that exist are not touched. */
export async function makePrivateFolder(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
  if (first === undefined) return;
  const top = resolve(first);
  for (let d = resolve(dir); ; d = dirname(d)) {
    await chmod(d, PRIVATE_FOLDER_MODE);
    if (d === top || dirname(d) === d) return;
  }
}

/**
 * Writes a file only its owner can read (0600), in a folder that exists.
 * `exclusive`: fail with EEXIST when the file is there (the run lock). A file
 * that was there keeps its inode, so it is chmod-ed through the open handle.
 */
export async function writePrivateFile(file: string, text: FileText, o: { exclusive?: boolean } = {}): Promise<void> {
  const handle = await open(file, o.exclusive ? 'wx' : 'w', PRIVATE_FILE_MODE);
  try {
    try {
      await handle.chmod(PRIVATE_FILE_MODE);
      // Each writeFile goes on from where the last ended, writing its piece whole.
      for (const piece of typeof text === 'string' ? [text] : text) await handle.writeFile(piece, 'utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    // A file this call created and could not fill (a full disk) is not left behind: an empty run lock would block the next run.
    if (o.exclusive) await rm(file, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * Writes a private file through a temporary one and a rename: a reader sees
 * the old file or the whole new one, never part of one. The new file is 0600
 * whatever the old one was; its folder is made (0700) when missing.
 */
export async function writeFileAtomically(file: string, text: FileText): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await makePrivateFolder(dirname(file));
    await writePrivateFile(temp, text);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** A full disk or quota: what helps is space, not permissions. */
export const diskFull = (err: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes(errnoOf(err));

/** What to do about it: a full disk needs space, anything else the folder's permissions (the setting that names it). */
export function fileErrorAdvice(err: unknown, setting: SafeText): SafeText {
  return diskFull(err) ? safe`Free space on that disk, or set ${setting} to a folder on another` : safe`Check the folder's permissions (${setting})`;
}

/** Why a file or folder could not be written, in words for the admin. */
export function fileErrorReason(err: unknown): SafeText {
  const code = errnoOf(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return safe`permission denied`;
  if (code === 'ENOSPC') return safe`the disk is full`;
  if (code === 'EDQUOT') return safe`the disk quota is used up`;
  if (code === 'EIO') return safe`the disk reported an input/output error (EIO)`;
  if (code === 'ENOTDIR' || code === 'EEXIST') return safe`a file is in the way of the folder`;
  return code;
}
