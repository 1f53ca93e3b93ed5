/**
 * The municipal-scale benchmark (issue 15; docs/performance.md):
 *   npm run bench [-- large|xlarge|both] [--rounds N] [--startup-runs N]
 *
 * For each size: generates the municipality, serves it from the TDS test
 * server over TLS (its own process), and alternates, each in its own process
 * under /usr/bin/time -v, the floor (test/bench/floor.ts: the read alone), a
 * full `run` to a directory target and a full `run` to the reference receiver
 * over HTTPS (its own process too). Then the decide micro-benchmark
 * (test/bench/decide.ts), and the start-up of the Linux binary if it is built.
 * Prints times, peak memory, rows per second and the issue's targets, met or
 * NOT met. Exits 0 when every run completed, whatever the targets say.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { median, verdict } from './stats';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SYNC_DATE = '2026-09-01';
const CA = join(root, 'test/certs/ca.crt');
// Throwaway secrets for throwaway servers; they reach the runs through the environment, as real ones do.
const SECRETS = { BENCH_SQL_PASSWORD: 'bench-only-password', BENCH_API_KEY: 'bench-only-api-key' };
const TARGETS = { timeVsFloor: 1.25, peakRssMb: 400, growthTolerance: 1.1, startup: 2 };
const KINDS = ['floor', 'dir', 'https'] as const;
type Kind = (typeof KINDS)[number];
type Size = 'large' | 'xlarge';

const USAGE = 'usage: npm run bench [-- large|xlarge|both] [--rounds N] [--startup-runs N]';
const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '2' }, 'startup-runs': { type: 'string', default: '10' } },
  allowPositionals: true,
});
const which = positionals[0] ?? 'large';
const rounds = Number(values.rounds);
const startupRuns = Number(values['startup-runs']);
if (!['large', 'xlarge', 'both'].includes(which) || positionals.length > 1 || !(rounds >= 1) || !Number.isInteger(rounds) || !(startupRuns >= 1) || !Number.isInteger(startupRuns)) {
  console.error(USAGE);
  process.exit(2);
}
const sizes: Size[] = which === 'both' ? ['large', 'xlarge'] : [which as Size];

// Whatever happens (an error, Ctrl-C), every child stops and the temp dir goes. Each child leads
// its own process group, so that /usr/bin/time's child goes too.
const work = mkdtempSync(join(tmpdir(), 'procapita-sync-bench-'));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  rmSync(work, { recursive: true, force: true });
});
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

function start(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...SECRETS }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

class BenchError extends Error {}

const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const thousands = (n: number) => Math.round(n).toLocaleString('en');
const roundsText = `${rounds} round${rounds === 1 ? '' : 's'}`;

/** Starts a long-lived helper in its own process and waits for the line that says it is listening. */
async function startServer(name: string, args: string[], listening: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = start(process.execPath, ['--import', 'tsx', ...args]);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr = tail(stderr + chunk.toString(), 40)));
  child.once('exit', (code, signal) => {
    // Gone while the bench still needs it: say so at once; the run that needed it fails on its own.
    if (code !== 0 && signal !== 'SIGTERM') process.stderr.write(`${name} exited (${code ?? signal}):\n${tail(stderr)}\n`);
  });
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = listening.exec(line);
      if (m) resolve(m);
    });
    child.once('close', () => reject(new BenchError(`${name} did not start:\n${tail(stderr)}`)));
  });
  return { child, match };
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

interface Measure { wallS: number; rssMb: number; rows: number }

let measuredCount = 0;

/** One process under /usr/bin/time -v: its wall time, its peak resident set and the rows it read. Fails unless it exits 0. */
function measured(label: string, args: string[], rowsPattern: { stream: 'stdout' | 'stderr'; re: RegExp }): Promise<Measure> {
  // time's report goes to a file of its own, so that the process's stderr stays its own.
  const report = join(work, `time-${++measuredCount}.txt`);
  return new Promise((resolve, reject) => {
    const child = start('/usr/bin/time', ['-v', '-o', report, process.execPath, ...args]);
    const out = { stdout: '', stderr: '' };
    child.stdout!.on('data', (c: Buffer) => void (out.stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => void (out.stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new BenchError(`${label} exited with ${code}. The end of its stderr:\n${tail(out.stderr)}`));
      const times = readFileSync(report, 'utf8');
      // "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
      const wall = /Elapsed \(wall clock\) time \([^)]*\):\s*([\d:.]+)/.exec(times)?.[1];
      const rssKb = /Maximum resident set size \(kbytes\):\s*(\d+)/.exec(times)?.[1];
      const rows = rowsPattern.re.exec(out[rowsPattern.stream])?.[1];
      if (!wall || !rssKb || !rows) return reject(new BenchError(`${label}: no wall time, peak memory or row count in its output:\n${tail(out.stdout)}\n${tail(out.stderr)}\n${times}`));
      const wallS = wall.split(':').reduce((s, part) => s * 60 + Number(part), 0);
      resolve({ wallS, rssMb: (Number(rssKb) * 1024) / 1e6, rows: Number(rows) });
    });
  });
}

