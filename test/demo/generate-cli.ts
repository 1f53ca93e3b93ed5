/**
 * Writes a generated municipality to disk, with a configuration next to it.
 *
 *   npm run generate -- --size medium [--seed 1] --out demo-output/medium.json
 *   npm run generate -- --size large --out /tmp/large.sqlite
 *
 * FILE.json is a JSON fixture (docs/fixtures.md); FILE.sqlite or FILE.db is the
 * SQLite database the TDS test server serves (test/tds/database.ts). Either way
 * FILE's folder also gets <name>.config.json: the school list, the default
 * lead days and the PORTAL notes marker; its source is the fixture for JSON,
 * and for SQLite a SQL source with the TDS test server's defaults (test/tds/cli.ts)
 * on port 1433 without TLS, the password in PROCAPITA_SQL_PASSWORD.
 */
import { closeSync, existsSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openFixtureDatabase } from '../tds/database';
import { SIZES, generateMunicipality, type Municipality, type Size } from './generate';

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const USAGE = 'usage: npm run generate -- --size small|medium|large|xlarge [--seed N] --out FILE.json|FILE.sqlite|FILE.db';

class UsageError extends Error {}

interface Args {
  readonly size: Size;
  readonly seed: number;
  readonly out: string;
  readonly kind: 'json' | 'sqlite';
}

export function parseCliArgs(argv: readonly string[]): Args | 'help' {
  let values: { size?: string; seed?: string; out?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { size: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    // Node's messages are one line, e.g. "Unknown option '--sise'".
    throw new UsageError(`${(err as Error).message.split('\n')[0]!.replace(/\.$/, '')}. ${USAGE}`);
  }
  if (values.help) return 'help';
  if (values.size === undefined) throw new UsageError(`--size is required: small, medium, large or xlarge. ${USAGE}`);
  if (!SIZES.includes(values.size as Size)) throw new UsageError(`--size must be small, medium, large or xlarge, not "${values.size}"`);
  let seed = 1;
  if (values.seed !== undefined) {
    if (!/^\d{1,15}$/.test(values.seed)) throw new UsageError(`--seed must be a whole number 0 or more, not "${values.seed}"`);
    seed = Number(values.seed);
  }
  if (values.out === undefined || values.out.trim() === '') throw new UsageError(`--out FILE is required (.json, .sqlite or .db). ${USAGE}`);
  const ext = extname(values.out).toLowerCase();
  const kind = ext === '.json' ? 'json' : ext === '.sqlite' || ext === '.db' ? 'sqlite' : undefined;
  if (!kind) throw new UsageError(`--out must end in .json (a fixture) or .sqlite/.db (a database), not "${ext || basename(values.out)}"`);
  const folder = dirname(resolve(values.out));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new UsageError(`--out: the folder ${folder} does not exist`);
  if (kind === 'json' && values.out.toLowerCase().endsWith('.config.json')) throw new UsageError('--out must not end in .config.json: that name is the configuration written next to it');
  return { size: values.size as Size, seed, out: resolve(values.out), kind };
}

/** `<name>.config.json` next to FILE. */
export function configPath(out: string): string {
  return join(dirname(out), `${basename(out, extname(out))}.config.json`);
}

/** The configuration for a generated municipality (docs/configuration.md). */
export function configFor(m: Municipality, out: string, kind: 'json' | 'sqlite'): Record<string, unknown> {
  const source =
    kind === 'json'
      ? { type: 'fixture', path: basename(out) }
      : // The TDS test server's defaults (test/tds/cli.ts), on a fixed port, TLS off.
        { type: 'sql', host: '127.0.0.1', port: 1433, database: 'ProCapita', user: 'procapita_reader', passwordEnv: 'PROCAPITA_SQL_PASSWORD', encrypt: false };
  return {
    source,
    schools: m.schools,
    leadDays: { staff: 14, students: 1 },
    teachingGroups: { select: 'notesMarker' },
    export: { personalNumber: false },
  };
}

/** One row per line, so that a fixture diffs well and a large one is written in pieces. */
function writeJsonFixture(m: Municipality, file: string, comment: string): void {
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, `{\n "$comment": ${JSON.stringify(comment)}`);
    for (const [table, rows] of Object.entries(m.fixture) as [string, readonly object[]][]) {
      writeSync(fd, `,\n ${JSON.stringify(table)}: [`);
      for (let i = 0; i < rows.length; i += 2000) {
        const chunk = rows.slice(i, i + 2000).map((r) => `\n  ${JSON.stringify(r)}`);
        writeSync(fd, (i === 0 ? '' : ',') + chunk.join(','));
      }
      writeSync(fd, rows.length > 0 ? '\n ]' : ']');
    }
    writeSync(fd, '\n}\n');
  } finally {
    closeSync(fd);
  }
}

function writeDatabase(m: Municipality, file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true });
  const db = openFixtureDatabase(m.fixture, file);
  db.pragma('journal_mode = DELETE'); // one file, nothing beside it
  db.close();
}

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

export function main(argv: readonly string[], io: Io): number {
  let args: Args | 'help';
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  if (args === 'help') {
    io.stdout(`${USAGE}\nWrites a fake municipality's ProCapita register (sync date 2026-09-01) and <name>.config.json next to it.\n`);
    return 0;
  }
  const { size, seed, out, kind } = args;
  const started = performance.now();
  const m = generateMunicipality(size, seed);
  const generated = performance.now();
  const config = configPath(out);
  try {
    if (kind === 'json') writeJsonFixture(m, out, `Generated by test/demo/generate.ts: ${m.name} kommun, size ${size}, seed ${seed}, sync date ${m.syncDate}. All names and personnummer are invented.`);
    else writeDatabase(m, out);
    writeFileSync(config, `${JSON.stringify(configFor(m, out, kind), null, 2)}\n`);
  } catch (err) {
    io.stderr(`error: cannot write ${out}: ${(err as Error).message.split('\n')[0]}\n`);
    return 1;
  }
  const written = performance.now();
  const counts = Object.entries(m.fixture).map(([table, rows]) => [table, (rows as readonly unknown[]).length] as const);
  const width = Math.max(...counts.map(([t]) => t.length));
  const units = new Set(m.schools.map((s) => s.unitCode)).size;
  io.stdout(
    [
      `wrote ${out} (${kind === 'json' ? 'JSON fixture' : 'SQLite database'}, ${mb(statSync(out).size)}): ${m.name} kommun, size ${size}, seed ${seed}, sync date ${m.syncDate}`,
      ...counts.map(([table, n]) => `  ${table.padEnd(width)} ${String(n).padStart(8)}`),
      `wrote ${config}: ${m.schools.length} configured school forms at ${units} units, leadDays 14/1, teachingGroups notesMarker${kind === 'sqlite' ? '; source: a TDS test server at 127.0.0.1:1433, database ProCapita, user procapita_reader, TLS off' : ''}`,
      `generated in ${((generated - started) / 1000).toFixed(1)} s, written in ${((written - generated) / 1000).toFixed(1)} s`,
      '',
    ].join('\n'),
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) });
}
