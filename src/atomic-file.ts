import { rename, rm, writeFile } from 'node:fs/promises';

/** Writes a file through a temporary one and a rename: a reader sees the old file or the whole new one, never part of one. */
export async function writeFileAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, 'utf8');
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}