/** The bundles the runs start from, once per bench run: no tsx transpiling at start. */
async function bundle(): Promise<void> {
  const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root }).toString().trim();
  execFileSync(process.execPath, ['build/bundle.mjs', 'dist/bench.cjs', commit, new Date().toISOString().replace(/\.\d+Z$/, 'Z')], { cwd: root, stdio: 'inherit' });
  // As build/bundle.mjs does, for what the floor uses: import.meta.url stands in for src/, so assets/queries is found.
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['test/bench/floor.ts'],
    outfile: 'dist/bench-floor.cjs',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    define: { 'import.meta.url': 'importMetaUrl' },
    inject: ['build/import-meta-url.js'],
    // As build/bundle.mjs: jsonc-parser's main is a UMD build that esbuild cannot follow (the configuration reader uses it).
    alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
    legalComments: 'none',
    logLevel: 'warning',
  });
  console.log(`bundle: dist/bench-floor.cjs (${(statSync(join(root, 'dist/bench-floor.cjs')).size / 1e6).toFixed(1)} MB)`);
}

type Results = Record<Kind, Measure[]>;

async function benchSize(size: Size, receiverUrl: string): Promise<Results> {
  const dir = join(work, size);
  mkdirSync(dir);
  const fixture = join(dir, 'municipality.json');
  const started = performance.now();
  const gen = spawnSync(process.execPath, ['--import', 'tsx', 'test/demo/generate-cli.ts', '--size', size, '--out', fixture], { cwd: root, encoding: 'utf8' });
  if (gen.status !== 0) throw new BenchError(`generate ${size} failed:\n${tail(gen.stderr)}`);
  console.log(`\n== ${size}: generated in ${seconds(performance.now() - started)} s (${(statSync(fixture).size / 1e6).toFixed(0)} MB of JSON)`);

  const tdsStarted = performance.now();
  const tds = await startServer(`TDS test server (${size})`, ['test/tds/cli.ts', '--fixture', fixture, '--port', '0', '--user', 'bench', '--password', SECRETS.BENCH_SQL_PASSWORD, '--tls'], /listening on [^:]+:(\d+)/);
  console.log(`TDS test server (TLS) on port ${tds.match[1]}, loaded in ${seconds(performance.now() - tdsStarted)} s`);

  const generated = JSON.parse(readFileSync(join(dir, 'municipality.config.json'), 'utf8')) as Record<string, unknown>;
  const source = { type: 'sql', host: 'localhost', port: Number(tds.match[1]), database: 'ProCapita', user: 'bench', passwordEnv: 'BENCH_SQL_PASSWORD', caFile: CA };
  const targets = {
    dir: { type: 'directory', path: 'out' },
    https: { type: 'https', url: `${receiverUrl}/v1/snapshots`, apiKeyEnv: 'BENCH_API_KEY', caFile: CA },
  };
  /**
   * A folder per run. A run is measured as it runs every night: with the baseline of the night
   * before, which the deletion guard reads and compares, and a changed roster, which the receiver
   * imports. So each kind first runs once, unmeasured, on the day before; each measured run starts
   * from a copy of that state. The guard's count limit is off: a day's changes in a large
   * municipality pass 500 memberships (the 10 % limit stays).
   */
  const configFor = (kind: Kind, name: string): string => {
    const runDir = join(dir, `${kind}-${name}`);
    mkdirSync(join(runDir, 'out'), { recursive: true });
    const file = join(runDir, 'config.json');
    const target = kind === 'floor' ? {} : { target: targets[kind] };
    writeFileSync(file, JSON.stringify({ ...generated, source, ...target, guard: { maxRemovals: { percent: 10, count: null } }, stateDir: 'state', logDir: 'logs' }, null, 2));
    return file;
  };
  const dayBefore = new Date(Date.parse(`${SYNC_DATE}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  for (const kind of ['dir', 'https'] as const) {
    const seed = spawnSync(process.execPath, ['dist/bench.cjs', 'run', '--config', configFor(kind, 'night-before'), '--date', dayBefore], { cwd: root, encoding: 'utf8', env: { ...process.env, ...SECRETS } });
    if (seed.status !== 0) throw new BenchError(`the night before's run to ${kind} (${size}) exited with ${seed.status}:\n${tail(seed.stderr)}`);
  }
  const nightlyConfig = (kind: Kind, round: number): string => {
    const config = configFor(kind, String(round));
    if (kind !== 'floor') cpSync(join(dir, `${kind}-night-before`, 'state'), join(dir, `${kind}-${round}`, 'state'), { recursive: true });
    return config;
  };

  const results: Results = { floor: [], dir: [], https: [] };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const kind of KINDS) {
        const config = nightlyConfig(kind, round);
        const m =
          kind === 'floor'
            ? await measured(`floor (${size}, round ${round})`, ['dist/bench-floor.cjs', config, SYNC_DATE], { stream: 'stdout', re: /^(\d+) rows$/m })
            : await measured(`run to ${kind} (${size}, round ${round})`, ['dist/bench.cjs', 'run', '--config', config, '--date', SYNC_DATE], { stream: 'stderr', re: /Read (\d+) rows from ProCapita/ });
        results[kind].push(m);
        console.log(`  round ${round}  ${kind.padEnd(5)}  ${m.wallS.toFixed(2).padStart(7)} s  ${m.rssMb.toFixed(0).padStart(5)} MB  ${thousands(m.rows)} rows`);
      }
    }
  } finally {
    await stopServer(tds.child);
  }
  return results;
}

