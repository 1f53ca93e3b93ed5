import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { BUILD_INFO, formatVersion } from '../build-info';
import { loadConfig, type Config } from '../configure/config';
import { buildFromDirectory, formatQualityReport } from '../enrich/ad-mapping';
import { writeMappingTable } from '../enrich/mapping-table';
import { readSource } from '../extract/source';
import { AppError, EXIT_CODE_MEANINGS, ExitCode, internalError, type ExitCodeName } from '../errors';
import { readHeld, readStateFile, STATE_FILES, writeStateFile, type Approval } from '../guard/state';
import { prepare } from '../pipeline';
import { formatExplain } from '../report/explain';
import { formatStatus, type RunReport } from '../report/last-run';
import { openRunLog } from '../report/log';
import { describeLock, inspectRunLock } from '../run-lock';
import { credentialsCommand } from './credentials';
import { currentAccount } from '../configure/credentials';
import { dateOption, syncDate } from './date-option';
import type { Io } from './io';
import { credentialsFor, LOG_FILES_KEPT, runCommand } from './run';
import { registerSetup } from './setup';
import { registerDoctor } from './doctor';
import { registerHelp } from './help';
import { addCredentialsTest } from './credentials-test';
import { registerSchedule } from './schedule';
import { reportCommand } from './report';
import { given, ours, safe } from '../safe-text';
import { configOption } from './config-option';

export type { Io } from './io';
export { todayInStockholm } from './io';

export const VERSION: string = BUILD_INFO.version;


const exitCodeLines = () =>
  (Object.keys(ExitCode) as ExitCodeName[]).map((name) => `  ${String(ExitCode[name]).padStart(2)}  ${EXIT_CODE_MEANINGS[name]}`).join('\n');

/** Secrets, and progress lines on standard error, for the commands that keep no log file. */
const toolContext = (config: Config, io: Io) => ({ credentials: credentialsFor(config, io), log: (line: string) => io.stderr(`${line}\n`) });

/** Who approves: DOMAIN\\user on Windows, the login name elsewhere. */
function whoIs(env: NodeJS.ProcessEnv): string {
  // Under sudo the approver is the person who typed it, not root.
  return !(env.USERNAME && env.USERDOMAIN) && env.SUDO_USER ? env.SUDO_USER : currentAccount(env);
}

