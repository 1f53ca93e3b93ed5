/**
 * The rules' behaviour on the generated municipalities, recorded so that a
 * refactor of src/decide can be proved to change nothing (issue 15, "No
 * change in behaviour").
 *
 * Each case runs the real pipeline (src/pipeline.ts prepare(): the fixture
 * read from disk, duplicates resolved, decide, roster, names cleaned, e-mail
 * resolved) on a municipality from test/demo/generate.ts and records:
 * - the snapshot's content hash (src/deliver/snapshot.ts), so the roster;
 * - a sha256 over the RFC 8785 canonical JSON of all decisions: every check
 *   text of every person, group and school, which is all `explain` prints;
 * - `explain` (src/report/explain.ts) for a fixed sample of queries taken from
 *   the rows (never from the decisions, so the sample cannot move with a
 *   change in the rules): by GUID, name, personnummer and group id, and the
 *   GUIDs of protected persons, who must find nothing.
 *
 * The golden files beside this one were written from the code before the
 * split of decide(). To write them again, only after a change in the rules
 * that is meant:  npx tsx test/rules/golden/record.ts --write [case …]
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../../../src/configure/config';
import type { Credentials } from '../../../src/configure/credentials';
import { contentHash } from '../../../src/deliver/snapshot';
import type { SourceRows } from '../../../src/extract/contract';
import { prepare, type Prepared } from '../../../src/pipeline';
import type { RuleConfig } from '../../../src/configure/config';
import { cleanNames } from '../../../src/decide/clean-names';
import { decide } from '../../../src/decide/decide';
import { buildRoster } from '../../../src/decide/roster';
import { emailResolver, resolveEmails } from '../../../src/enrich/email';
import { resolveDuplicates } from '../../../src/extract/duplicates';
import { fixtureToRows } from '../../../src/extract/fixture-source';
import { ours } from '../../../src/safe-text';
import { formatExplain } from '../../../src/report/explain';
import { main as generate } from '../../demo/generate-cli';
import { SYNC_DATE, generateMunicipality, type Size } from '../../demo/generate';

export const GOLDEN_DIR = dirname(fileURLToPath(import.meta.url));

export interface GoldenCase {
  readonly name: string;
  readonly size: Size;
  /** Every n-th person (by GUID order) and every n-th class or activity (by id order) is asked about. */
  readonly personStep: number;
  readonly groupStep: number;
  /** Changes to the generated configuration; with `mapping`, an e-mail mapping table is written and configured. */
  readonly config?: Record<string, unknown>;
  readonly mapping?: boolean;
  /** Keep the explain outputs themselves in a file beside the record (small cases: readable diffs). */
  readonly keepExplain?: boolean;
}

export const CASES: readonly GoldenCase[] = [
  { name: 'small', size: 'small', personStep: 5, groupStep: 3, keepExplain: true },
  { name: 'medium', size: 'medium', personStep: 50, groupStep: 20 },
  // large: LARGE below, a case of its own in golden.test.ts.
  // The rule texts that depend on configuration: other lead days (0 days: "days"), the name
  // selections of teaching groups, requireEmail with addresses from a mapping table.
  {
    name: 'small-options',
    size: 'small',
    personStep: 5,
    groupStep: 3,
    keepExplain: true,
    mapping: true,
    config: { leadDays: { staff: 30, students: 0 }, teachingGroups: { select: 'namePrefix', prefix: 'ma' }, email: { requireEmail: true } },
  },
  {
    name: 'medium-options',
    size: 'medium',
    personStep: 50,
    groupStep: 20,
    mapping: true,
    config: { leadDays: { staff: 7, students: 3 }, teachingGroups: { select: 'nameSuffix', suffix: 'a' }, email: { requireEmail: true } },
  },
];

/**
 * The rows go from the generator to the stages in memory, in prepare()'s order,
 * with no fixture file. explain explains every match and scans every group
 * for each one, so on large a name query (thousands of matches) runs for
 * many minutes: large asks by GUID, personnummer and group id only, sparser.
 */
export const LARGE: GoldenCase = { name: 'large', size: 'large', personStep: 1500, groupStep: 700 };

export interface GoldenRecord {
  readonly case: string;
  readonly size: Size;
  readonly syncDate: string;
  readonly counts: {
    readonly persons: number;
    readonly personsExported: number;
    readonly groups: number;
    readonly groupsExported: number;
    readonly schools: number;
    readonly warnings: number;
  };
  readonly email: Record<string, number>;
  readonly contentHash: string;
  readonly decisionsSha256: string;
  readonly explainQueries: number;
  readonly explainSha256: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** A fixture source needs no secret. */
const noCredentials: Credentials = {
  get: () => Promise.reject(new Error('a fixture source needs no credentials')),
};

/** The queries: chosen from the rows alone, in a fixed order. */
export function sampleQueries(rows: SourceRows, c: GoldenCase): string[] {
  const byId = <T>(list: readonly T[], id: (x: T) => string): T[] => [...list].sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0));
  const persons = byId(rows.persons, (p) => p.person_id);
  const sampled = persons.filter((_, i) => i % c.personStep === 0);
  const groupIds = [...rows.classes.map((g) => g.class_id), ...rows.activities.map((a) => a.activity_id)].sort();
  const queries = sampled.map((p) => p.person_id);
  // Names: a full name, a family name alone (often several matches), a personnummer.
  const broad = c !== LARGE;
  sampled.forEach((p, i) => {
    if (broad && i % 10 === 0) queries.push(`${p.given_name ?? ''} ${p.family_name ?? ''}`.trim());
    if (broad && i % 10 === 3 && p.family_name) queries.push(p.family_name);
    if (i % 10 === 6 && p.personal_number) queries.push(p.personal_number);
  });
  // A protected person is never shown, by GUID or by name.
  const protectedPersons = persons.filter((p) => p.protected_identity !== 0).slice(0, 10);
  queries.push(...protectedPersons.map((p) => p.person_id));
  if (broad) queries.push(...protectedPersons.slice(0, 3).map((p) => `${p.given_name ?? ''} ${p.family_name ?? ''}`.trim()));
  queries.push(...groupIds.filter((_, i) => i % c.groupStep === 0));
  // Group names, and a query with more than 20 matches.
  if (broad) queries.push('Ma 8', 'Mentorstid', 'an', 'x', 'no such name');
  return queries;
}