const wallOf = (r: Results, k: Kind) => median(r[k].map((m) => m.wallS));
const rssOf = (r: Results, k: Kind) => Math.max(...r[k].map((m) => m.rssMb));
const rowsOf = (r: Results, k: Kind) => r[k][0]!.rows;

/** A table line: each cell padded to its width, right-aligned, or left-aligned for a negative width. */
const row = (widths: number[], ...cells: string[]) =>
  `  ${cells.map((c, i) => (widths[i]! < 0 ? c.padEnd(-widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd();

function report(size: Size, r: Results): void {
  console.log(`\n${size}: results of ${roundsText} (wall time from /usr/bin/time; MB = 10^6 bytes)`);
  const each = (k: Kind) => r[k].map((m) => m.wallS.toFixed(2)).join(', ');
  const w = [-6, 11, -Math.max(...KINDS.map((k) => each(k).length), 8), 8, 9];
  console.log(row(w, 'kind', 'wall median', 'each (s)', 'peak RSS', 'rows/s'));
  for (const k of KINDS) console.log(row(w, k, `${wallOf(r, k).toFixed(2)} s`, each(k), `${rssOf(r, k).toFixed(0)} MB`, thousands(rowsOf(r, k) / wallOf(r, k))));
  const counts = new Set(KINDS.flatMap((k) => r[k].map((m) => m.rows)));
  console.log(counts.size === 1 ? `  every process read the same ${thousands(rowsOf(r, 'floor'))} rows` : `  WARNING: the row counts differ: ${[...counts].join(', ')}`);
  console.log('  targets:');
  const t = [-18, 8, -10, -7];
  for (const k of ['dir', 'https'] as const) {
    const ratio = wallOf(r, k) / wallOf(r, 'floor');
    console.log(`  ${row(t, `${k} wall ÷ floor`, ratio.toFixed(2), `≤ ${TARGETS.timeVsFloor}`, verdict(ratio <= TARGETS.timeVsFloor))}`);
  }
  for (const k of ['dir', 'https'] as const) {
    const rss = rssOf(r, k);
    console.log(`  ${row(t, `${k} peak RSS`, `${rss.toFixed(0)} MB`, `≤ ${TARGETS.peakRssMb} MB`, verdict(rss <= TARGETS.peakRssMb))}`);
  }
}

/** large and xlarge side by side, and whether time and memory grow no faster than the rows (with the tolerance). */
function compare(large: Results, xlarge: Results): void {
  const rowsRatio = rowsOf(xlarge, 'floor') / rowsOf(large, 'floor');
  const limit = rowsRatio * TARGETS.growthTolerance;
  console.log(`\nlarge and xlarge: grows no faster than linearly? xlarge ÷ large at most the rows' ratio × ${TARGETS.growthTolerance} (a 10 % tolerance for noise)`);
  const w = [-14, 10, 10, 14, 6, -12];
  console.log(row(w, '', 'large', 'xlarge', 'xlarge ÷ large', 'limit', ''));
  console.log(row(w, 'rows read', thousands(rowsOf(large, 'floor')), thousands(rowsOf(xlarge, 'floor')), rowsRatio.toFixed(2)));
  const line = (label: string, a: string, b: string, ratio: number, judged: boolean) =>
    console.log(row(w, label, a, b, ratio.toFixed(2), judged ? limit.toFixed(2) : '', judged ? verdict(ratio <= limit) : '(not a target)'));
  for (const k of KINDS) line(`${k} wall`, `${wallOf(large, k).toFixed(2)} s`, `${wallOf(xlarge, k).toFixed(2)} s`, wallOf(xlarge, k) / wallOf(large, k), k !== 'floor');
  for (const k of KINDS) line(`${k} peak RSS`, `${rssOf(large, k).toFixed(0)} MB`, `${rssOf(xlarge, k).toFixed(0)} MB`, rssOf(xlarge, k) / rssOf(large, k), k !== 'floor');
}

