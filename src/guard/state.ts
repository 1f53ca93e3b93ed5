/**
 * The guard's memory in the state folder: the baseline (what the cloud last
 * accepted), the held snapshot and its review file, and an approval.
 * Every file is written atomically.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileErrorAdvice, fileErrorReason, writeFileAtomically, type FileText } from '../atomic-file';
import { AppError } from '../errors';
import { parseJson } from '../json-file';
import { baselineOf, readWrittenBaseline, type Baseline } from './baseline';
import { given, ours, safe, type SafeText } from '../safe-text';

export const STATE_FILES = {
  baseline: 'baseline.json',
  held: 'held.json',
  review: 'review.txt',
  approval: 'approval.json',
  lastRun: 'last-run.json',
  lock: 'run.lock',
} as const;

/** A held snapshot, as `approve` checks it. No personal data: the review file has the details. */
export interface HeldRecord {
  readonly contentHash: string;
  readonly heldAt: string;
  readonly syncDate: string;
  readonly reasons: readonly string[];
}

export interface Approval {
  readonly contentHash: string;
  readonly approvedBy: string;
  readonly approvedAt: string;
}

const damaged = (file: string, what: SafeText) =>
  new AppError('outputFailed', safe`The state file ${given(file)} (${what}) is damaged. Move it aside; the next run then treats the state as missing.`);

/** The bytes of a state file; undefined when there is none. */
async function readStateBytes(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AppError('outputFailed', safe`Cannot read the state file ${given(file)}: ${fileErrorReason(err)}. Check the state folder's permissions (stateDir).`);
  }
}

/** A state file's JSON, if `valid`; any fault in it is the one message that the file is damaged. */
function parseStateFile(file: string, bytes: Buffer, what: SafeText, valid: (x: unknown) => boolean): unknown {
  let data: unknown;
  try {
    data = parseJson(bytes.toString('utf8'), safe`The state file ${given(file)}`, 'outputFailed');
  } catch {
    throw damaged(file, what);
  }
  if (!valid(data)) throw damaged(file, what);
  return data;
}

/** Reads a JSON state file; undefined when there is none. */
export async function readStateFile<T>(stateDir: string, name: string, what: SafeText, valid: (x: unknown) => boolean): Promise<T | undefined> {
  const file = join(stateDir, name);
  const bytes = await readStateBytes(file);
  return bytes === undefined ? undefined : (parseStateFile(file, bytes, what, valid) as T);
}

export async function writeStateFile(stateDir: string, name: string, text: FileText): Promise<void> {
  try {
    await writeFileAtomically(join(stateDir, name), text);
  } catch (err) {
    throw new AppError('outputFailed', safe`Cannot write ${ours(name)} in the state folder ${given(stateDir)}: ${fileErrorReason(err)}. ${fileErrorAdvice(err, safe`stateDir`)}.`);
  }
}

export async function removeStateFiles(stateDir: string, ...names: string[]): Promise<void> {
  await Promise.all(names.map((n) => rm(join(stateDir, n), { force: true })));
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const HASH = /^sha256:[0-9a-f]{64}$/;

const LAST_ACCEPTED = safe`the last accepted snapshot`;

/**
 * The baseline in the deletion guard's form. A file as this version writes it
 * is read without building its object tree (readWrittenBaseline); any other,
 * an edited or damaged one, is parsed and checked, and one that does not hold
 * is damaged, with the same message either way.
 */
export async function readBaseline(stateDir: string): Promise<Baseline | undefined> {
  const file = join(stateDir, STATE_FILES.baseline);
  const bytes = await readStateBytes(file);
  if (bytes === undefined) return undefined;
  const written = readWrittenBaseline(bytes);
  if (written) return written;
  const m = parseStateFile(file, bytes, LAST_ACCEPTED, (x) => isObject(x) && x.formatVersion === 1 && HASH.test(String(x.contentHash)) && Array.isArray(x.persons) && Array.isArray(x.groups) && Array.isArray(x.schools));
  const baseline = baselineOf(m as Parameters<typeof baselineOf>[0]);
  if (!baseline) throw damaged(file, LAST_ACCEPTED);
  return baseline;
}

export const readHeld = (stateDir: string) =>
  readStateFile<HeldRecord>(stateDir, STATE_FILES.held, safe`the held snapshot`, (x) => isObject(x) && HASH.test(String(x.contentHash)));

export const readApproval = (stateDir: string) =>
  readStateFile<Approval>(stateDir, STATE_FILES.approval, safe`an approval`, (x) => isObject(x) && HASH.test(String(x.contentHash)) && typeof x.approvedBy === 'string');