/** Runs one case through the pipeline. `explain` is the concatenated explain outputs. */
export async function record(c: GoldenCase): Promise<{ record: GoldenRecord; explain: string }> {
  if (c === LARGE) return recordInMemory(c);
  const dir = mkdtempSync(join(tmpdir(), `golden-${c.name}-`));
  try {
    const fixture = join(dir, `${c.size}.json`);
    const quiet = { stdout: () => {}, stderr: (t: string) => process.stderr.write(t) };
    if (generate(['--size', c.size, '--seed', '1', '--out', fixture], quiet) !== 0) throw new Error(`could not generate ${c.size}`);
    const generated = JSON.parse(readFileSync(join(dir, `${c.size}.config.json`), 'utf8')) as Record<string, unknown>;
    const configFile = join(dir, `${c.name}.case.json`);
    const config: Record<string, unknown> = { ...generated, ...c.config, stateDir: join(dir, 'state'), logDir: join(dir, 'log') };
    if (c.mapping) {
      writeFileSync(join(dir, 'mapping.csv'), mappingTable(fixture));
      config.email = { ...(config.email as object), mappingFile: 'mapping.csv' };
    }
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const prepared = await prepare(await loadConfig(configFile), SYNC_DATE, { credentials: noCredentials, log: () => {} });
    return summarise(c, prepared);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** prepare()'s stages without the fixture file (large: reading 150 MB of JSON is too slow). */
function recordInMemory(c: GoldenCase): { record: GoldenRecord; explain: string } {
  const m = generateMunicipality(c.size, 1);
  const rules: RuleConfig = { schools: m.schools, leadDays: { staff: 14, students: 1 }, teachingGroups: { select: 'notesMarker' }, exportPersonalNumber: false, allowPersonalNumberInEmail: false, requireEmail: false };
  const { rows, positions } = resolveDuplicates(fixtureToRows(m.fixture, ours(`generated ${c.size}`)), rules.schools, () => ours('generated'));
  const addressOf = emailResolver(undefined, SYNC_DATE);
  const decided = decide(rows, rules, SYNC_DATE, addressOf, positions);
  const cleaned = cleanNames(buildRoster(decided, rows, rules));
  const { roster, stats } = resolveEmails(cleaned.roster, rows.persons, addressOf);
  const decisions = cleaned.warnings.length > 0 ? { ...decided, warnings: [...decided.warnings, ...cleaned.warnings] } : decided;
  return summarise(c, { rows, decisions, roster, email: stats });
}

function summarise(c: GoldenCase, prepared: Pick<Prepared, 'rows' | 'decisions' | 'roster' | 'email'>): { record: GoldenRecord; explain: string } {
  {
    const { decisions, rows, roster } = prepared;
    const queries = sampleQueries(rows, c);
    const explain = queries.map((q) => `=== ${q}\n${formatExplain(q, decisions, rows)}\n`).join('');
    return {
      record: {
        case: c.name,
        size: c.size,
        syncDate: decisions.syncDate,
        counts: {
          persons: decisions.persons.length,
          personsExported: roster.persons.length,
          groups: decisions.groups.length,
          groupsExported: roster.groups.length,
          schools: decisions.schools.length,
          warnings: decisions.warnings.length,
        },
        email: { ...prepared.email },
        contentHash: contentHash(roster),
        decisionsSha256: sha256(canonicalize(decisions)!),
        explainQueries: queries.length,
        explainSha256: sha256(explain),
      },
      explain,
    };
  }
}

/**
 * A mapping table for the persons ProCapita has no valid-looking address for:
 * every second one by GUID, every third by personnummer, the rest none.
 */
function mappingTable(fixture: string): string {
  const persons = (JSON.parse(readFileSync(fixture, 'utf8')) as { person: { person_id: string; personal_number: string | null; email: string | null }[] }).person;
  const lines = ['key,email'];
  persons
    .filter((p) => p.email === null || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(p.email))
    .forEach((p, i) => {
      if (i % 2 === 0) lines.push(`${p.person_id},m${i}@mapping.example.se`);
      else if (i % 3 === 0 && p.personal_number) lines.push(`${p.personal_number},m${i}@mapping.example.se`);
    });
  return `${lines.join('\n')}\n`;
}

export const recordFile = (c: GoldenCase): string => join(GOLDEN_DIR, `${c.name}.json`);
export const explainFile = (c: GoldenCase): string => join(GOLDEN_DIR, `${c.name}.explain.txt`);

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const names = args.filter((a) => a !== '--write');
  for (const c of [...CASES, LARGE].filter((x) => names.length === 0 || names.includes(x.name))) {
    const started = performance.now();
    const { record: r, explain } = await record(c);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stdout.write(`${JSON.stringify(r)} (${seconds} s)\n`);
    if (write) {
      mkdirSync(GOLDEN_DIR, { recursive: true });
      writeFileSync(recordFile(c), `${JSON.stringify(r, null, 2)}\n`);
      if (c.keepExplain) writeFileSync(explainFile(c), explain);
    }
  }
}