/** Mean milliseconds from spawn to exit of `n` runs of a command. */
function meanMs(n: number, command: string, args: string[]): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(command, args, { encoding: 'utf8' });
    total += Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new BenchError(`${command} ${args.join(' ')} exited with ${r.status}:\n${tail(r.stderr ?? '')}`);
  }
  return total / n;
}

/** The Node the binaries embed, where build:exe left it: the fair comparison, as the system's Node 20 starts slower. */
const EMBEDDED_NODE = join(root, 'build/.cache/node/linux/bin/node');

function startup(): void {
  const binary = join(root, 'dist/procapita-sync');
  if (!existsSync(binary)) return console.log('\nstart-up: not measured (npm run build:exe first)');
  const exe = meanMs(startupRuns, binary, ['--version']);
  const nodes: [string, string][] = [[`node -e 0 (${process.version}, this benchmark's)`, process.execPath]];
  if (existsSync(EMBEDDED_NODE)) nodes.push([`node -e 0 (the binary's own Node)`, EMBEDDED_NODE]);
  console.log(`\nstart-up, mean of ${startupRuns} runs each:`);
  console.log(`  dist/procapita-sync --version                ${exe.toFixed(0).padStart(5)} ms`);
  for (const [label, node] of nodes) {
    const ms = meanMs(startupRuns, node, ['-e', '0']);
    const ratio = exe / ms;
    console.log(`  ${label.padEnd(44)} ${ms.toFixed(0).padStart(5)} ms: ratio ${ratio.toFixed(2)} (target ≤ ${TARGETS.startup}): ${verdict(ratio <= TARGETS.startup)}`);
  }
}

async function main(): Promise<void> {
  console.log(`bench ${sizes.join(' and ')}, ${roundsText}; node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (!existsSync('/usr/bin/time')) execFileSync('bash', ['-c', 'apt-get update -q && apt-get install -y -q time'], { stdio: 'inherit' });
  await bundle();
  const receiver = await startServer('reference receiver', ['test/bench/receiver.ts'], /listening on (\S+)/);
  const results = new Map<Size, Results>();
  try {
    for (const size of sizes) results.set(size, await benchSize(size, receiver.match[1]!));
  } finally {
    await stopServer(receiver.child);
  }
  for (const [size, r] of results) report(size, r);
  if (results.size === 2) compare(results.get('large')!, results.get('xlarge')!);
  for (const size of sizes) {
    console.log();
    const decide = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/decide.ts', size], { cwd: root, stdio: 'inherit' });
    if (decide.status !== 0) throw new BenchError(`the decide micro-benchmark (${size}) exited with ${decide.status}`);
  }
  startup();
}

main().catch((err: unknown) => {
  console.error(`\nbench failed: ${err instanceof BenchError ? err.message : err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
});
