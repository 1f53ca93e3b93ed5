import { Command, CommanderError, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { loadConfig, type Config } from '../configure/config';
import { environmentCredentials } from '../configure/credentials';
import { writeSnapshotToDirectory } from '../deliver/directory';
import { buildMapping, formatQualityReport, readAdEntries } from '../enrich/ad-mapping';
import { writeMappingTable } from '../enrich/mapping-table';
import { readSource } from '../extract/source';
import { uploadSnapshot } from '../deliver/https-sink';
import { toSnapshot } from '../deliver/snapshot';
import { AppError, EXIT_CODE_MEANINGS, ExitCode, type ExitCodeName } from '../errors';
import { isCalendarDate } from '../extract/rows';
import { prepare } from '../pipeline';
import { formatExplain } from '../report/explain';
import { formatSummary } from '../report/summary';

export const VERSION: string = packageJson.version;

/** The edges the CLI talks to, so tests can see exactly what a user sees. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly now: () => Date;
  /** Where secrets come from until the credential store lands; also HTTPS_PROXY and NO_PROXY. */
  readonly env: NodeJS.ProcessEnv;
  /** Waiting between upload attempts; tests make it instant. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/** Today's calendar date where the schools are, whatever the server's time zone. */
export function todayInStockholm(now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function syncDate(option: string | undefined, io: Io): string {
  if (option === undefined) return todayInStockholm(io.now());
  if (!isCalendarDate(option)) throw new AppError('usage', `--date ${option} is not a calendar date. Use YYYY-MM-DD, e.g. --date 2026-08-20.`);
  return option;
}

const exitCodeLines = () =>
  (Object.keys(ExitCode) as ExitCodeName[]).map((name) => `  ${String(ExitCode[name]).padStart(2)}  ${EXIT_CODE_MEANINGS[name]}`).join('\n');

/** Secrets from the environment variables the configuration names, and a log on standard error. */
function runContext(config: Config, io: Io) {
  return {
    credentials: environmentCredentials(
      {
        ...(config.source.type === 'sql' ? { sqlPassword: config.source.passwordEnv } : {}),
        ...(config.email.ad ? { ldapPassword: config.email.ad.passwordEnv } : {}),
        ...(config.target?.type === 'https' ? { apiKey: config.target.apiKeyEnv } : {}),
        ...(config.target?.type === 'https' && config.target.proxy?.passwordEnv ? { proxyPassword: config.target.proxy.passwordEnv } : {}),
      },
      io.env,
    ),
    log: (line: string) => io.stderr(`${line}\n`),
  };
}

const dateOption = () => new Option('--date <YYYY-MM-DD>', 'sync date (default: today in Europe/Stockholm)');

export function buildProgram(io: Io): Command {
  const program = new Command('procapita-sync')
    .description('Reads ProCapita, applies the eligibility rules and delivers the school roster.')
    .version(`procapita-sync ${VERSION}`, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run procapita-sync --help for usage)')
    .exitOverride()
    .addHelpText('after', `\nExit codes:\n${exitCodeLines()}\nSee docs/exit-codes.md.`);

  program
    .command('run')
    .description('read the source, apply the rules and deliver the snapshot')
    .requiredOption('--config <file>', 'configuration file (docs/configuration.md)')
    .option('--out <dir>', 'write the snapshot into this folder instead of delivering it to the configured target')
    .addOption(dateOption())
    .action(async (opts: { config: string; out?: string; date?: string }) => {
      const date = syncDate(opts.date, io);
      const config = await loadConfig(opts.config);
      const target = opts.out !== undefined ? { type: 'directory' as const, path: opts.out } : config.target;
      if (!target) throw new AppError('usage', 'Nowhere to deliver the snapshot: give --out DIR, or a target in the configuration (docs/configuration.md).');
      const { decisions, roster, email } = await prepare(config, date, runContext(config, io));
      const snapshot = toSnapshot(roster, VERSION, io.now());
      const summary = formatSummary(decisions, roster, email);
      const counts = `${roster.persons.length} persons, ${roster.groups.length} groups`;
      if (target.type === 'directory') {
        const file = await writeSnapshotToDirectory(snapshot, target.path);
        io.stdout(`${summary}\n\nSnapshot ${snapshot.contentHash} written to ${file}: ${counts}.\n`);
        return;
      }
      io.stdout(`${summary}\n\n`);
      const { credentials, log } = runContext(config, io);
      const result = await uploadSnapshot(snapshot, target, VERSION, { credentials, env: io.env, log, sleep: io.sleep, now: () => io.now().getTime(), random: io.random });
      const theirs = result.counts ? ` (the service counted ${Object.entries(result.counts).map(([k, v]) => `${v} ${k}`).join(', ')})` : '';
      io.stdout(`Uploaded snapshot ${snapshot.contentHash}: ${counts}. Import ${result.importId}, ${result.status}${theirs}, after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}.\n`);
    });

  program
    .command('explain')
    .description('show why a person or group is or is not exported')
    .argument('<query>', 'a GUID, a personnummer or part of a name')
    .requiredOption('--config <file>', 'configuration file (docs/configuration.md)')
    .addOption(dateOption())
    .action(async (query: string, opts: { config: string; date?: string }) => {
      const date = syncDate(opts.date, io);
      const config = await loadConfig(opts.config);
      const { decisions, rows } = await prepare(config, date, runContext(config, io));
      io.stdout(`${formatExplain(query, decisions, rows)}\n`);
    });

  program
    .command('ad-mapping')
    .description('the e-mail mapping table, from Active Directory')
    .command('build')
    .description('read Active Directory and write the mapping table (email.mappingFile), with a quality report')
    .requiredOption('--config <file>', 'configuration file (docs/configuration.md)')
    .addOption(dateOption())
    .action(async (opts: { config: string; date?: string }) => {
      const date = syncDate(opts.date, io);
      const config = await loadConfig(opts.config);
      const { ad, mappingFile } = config.email;
      if (!ad || !mappingFile) {
        throw new AppError('config', `Configuration ${opts.config}: building the mapping needs email.ad (the directory) and email.mappingFile (where the table goes). See docs/email-mapping.md.`);
      }
      const context = runContext(config, io);
      const password = await context.credentials.get('ldapPassword');
      // ProCapita's persons, for the quality report: who is in AD but not in ProCapita, and the other way round.
      const rows = await readSource(config.source, { ...context, syncDate: date });
      const started = io.now().getTime();
      const entries = await readAdEntries(ad, password, { log: context.log });
      if (entries.length === 0) {
        // A wrong baseDn or filter must not replace a good table with an empty one.
        throw new AppError('emailMapping', `The directory search under ${ad.baseDn} found no accounts. Check email.ad.baseDn and email.ad.filter; the existing table ${mappingFile} was kept.`);
      }
      const { table, report } = buildMapping(entries, rows.persons, date);
      await writeMappingTable(mappingFile, table);
      const seconds = ((io.now().getTime() - started) / 1000).toFixed(1);
      io.stdout(`${formatQualityReport(report)}\n\nWrote ${table.length} rows to ${mappingFile} (${entries.length} directory accounts read in ${seconds} s).\n`);
    });

  return program;
}

/** Runs one command line and returns the exit code. Expected failures print one line, never a stack. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    if (argv.length === 0) {
      io.stderr(program.helpInformation());
      return ExitCode.usage;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help/version text).
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof AppError) {
      io.stderr(`error: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`internal error: ${(err as Error).message}\nThis is a bug in procapita-sync ${VERSION}; please report it. Set PROCAPITA_SYNC_DEBUG=1 to see the stack.\n`);
    if (process.env.PROCAPITA_SYNC_DEBUG === '1') io.stderr(`${(err as Error).stack}\n`);
    return ExitCode.internal;
  }
}
