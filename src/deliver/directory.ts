import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors';
import type { Snapshot } from './snapshot';

/** `<64 hex digits>.json`: the file is named by the snapshot's content hash. */
export const snapshotFileName = (snapshot: Snapshot): string => `${snapshot.contentHash.replace(/^sha256:/, '')}.json`;

/**
 * Writes the snapshot into a folder (for air-gapped sites and support),
 * atomically: a reader sees no file or the whole file, never part of one.
 */
export async function writeSnapshotToDirectory(snapshot: Snapshot, dir: string): Promise<string> {
  const target = join(dir, snapshotFileName(snapshot));
  const temp = `${target}.${process.pid}.tmp`;
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(temp, JSON.stringify(snapshot), 'utf8');
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the folder' : (code ?? 'unknown error');
    throw new AppError('outputFailed', `Cannot write the snapshot to ${dir}: ${why}. Choose another folder or check its permissions.`);
  }
  return target;
}
