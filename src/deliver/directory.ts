import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomically } from '../atomic-file';
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
  try {
    await mkdir(dir, { recursive: true });
    await writeFileAtomically(target, JSON.stringify(snapshot));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : code === 'ENOTDIR' || code === 'EEXIST' ? 'a file is in the way of the folder' : (code ?? 'unknown error');
    throw new AppError('outputFailed', `Cannot write the snapshot to ${dir}: ${why}. Choose another folder or check its permissions.`);
  }
  return target;
}
