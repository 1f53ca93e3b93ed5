/**
 * Micro-benchmark of the decide stage, in memory: the generated
 * municipality's rows as the extract stage hands them on (fixtureToRows, then
 * resolveDuplicates), decide() warmed up, then timed several times; and
 * buildRoster. Prints; asserts nothing (issue 15's target: at least
 * 1,000,000 class-placement rows per second).
 *   npm run bench:decide [-- small|medium|large|xlarge] [--repeat N]
 */
import { parseArgs } from 'node:util';
import { parseConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { buildRoster } from '../../src/decide/roster';
import { resolveDuplicates } from '../../src/extract/duplicates';
import { fixtureToRows } from '../../src/extract/fixture-source';
import { positionsOfRows } from '../../src/extract/positions';
import { ours } from '../../src/safe-text';
import { configFor } from '../demo/generate-cli';
import { SIZES, generateMunicipality, type Size } from '../demo/generate';
import { median, verdict } from './stats';

const DECIDE_TARGET = 1_000_000; // class-placement rows per second

const { values, positionals } = parseArgs({ options: { repeat: { type: 'string', default: '5' } }, allowPositionals: true });
const size = (positionals[0] ?? 'large') as Size;
const repeat = Number(values.repeat);
if (!SIZES.includes(size) || !Number.isInteger(repeat) || repeat < 1) {
  console.error('usage: npm run bench:decide [-- small|medium|large|xlarge] [--repeat N]');
  process.exit(2);
}

const m = generateMunicipality(size);
// The generated configuration, as `run` would read it (its source is not used here).
const config = parseConfig(configFor(m, 'bench.json', 'json'), '/bench/config.json', { stateDir: '/bench', logDir: '/bench' });
const { rows, positions } = resolveDuplicates(fixtureToRows(m.fixture, ours(size)), config.rules.schools, () => ours('generated'));

/** Milliseconds of each of `n` calls. */
function times(n: number, fn: () => unknown): number[] {
  return Array.from({ length: n }, () => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  });
}
const list = (xs: readonly number[]) => xs.map((x) => x.toFixed(0)).join(', ');

// Warm-up: let the JIT compile the rules before anything is timed.
times(2, () => decide(rows, config.rules, m.syncDate, undefined, positions));
const decideMs = times(repeat, () => decide(rows, config.rules, m.syncDate, undefined, positions));
const decisions = decide(rows, config.rules, m.syncDate, undefined, positions);
times(2, () => buildRoster(decisions, rows, config.rules));
const rosterMs = times(repeat, () => buildRoster(decisions, rows, config.rules));

// What decide() is spared: the extract stage hands on the positions of each link row's parents, from the maps it keeps
// while resolving duplicates. Built from nothing, as decide() does for rows without them, they take this long.
times(2, () => positionsOfRows(rows));
const positionsMs = times(repeat, () => positionsOfRows(rows));

const placements = rows.classPlacements.length;
const perSecond = placements / (median(decideMs) / 1000);
console.log(`decide, ${size}: ${placements.toLocaleString('en')} class placements, ${rows.persons.length.toLocaleString('en')} persons; ${repeat} timed runs after 2 warm-ups`);
console.log(`  decide()       median ${median(decideMs).toFixed(0)} ms (${list(decideMs)} ms)`);
console.log(`  buildRoster()  median ${median(rosterMs).toFixed(0)} ms (${list(rosterMs)} ms)`);
console.log(`  (decide() is given the link rows' positions, as the extract stage hands them on; built from nothing they take ${median(positionsMs).toFixed(0)} ms more)`);
console.log(
  `  ${Math.round(perSecond).toLocaleString('en')} class-placement rows/s (target ≥ ${DECIDE_TARGET.toLocaleString('en')}: ${verdict(perSecond >= DECIDE_TARGET)})`,
);