export function buildProgram(io: Io): Command {
  const program = new Command('procapita-sync')
    .description('Reads ProCapita, applies the eligibility rules and delivers the school roster.')
    .version(formatVersion(BUILD_INFO), '-V, --version', 'print the version, the git commit and the build date')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run procapita-sync --help for usage)')
    .exitOverride()
    .addHelpText('after', `\nExit codes:\n${exitCodeLines()}\n\`procapita-sync help exit-codes\` says what to do about each.`);

  program
    .command('run')
    .description('read the source, apply the rules and deliver the snapshot')
    .addOption(configOption(io))
    .option('--out <dir>', 'preview: write the snapshot into this folder; nothing is delivered and the state is left as it is')
    .addOption(dateOption())
    .action(async (opts: { config: string; out?: string; date?: string }) => {
      await runCommand({ configPath: opts.config, syncDate: syncDate(opts.date, io), version: VERSION, ...(opts.out !== undefined ? { out: opts.out } : {}) }, io);
    });

  program
    .command('status')
    .description('show what the last run did, and the run lock, if there is one')
    .addOption(configOption(io))
    .action(async (opts: { config: string }) => {
      const config = await loadConfig(opts.config);
      // The lock's age is the file's, on the real clock.
      const now = Date.now();
      const found = await inspectRunLock(config.stateDir, undefined, now);
      const lock = found ? describeLock(found, now) : undefined;
      const last = await readStateFile<RunReport>(config.stateDir, STATE_FILES.lastRun, safe`the last run`, (x) => (x as RunReport | null)?.formatVersion === 1);
      if (!last) {
        io.stdout(`No run has finished yet (nothing in ${config.stateDir}).${lock ? ` ${lock}` : ''}\n`);
        return;
      }
      io.stdout(`${formatStatus(last, { ...(lock ? { lock } : {}), heldFile: join(config.stateDir, STATE_FILES.review), configPath: opts.config })}\n`);
    });

  program
    .command('report')
    .description("print the path of the newest run report (HTML, in the state folder's reports/), or open it")
    .addOption(configOption(io))
    .option('--open', 'open it in the default browser')
    .action(async (opts: { config: string; open?: boolean }) => {
      await reportCommand({ configPath: opts.config, open: opts.open === true }, io);
    });

  program
    .command('approve')
    .description('release one held snapshot: the next run delivers it if its hash still matches')
    .argument('<hash>', 'the held snapshot (sha256:…, as in the review file; its first 12 hex digits are enough)')
    .addOption(configOption(io))
    .action(async (hash: string, opts: { config: string }) => {
      const config = await loadConfig(opts.config);
      const review = join(config.stateDir, STATE_FILES.review);
      const held = await readHeld(config.stateDir);
      if (!held) throw new AppError('usage', safe`Nothing is held in ${given(config.stateDir)}, so there is nothing to approve. \`procapita-sync status --config ${given(opts.config)}\` shows the last run.`);
      const prefix = hash.trim().toLowerCase().replace(/^sha256:/, '');
      // Not echoed: it may be something pasted in the wrong place.
      if (!/^[0-9a-f]{12,64}$/.test(prefix)) throw new AppError('usage', safe`That is not a snapshot hash. Give the sha256:… value from ${given(review)} (at least its first 12 hex digits).`);
      if (!held.contentHash.slice('sha256:'.length).startsWith(prefix)) {
        throw new AppError('usage', safe`The held snapshot is ${ours(held.contentHash)}; the hash given is not it, so nothing was approved. Approve the hash named in ${given(review)}.`);
      }
      const approval: Approval = { contentHash: held.contentHash, approvedBy: whoIs(io.env), approvedAt: io.now().toISOString() };
      const log = await openRunLog(config.logDir, { terminal: () => undefined, now: io.now, keep: LOG_FILES_KEPT });
      try {
        await writeStateFile(config.stateDir, STATE_FILES.approval, `${JSON.stringify(approval, null, 2)}\n`);
        log.record('info', safe`Snapshot ${ours(approval.contentHash)}, held at ${given(held.heldAt)}, approved by ${given(approval.approvedBy)}.`, { approvedBy: given(approval.approvedBy), contentHash: ours(approval.contentHash) });
      } finally {
        await log.close();
      }
      io.stdout(`Approved snapshot ${held.contentHash} (held at ${held.heldAt}) as ${approval.approvedBy}. The next run delivers it if ProCapita still gives exactly this snapshot; if anything has changed, it is held again.\n`);
    });

  program
    .command('explain')
    .description('show why a person, a group or a school unit is or is not exported')
    .argument('<query>', "a GUID, a personnummer, part of a name, or a school unit's code")
    .addOption(configOption(io))
    .addOption(dateOption())
    .action(async (query: string, opts: { config: string; date?: string }) => {
      const date = syncDate(opts.date, io);
      const config = await loadConfig(opts.config);
      const { decisions, rows, extractWarnings } = await prepare(config, date, toolContext(config, io));
      extractWarnings.forEach((w) => io.stderr(`warning: ${w}\n`));
      io.stdout(`${formatExplain(query, decisions, rows)}\n`);
    });

  program
    .command('ad-mapping')
    .description('the e-mail mapping table, from Active Directory')
    .command('build')
    .description('read Active Directory and write the mapping table (email.mappingFile), with a quality report')
    .addOption(configOption(io))
    .addOption(dateOption())
    .action(async (opts: { config: string; date?: string }) => {
      const date = syncDate(opts.date, io);
      const config = await loadConfig(opts.config);
      const { ad, mappingFile } = config.email;
      if (!ad || !mappingFile) {
        throw new AppError('config', safe`Configuration ${given(opts.config)}: building the mapping needs email.ad (the directory) and email.mappingFile (where the table goes). See \`procapita-sync help email-mapping\`.`);
      }
      const context = toolContext(config, io);
      const password = await context.credentials.get('ldapPassword');
      // ProCapita's persons, for the quality report: who is in AD but not in ProCapita, and the other way round.
      const { rows, warnings } = await readSource(config, { ...context, syncDate: date });
      warnings.forEach((w) => io.stderr(`warning: ${w}\n`));
      const started = io.now().getTime();
      const { table, accounts } = await buildFromDirectory(ad, password, rows.persons, date, {
        log: context.log,
        origin: context.credentials.origin?.('ldapPassword'),
        mappingFile,
        // Shown before a refusal too: it says why no account gave an entry.
        onReport: (r) => io.stdout(`${formatQualityReport(r)}\n\n`),
      });
      await writeMappingTable(mappingFile, table);
      const seconds = ((io.now().getTime() - started) / 1000).toFixed(1);
      io.stdout(`Wrote ${table.length} rows to ${mappingFile} (${accounts} directory accounts read in ${seconds} s).\n`);
    });

  // Commands that live in modules of their own register here, one line each.
  addCredentialsTest(credentialsCommand(program, io), io);
  registerSetup(program, io);
  registerSchedule(program, io);
  registerDoctor(program, io);
  // Last: its help text follows the exit codes, and `help` ends the list of commands.
  registerHelp(program, io);

  return program;
}

/** No arguments in a terminal (the exe double-clicked, too) starts the setup wizard. Asks `io` only without arguments. */
export function startsWizard(argv: readonly string[], io: Pick<Io, 'interactive'>): boolean {
  return argv.length === 0 && io.interactive === true;
}

/** Runs one command line and returns the exit code. Expected failures print one line, never a stack. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const program = buildProgram(io);
  try {
    if (startsWizard(argv, io)) argv = ['setup'];
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
    io.stderr(`${internalError(err)}\nThis is a bug in procapita-sync ${VERSION}. Set PROCAPITA_SYNC_DEBUG=1 to see the whole stack.\n`);
    // The stack's frames only: its first line is the message, which may quote a value.
    if (process.env.PROCAPITA_SYNC_DEBUG === '1') io.stderr(`${String((err as Error)?.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).join('\n')}\n`);
    return ExitCode.internal;
  }
}
