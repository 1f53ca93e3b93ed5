import { join } from 'node:path';
import { diskFull, fileErrorReason, writeFileAtomically } from '../atomic-file';
import { AppError } from '../errors';
import type { Snapshot } from './snapshot';
import { given, safe } from '../safe-text';

/** `<64 hex digits>.json`: the file is named by the snapshot's content hash. */
export const snapshotFileName = (snapshot: Pick<Snapshot, 'contentHash'>): string => `${snapshot.contentHash.replace(/^sha256:/, '')}.json`;

/**
 * Writes the snapshot into a folder (for air-gapped sites and support),
 * atomically: a reader sees no file or the whole file, never part of one.
 * `json`: the snapshot's bytes as encodeSnapshot made them.
 */
export async function writeSnapshotToDirectory(snapshot: Pick<Snapshot, 'contentHash'>, json: readonly Buffer[], dir: string): Promise<string> {
  const target = join(dir, snapshotFileName(snapshot));
  try {
    await writeFileAtomically(target, json);
  } catch (err) {
    const advice = diskFull(err) ? safe`Free space on that disk, or choose a folder on another.` : safe`Choose another folder or check its permissions.`;
    throw new AppError('outputFailed', safe`Cannot write the snapshot to ${given(dir)}: ${fileErrorReason(err)}. ${advice}`);
  }
  return target;
}
