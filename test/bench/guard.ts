/**
 * Benchmark of the guard stage on a generated municipality (default: large):
 * the consistency gate, the deletion guard against a baseline from which 5 %
 * of the students are gone, the privacy gate, the review file and the
 * baseline manifest, written and read back as a run does (manifestJson,
 * readBaseline). Prints milliseconds per step, and the heap the read
 * baseline keeps; asserts nothing.
 *   npm run bench:guard [-- small|medium|large]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { buildRoster } from '../../src/decide/roster';
import { toSnapshot } from '../../src/deliver/snapshot';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { manifestJson } from '../../src/guard/baseline';
import { checkConsistency } from '../../src/guard/consistency';
import { checkRemovals } from '../../src/guard/deletion';
import { checkPrivacy } from '../../src/guard/privacy';
import { formatReview } from '../../src/guard/review';
import { readBaseline } from '../../src/guard/state';
import { generateMunicipality, type Size } from '../demo/generate';
import { ours } from '../../src/safe-text';

const size = (process.argv[2] ?? 'large') as Size;
const { fixture, schools, syncDate } = generateMunicipality(size);
const config = parseConfig({ source: { type: 'fixture', path: 'x.json' }, schools }, '/bench/config.json', { stateDir: '/x', logDir: '/x' });
const rows = fixtureToRows(fixture, ours(size));
const decisions = decide(rows, config.rules, syncDate);
const snapshot = toSnapshot(buildRoster(decisions, rows, config.rules), 'bench', new Date());

function time<T>(label: string, fn: () => T): T {
  const start = process.hrtime.bigint();
  const result = fn();
  console.log(`${label.padEnd(46)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0).padStart(6)} ms`);
  return result;
}
async function timeAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await fn();
  console.log(`${label.padEnd(46)} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0).padStart(6)} ms`);
  return result;
}
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Heap in use, and memory outside it (buffers, large strings), in MB. */
const memoryMB = () => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.external) / 1e6;
};
/** memoryMB() after a full collection, and a moment for Node to free the buffers it found dead and for V8 to sweep. */
const keptMB = async () => {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return memoryMB();
};
// Each step starts from a collected heap: a collection that one step's garbage makes due is not timed in the next.
// Its own garbage it still pays for: the rows, decisions and snapshot of a large municipality are a heap of 400 MB.

const memberships = snapshot.groups.reduce((n, g) => n + g.teacherIds.length + g.studentIds.length, 0);
console.log(`${size}: ${snapshot.persons.length} persons, ${snapshot.groups.length} groups, ${memberships} memberships`);
// Tonight's snapshot is last night's with every twentieth student gone: 5 %, under the default limit.
const students = snapshot.persons.filter((p) => p.roles.includes('student'));
const gone = new Set(students.filter((_, i) => i % 20 === 0).map((p) => p.id));
const tonight = {
  schools: snapshot.schools,
  persons: snapshot.persons.filter((p) => !gone.has(p.id)),
  groups: snapshot.groups.map((g) => ({ ...g, studentIds: g.studentIds.filter((id) => !gone.has(id)) })),
};
await keptMB();
time('consistency gate', () => checkConsistency(snapshot, decisions, rows));
await keptMB();
time('consistency gate, again', () => checkConsistency(snapshot, decisions, rows));
await keptMB();
const pieces = time('baseline manifest (manifestJson)', () => manifestJson(snapshot, new Date(), 'imp_bench'));
const stateDir = mkdtempSync(join(tmpdir(), 'bench-guard-'));
writeFileSync(join(stateDir, 'baseline.json'), Buffer.concat(pieces));
const bytes = pieces.reduce((n, p) => n + p.length, 0);
pieces.length = 0;
const heapBefore = await keptMB();
const baseline = (await timeAsync(`baseline read (readBaseline, ${(bytes / 1e6).toFixed(1)} MB)`, () => readBaseline(stateDir)))!;
const heapRightAfter = memoryMB() - heapBefore;
console.log(`  memory kept by the read baseline (heap and external): ${((await keptMB()) - heapBefore).toFixed(1)} MB (${heapRightAfter.toFixed(1)} MB right after the read, garbage included)`);
rmSync(stateDir, { recursive: true, force: true });
await keptMB();
const verdict = time(`deletion guard (${gone.size} students removed)`, () => checkRemovals(tonight, baseline, config.guard.limits, config.rules.schools));
console.log(`  decision: ${verdict.decision}; memberships removed: ${verdict.changes.memberships.removed}`);
await keptMB();
time('privacy gate', () => checkPrivacy(snapshot, rows, config.rules));
await keptMB();
const review = time('review file', () => formatReview(verdict, { contentHash: 'sha256:bench', heldAt: 'now', syncDate }, baseline, rows));
console.log(`  review file: ${review.split('\n').length} lines`);
