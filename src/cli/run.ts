/**
 * The `run` command: the imperative shell around the pipeline. It takes the
 * lock, opens the log, runs extract → decide → enrich, then the guard stage
 * (consistency gate, deletion guard, privacy gate, in that order), delivers,
 * (or sends nothing, when the roster is the one last delivered), and always
 * ends with the report: the heartbeat, last-run.json, an e-mail alert when the
 * outcome calls for one, and on Windows an event log entry.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { messagesFor } from '../messages';
import { deliveryTarget, loadConfig, type Config, type EmailAlertConfig } from '../configure/config';
import { credentialService, credentialsFrom, secretEnvNames, storeFor, type Credentials, type CredentialsOptions } from '../configure/credentials';
import { platformOf, registeredTaskAccount } from '../schedule/windows';
import { writeSnapshotToDirectory } from '../deliver/directory';
import { sendHeartbeat, type Heartbeat } from '../deliver/heartbeat';
import { uploadSnapshot } from '../deliver/https-sink';
import { encodeSnapshot, type EncodedSnapshot, type Snapshot } from '../deliver/snapshot';
import { unchangedSince } from '../deliver/unchanged';
import { fileErrorAdvice, fileErrorReason } from '../atomic-file';
import { AppError, errnoOf, ExitCode, internalError } from '../errors';
import type { CalendarDate } from '../extract/contract';
import { classesOfPersons, manifestJson, personDigests } from '../guard/baseline';
import { checkConsistency } from '../guard/consistency';
import { checkRemovals, type GuardVerdict } from '../guard/deletion';
import { checkPrivacy } from '../guard/privacy';
import { formatReview } from '../guard/review';
import { readApproval, readBaseline, readStateFile, removeStateFiles, STATE_FILES, writeStateFile, type Approval, type HeldRecord } from '../guard/state';
import { prepare, type Prepared } from '../pipeline';
import { alertKind, alertMail } from '../report/alerts';
import { sendAlertMail } from '../report/email-alert';
import { eventCreateCommand, runEventCommand } from '../report/event-log';
import { changesSince, type Changes } from '../report/changes';
import { changesOf, countsOf, exitNameOf, outcomeOf, type RunReport } from '../report/last-run';
import { leftOutCsvHeader, leftOutCsvLine } from '../report/left-out-csv';
import { leftOutOf, type LeftOutSection } from '../report/left-out';
import { unconfiguredWithStudents, type SchoolFormOverview } from '../report/overview';
import { localTime, openCsvFile, saveRunReport } from '../report/report-files';
import { MAX_ON_PAGE, runPageHtml, type TimingStep } from '../report/run-page';
import { openRunLog, terminalLog, type RunLog } from '../report/log';
import { formatSummary, PERSONAL_NUMBER_IN_EMAIL, schoolRows, type SchoolRow } from '../report/summary';
import { startRunDeadline, withinDeadline, type RunDeadline } from '../run-deadline';
import { acquireRunLock, takeoverMessage, type RunLock } from '../run-lock';
import { tlsOverrideWarning } from '../tls-trust';
import type { Io } from './io';
import { given, joined, ours, safe, type SafeText } from '../safe-text';

export const LOG_FILES_KEPT = 30;

export interface RunOptions {
  readonly configPath: string;
  /** Preview: write the snapshot into this folder instead of delivering it. */
  readonly out?: string;
  readonly syncDate: string;
  readonly version: string;
}

/** Secrets from the environment variables the configuration names, when they are set; otherwise from the credential store. */
export function credentialsFor(config: Config, io: Io): Credentials {
  return credentialsFrom(storeFor(config, io.secrets, platformOf(io)), secretEnvNames(config), io.env, credentialsOptions(config, io));
}

/** For the messages about a missing secret: the configuration to name, its store service, and its scheduled task's account. */
export const credentialsOptions = (config: Config, io: Io): CredentialsOptions => ({
  ...(config.file ? { configPath: config.file } : {}),
  platform: platformOf(io),
  service: credentialService(config),
  taskAccount: () => registeredTaskAccount(io, config.name),
});

/** What the run has got to, for the report at its end. */
interface Progress {
  config?: Config;
  snapshot?: Snapshot;
  verdict?: GuardVerdict;
  released?: Approval;
  delivery?: NonNullable<RunReport['delivery']>;
  /** Set when the snapshot was the last delivered one and was not sent again: that delivery's sync date. */
  unchangedSince?: CalendarDate;
  warnings: SafeText[];
  /** For the run report: what the run got to. */
  report?: ReportPart;
  changes?: Changes;
  review?: string;
  timings: Partial<Record<TimingStep, number>>;
  mapping?: Prepared['mapping'];
}

const counted = (s: Pick<Snapshot, 'persons' | 'groups'>) => safe`${s.persons.length} persons, ${s.groups.length} groups`;
/** Our own content hash (sha256:…), safe to name anywhere. */
const hashOf = (s: Pick<Snapshot, 'contentHash'>) => ours(s.contentHash);

/** What the run needs after build(), which extracts, decides, enriches and serialises (under the run's deadline; a preview has none). Not the decisions, nor the link rows. */
interface Built {
  /** Of the rows, only the persons: the gates after build() read no others, and the link rows are most of the read. */
  readonly rows: Pick<Prepared['rows'], 'persons'>;
  readonly extractWarnings: Prepared['extractWarnings'];
  readonly ruleWarnings: Prepared['decisions']['warnings'];
  readonly encoded: EncodedSnapshot;
  readonly snapshot: Snapshot;
  /** For the run report; absent in a preview, which writes none. */
  readonly report?: ReportPart;
  /** The mapping table the run used; absent without email.mappingFile. */
  readonly mapping?: Prepared['mapping'];
}

/** What the run report takes from the decisions, before they are let go. */
interface ReportPart {
  readonly schools: SchoolRow[];
  /** Active school units and forms with students, not configured: flagged on the page. */
  readonly unconfigured: SchoolFormOverview[];
  /** Each reason's first MAX_ON_PAGE entries: the rest are in the CSV file only. */
  readonly leftOut: LeftOutSection[];
  /** The left-out CSV, written while deciding, under its temporary name; null when it could not be. */
  readonly csvFile: string | null;
  readonly csvError?: unknown;
}

/** What decided() hands on: the roster and the persons' rows, and what the summary and the report need. */
type Decided = Pick<Built, 'extractWarnings' | 'ruleWarnings' | 'report' | 'mapping'> & { readonly roster: Prepared['roster']; readonly persons: Prepared['rows']['persons'] };

/**
 * Extract, decide and enrich; the summary, and the consistency gate over the roster. Returns only what
 * encoding and the gates after it need: the decisions and the link rows (they hold each other) are let go
 * with this function's frame, before the snapshot is serialised, and they are half of the heap by then.
 */
async function decided(config: Config, o: RunOptions, io: Io, log: RunLog, deadline?: RunDeadline): Promise<Decided> {
  // email.ad.refresh "nightly" rebuilds the mapping table first; a preview changes no file, so its rebuild stays in memory.
  const refreshMapping = { mode: o.out === undefined ? ('write' as const) : ('memory' as const), now: io.now };
  const read = (signal?: AbortSignal) => prepare(config, o.syncDate, { credentials: credentialsFor(config, io), log: (line) => log.info(line), refreshMapping, ...(signal ? { signal } : {}) }, io.hooks);
  const prepared = await (deadline ? withinDeadline(deadline, 'reading', read) : read());
  prepared.extractWarnings.forEach((w) => log.warn(w));
  const schools = schoolRows(prepared.decisions, prepared.roster);
  const unconfigured = unconfiguredWithStudents(prepared.rows, config.rules, o.syncDate);
  io.stdout(`${formatSummary(prepared.decisions, prepared.roster, prepared.email, undefined, config.rules, schools, unconfigured)}\n\n`);
  checkConsistency(prepared.roster, prepared.decisions, prepared.rows);
  const report = o.out === undefined ? reportPart(config, prepared, schools, unconfigured) : undefined;
  return {
    roster: prepared.roster,
    persons: prepared.rows.persons,
    extractWarnings: prepared.extractWarnings,
    ruleWarnings: prepared.decisions.warnings,
    ...(report ? { report } : {}),
    ...(prepared.mapping ? { mapping: prepared.mapping } : {}),
  };
}

/** The run report's part of the decisions: the page's share of who was left out, and all of them into the CSV file as they come. */
function reportPart(config: Config, prepared: Prepared, schools: SchoolRow[], unconfigured: SchoolFormOverview[]): ReportPart {
  const m = messagesFor(config.language);
  const csv = openCsvFile(config.stateDir);
  csv.add(leftOutCsvHeader(m));
  const leftOut = leftOutOf(prepared.decisions, prepared.rows, MAX_ON_PAGE, (kind, reason, entry) => csv.add(leftOutCsvLine(kind, reason, entry, m)));
  const { file, error } = csv.close();
  return { schools, unconfigured, leftOut, csvFile: file ?? null, ...(error !== undefined ? { csvError: error } : {}) };
}

async function build(config: Config, o: RunOptions, io: Io, log: RunLog, deadline?: RunDeadline): Promise<Built> {
  const { roster, persons, extractWarnings, ruleWarnings, report, mapping } = await decided(config, o, io, log, deadline);
  // Serialised once, in the form the target takes: the upload's gzip compresses while the guard stage runs.
  const encoded = encodeSnapshot(roster, o.version, io.now(), config.target?.type === 'https' && o.out === undefined ? 'gzip' : 'json');
  return { rows: { persons }, extractWarnings, ruleWarnings, encoded, snapshot: encoded.snapshot, ...(report ? { report } : {}), ...(mapping ? { mapping } : {}) };
}

/** The snapshot's JSON, which build() makes for a folder. */
function jsonOf({ body }: EncodedSnapshot): readonly Buffer[] {
  if (body.kind !== 'json') throw new Error('the snapshot was encoded for an upload, not for a folder'); // a bug: build() chooses by the target
  return body.pieces;
}

/** `run --out DIR`: the snapshot for a person to look at. Not a delivery: no lock, no baseline, no report. */
async function preview(config: Config, o: RunOptions & { out: string }, io: Io): Promise<void> {
  const log = terminalLog((line) => io.stderr(`${line}\n`));
  const tls = tlsOverrideWarning(io.env);
  if (tls) log.warn(tls);
  const { encoded, snapshot, rows } = await build(config, o, io, log);
  const baseline = await readBaseline(config.stateDir).catch(() => undefined);
  const verdict = checkRemovals(snapshot, baseline ?? null, config.guard.limits, config.rules.schools);
  checkPrivacy(snapshot, rows, config.rules);
  const file = await writeSnapshotToDirectory(snapshot, jsonOf(encoded), o.out);
  const guard =
    verdict.decision === 'pass'
      ? ['The deletion guard would pass it.', ...verdict.notes.map((n) => `  ${n}`)].join('\n')
      : `The deletion guard would hold it: ${verdict.reasons.join('; ')}.`;
  io.stdout(`Snapshot ${snapshot.contentHash} written to ${file}: ${counted(snapshot)}.\n${guard}\n(--out is a preview, not a delivery: the baseline and approvals are left as they are.)\n`);
}

async function deliver(p: Progress, config: Config, o: RunOptions, io: Io, log: RunLog, deadline: RunDeadline): Promise<void> {
  const target = config.target!;
  const started = io.now().getTime();
  const { encoded, snapshot, rows, ruleWarnings, extractWarnings, report, mapping } = await build(config, o, io, log, deadline);
  p.timings.read = io.now().getTime() - started;
  p.snapshot = snapshot;
  if (mapping) p.mapping = mapping;
  if (report) {
    p.report = report;
    if (report.csvError !== undefined) log.warn(safe`The run report's list of everyone left out (CSV) could not be written in ${given(join(config.stateDir, 'reports'))}: ${fileErrorReason(report.csvError)}. The report itself lists them.`);
  }
  p.warnings.push(...extractWarnings, ...ruleWarnings);
  log.record('info', safe`Snapshot ${hashOf(snapshot)} built: ${counted(snapshot)}.`, { contentHash: hashOf(snapshot), counts: { ...countsOf(snapshot) } });
  ruleWarnings.forEach((w) => log.record('warn', w));
  if (config.rules.allowPersonalNumberInEmail) log.record('warn', PERSONAL_NUMBER_IN_EMAIL);

  // Read once the snapshot is built, not while ProCapita streams its rows: read then, it and its file's bytes
  // were held through decide and serialisation, the run's peak, for 70-100 MB more on large and no time gained.
  // Dropped once the guard is done with it: its id lists are tens of megabytes, which need not live through the delivery.
  let baseline = (await readBaseline(config.stateDir)) ?? null;
  const verdict = checkRemovals(snapshot, baseline, config.guard.limits, config.rules.schools);
  p.verdict = verdict;
  const classes = classesOfPersons(snapshot);
  const digests = personDigests(snapshot, classes);
  if (baseline) p.changes = changesSince(snapshot, digests, classes, baseline, rows);
  let approval: Approval | undefined;
  if (verdict.decision === 'hold') {
    const a = await readApproval(config.stateDir);
    if (a?.contentHash === snapshot.contentHash) {
      approval = p.released = a;
      // approval.json is ours: the approver's account name, a time and our hash.
      const [by, at] = [given(a.approvedBy), given(a.approvedAt)];
      log.info(safe`The deletion guard would hold this snapshot, but ${by} approved exactly it at ${at}: delivering it.`, { approvedBy: by, approvedAt: at, contentHash: ours(a.contentHash) });
    } else if (a) {
      // An approval is for the next run's snapshot only: the one a person reviewed, not one that may come back days later.
      await removeStateFiles(config.stateDir, STATE_FILES.approval);
      log.info(safe`The approval by ${given(a.approvedBy)} was for ${ours(a.contentHash)}, not for this snapshot, so it does not apply and has been withdrawn.`);
    }
  }
  // After the approval is read, so that the line says what happens: passed, held, or held and released.
  const decision = verdict.decision === 'pass' ? safe`passed` : approval ? safe`held, and released by the approval of ${given(approval.approvedBy)}` : safe`held`;
  const guardLine = joined([safe`Deletion guard: ${decision}.`, ...verdict.notes.map((n) => safe`  ${n}`)], '\n');
  io.stdout(`${guardLine}\n`);
  log.record('info', guardLine, { decision: ours(verdict.decision), reasons: verdict.reasons, baseline: verdict.baseline ? ours(verdict.baseline.contentHash) : null });

  // The last step before anything is written: the review file and the target alike.
  checkPrivacy(snapshot, rows, config.rules);
  p.timings.guard = io.now().getTime() - started - p.timings.read;

  if (verdict.decision === 'hold' && !approval) {
    const held: HeldRecord = { contentHash: snapshot.contentHash, heldAt: io.now().toISOString(), syncDate: o.syncDate, reasons: verdict.reasons };
    const review = join(config.stateDir, STATE_FILES.review);
    p.review = formatReview(verdict, held, baseline, rows);
    await writeStateFile(config.stateDir, STATE_FILES.review, p.review);
    await writeStateFile(config.stateDir, STATE_FILES.held, `${JSON.stringify(held, null, 2)}\n`);
    throw new AppError(
      'heldByGuard',
      safe`The deletion guard held snapshot ${hashOf(snapshot)}: ${joined(verdict.reasons, '; ')}. Nothing was delivered. Read ${given(review)}; if the removals are right, run: procapita-sync approve ${hashOf(snapshot)} --config ${given(o.configPath)}`,
    );
  }
  const since = unchangedSince(baseline, snapshot.contentHash, o.syncDate, target.resendAfterDays);
  baseline = null;
  if (since !== undefined) {
    p.unchangedSince = since;
    p.delivery = { importId: null, status: safe`the same as the snapshot delivered for ${given(since)}; a full copy goes again ${target.resendAfterDays} days after that`, attempts: 0 };
    io.stdout(`Snapshot ${snapshot.contentHash} is the one delivered for ${since}: nothing sent (${counted(snapshot)}).\n`);
    log.record('info', safe`Snapshot ${hashOf(snapshot)} is unchanged since the delivery for ${given(since)}: not sent again.`, { contentHash: hashOf(snapshot), unchangedSince: given(since) });
    // The baseline stays as it is: its sync date says when the roster was last sent.
    await removeStateFiles(config.stateDir, STATE_FILES.approval, STATE_FILES.held, STATE_FILES.review);
    return;
  }

  let importId: string | null = null;
  if (target.type === 'directory') {
    const file = await writeSnapshotToDirectory(snapshot, jsonOf(encoded), target.path);
    p.delivery = { importId: null, status: safe`written to ${given(file)}`, attempts: 1 };
    io.stdout(`Snapshot ${snapshot.contentHash} written to ${file}: ${counted(snapshot)}.\n`);
  } else {
    const result = await withinDeadline(deadline, 'uploading', (signal) =>
      uploadSnapshot(encoded, target, o.version, {
        credentials: credentialsFor(config, io),
        env: io.env,
        log: (line) => log.info(line),
        sleep: io.sleep,
        now: () => io.now().getTime(),
        random: io.random,
        signal,
      }),
    );
    importId = result.importId;
    p.delivery = { importId: result.importId, status: result.status, attempts: result.attempts };
    const theirs = result.counts ? ` (the service counted ${Object.entries(result.counts).map(([k, v]) => `${v} ${k}`).join(', ')})` : '';
    io.stdout(`Uploaded snapshot ${snapshot.contentHash}: ${counted(snapshot)}. Import ${result.importId}, ${result.status}${theirs}, after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}.\n`);
  }
  p.timings.deliver = io.now().getTime() - started - p.timings.read - p.timings.guard;
  log.record('info', safe`Delivered snapshot ${hashOf(snapshot)}.`, { contentHash: hashOf(snapshot), delivery: { importId: p.delivery!.importId, status: p.delivery!.status, attempts: p.delivery!.attempts }, ...(approval ? { approvedBy: given(approval.approvedBy) } : {}) });
  try {
    await writeStateFile(config.stateDir, STATE_FILES.baseline, manifestJson(snapshot, io.now(), importId, digests));
  } catch (err) {
    throw new AppError(
      'outputFailed',
      safe`The snapshot was delivered${importId ? safe` (import ${ours(importId)})` : ''}, but the baseline could not be saved: ${err instanceof AppError ? err.message : errnoOf(err)} Until it is, the deletion guard compares with the previous baseline.`,
    );
  }
  await removeStateFiles(config.stateDir, STATE_FILES.approval, STATE_FILES.held, STATE_FILES.review);
}

/** The end of every run that got the lock: heartbeat, then last-run.json (only with the lock: another run may own the state). */
async function report(p: Progress, config: Config, o: RunOptions, io: Io, log: RunLog, startedAt: Date, failure: unknown, withLock = true): Promise<void> {
  const exitName = failure === undefined ? 'ok' : exitNameOf(failure);
  const outcome = outcomeOf(exitName, p.unchangedSince !== undefined);
  // Read before this run's replaces it: whether this run is the first good one after a bad one.
  const previous = withLock && config.alerts.email ? await previousOutcome(config.stateDir) : undefined;
  const endedAt = io.now();
  let heartbeat: SafeText = safe`not sent`;
  if (config.target?.type === 'https') {
    const beat: Heartbeat = {
      agent: { name: 'procapita-sync', version: o.version },
      startedAt: startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      outcome,
      exitCode: ExitCode[exitName],
      exitName,
      syncDate: o.syncDate,
      contentHash: p.snapshot?.contentHash ?? null,
      importId: p.delivery?.importId ?? null,
    };
    const why = await sendHeartbeat(beat, config.target, { credentials: credentialsFor(config, io), env: io.env });
    heartbeat = why ? safe`failed (${why})` : safe`sent`;
    // After a failed run the cause is usually the same; the terminal has shown it already.
    if (why && failure === undefined) log.warn(safe`The heartbeat to the service failed (${why}); the run's outcome stands.`);
    else if (why) log.record('warn', safe`The heartbeat to the service failed (${why}).`);
  }
  if (!withLock) return;
  const v = p.verdict;
  const r: RunReport = {
    formatVersion: 1,
    agentVersion: o.version,
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    exitCode: ExitCode[exitName],
    exitName,
    outcome,
    syncDate: o.syncDate,
    target: config.target?.type ?? null,
    contentHash: p.snapshot?.contentHash ?? null,
    counts: p.snapshot ? countsOf(p.snapshot) : null,
    changes: v ? changesOf(v) : null,
    guard: v
      ? {
          decision: v.decision === 'pass' ? 'pass' : p.released ? 'released' : 'hold',
          reasons: v.reasons,
          notes: v.notes,
          baselineHash: v.baseline?.contentHash ?? null,
          approval: p.released ? { approvedBy: given(p.released.approvedBy), approvedAt: given(p.released.approvedAt) } : null,
        }
      : null,
    delivery: p.delivery ?? null,
    heartbeat,
    warnings: p.warnings,
    ...(p.mapping ? { mappingTable: p.mapping } : {}),
    error: failure === undefined ? null : { code: exitName, message: failure instanceof AppError ? failure.message : safe`internal error: see the log` },
  };
  const page = await saveReport(p, config, r, o, io).catch((err: unknown) => {
    log.warn(safe`The run report could not be written in ${given(join(config.stateDir, 'reports'))}: ${err instanceof AppError ? err.message : fileErrorReason(err)}. ${fileErrorAdvice(err, safe`stateDir`)}.`);
    return null;
  });
  const withReport: RunReport = { ...r, report: page };
  await writeStateFile(config.stateDir, STATE_FILES.lastRun, `${JSON.stringify(withReport, null, 2)}\n`);
  if (config.alerts.email) await alert(config, config.alerts.email, withReport, previous, o, io, log);
}

/** The run's HTML report and left-out CSV in stateDir/reports/, and the index of runs. Returns the report's path. */
async function saveReport(p: Progress, config: Config, r: RunReport, o: RunOptions, io: Io): Promise<string> {
  const messages = messagesFor(config.language);
  const countOf = (l: { total: number } | null) => l?.total ?? 0;
  const c = p.changes;
  const saved = await saveRunReport(
    config.stateDir,
    {
      csvFile: p.report?.csvFile ?? null,
      page: (csvName) =>
        runPageHtml(
          {
            run: r,
            lang: config.language,
            timings: p.timings,
            schools: p.report?.schools ?? null,
            unconfigured: p.report?.unconfigured ?? [],
            changes: c ?? null,
            leftOut: p.report?.leftOut ?? null,
            review: r.outcome === 'held' ? (p.review ?? null) : null,
            approve: r.outcome === 'held' && r.contentHash ? approveCommand(r.contentHash, o) : null,
            unchangedSince: p.unchangedSince ?? null,
            csvName,
            keepDays: config.reports.keepDays,
            localTime,
          },
          messages,
        ),
    },
    {
      startedAt: r.startedAt,
      syncDate: r.syncDate,
      outcome: r.outcome,
      exitCode: r.exitCode,
      counts: r.counts ? { students: r.counts.students, staff: r.counts.staff, groups: r.counts.classes + r.counts.teachingGroups } : null,
      changes: c
        ? countOf(c.persons.added) + countOf(c.persons.removed) + c.persons.notListed + countOf(c.persons.changed) + countOf(c.groups.added) + countOf(c.groups.removed) + countOf(c.groups.changed)
        : null,
    },
    { keepDays: config.reports.keepDays, now: io.now(), lang: config.language, messages },
  );
  return saved.html;
}

const approveCommand = (hash: string, o: RunOptions) => `procapita-sync approve ${hash} --config ${o.configPath}`;

async function previousOutcome(stateDir: string): Promise<RunReport['outcome'] | undefined> {
  const last = await readStateFile<RunReport>(stateDir, STATE_FILES.lastRun, safe`the last run`, (x) => (x as RunReport | null)?.formatVersion === 1).catch(() => undefined);
  return last?.outcome;
}

/** The e-mail alert, when this outcome calls for one. Never throws: a failed alert is a warning in the log. */
async function alert(config: Config, cfg: EmailAlertConfig, r: RunReport, previous: RunReport['outcome'] | undefined, o: RunOptions, io: Io, log: RunLog): Promise<void> {
  const kind = alertKind(r.outcome, previous, cfg.everyRun);
  if (!kind) return;
  const mail = alertMail(
    kind,
    r,
    {
      server: hostname(),
      schools: config.rules.schools,
      details: r.report ?? join(config.stateDir, STATE_FILES.lastRun),
      ...(r.outcome === 'held' && r.contentHash ? { approve: approveCommand(r.contentHash, o) } : {}),
    },
    messagesFor(config.language),
  );
  const why = await sendAlertMail(cfg, mail, credentialsFor(config, io)).catch((err: unknown) => internalError(err));
  if (why) log.warn(safe`The e-mail alert could not be sent: ${why} The run's outcome stands.`);
  else log.info(safe`E-mail alert (${ours(kind)}) sent to ${cfg.to.length} recipient(s).`);
}

export async function runCommand(o: RunOptions, io: Io): Promise<void> {
  const startedAt = io.now();
  const p: Progress = { warnings: [], timings: {} };
  let log: RunLog = terminalLog((line) => io.stderr(`${line}\n`));
  let lock: RunLock | undefined;
  let failure: unknown;
  try {
    const config = (p.config = await loadConfig(o.configPath));
    if (o.out !== undefined) return await preview(config, { ...o, out: o.out }, io);
    const target = deliveryTarget(config);
    const deadline = startRunDeadline(config.runDeadlineSeconds);
    lock = await acquireRunLock(config.stateDir, startedAt);
    log = await openRunLog(config.logDir, { terminal: (line) => io.stderr(`${line}\n`), now: io.now, keep: LOG_FILES_KEPT, bindings: { syncDate: given(o.syncDate) } });
    log.record('info', safe`Run started: procapita-sync ${ours(o.version)}, sync date ${given(o.syncDate)}.`, { version: ours(o.version), target: target.type === 'https' ? safe`https` : safe`directory` });
    if (lock.tookOver) {
      const h = lock.tookOver.holder;
      log.warn(takeoverMessage(lock.tookOver), { staleLock: h ? { pid: h.pid, host: given(h.host), startedAt: given(h.startedAt) } : null, lockAgeSeconds: Math.round(lock.tookOver.ageMs / 1000) });
    }
    // A scheduled task discards stderr: the log file and last-run.json keep the warning.
    const tls = tlsOverrideWarning(io.env);
    if (tls) {
      log.warn(tls);
      p.warnings.push(tls);
    }
    await deliver(p, config, o, io, log, deadline);
  } catch (err) {
    failure = err;
  }
  if (o.out === undefined) failure = await finish(p, o, io, log, lock, startedAt, failure);
  if (failure !== undefined) throw failure;
}

const messageOf = (failure: unknown): SafeText => (failure instanceof AppError ? failure.message : failure === undefined ? safe`` : internalError(failure));

/**
 * A run that kept going without its log file, or without last-run.json, did
 * not end well: an otherwise good run ends with outputFailed. A worse outcome
 * stands, with the failure among its warnings.
 */
function keptFiles(failure: unknown, lost: SafeText, p: Progress): unknown {
  if (failure !== undefined) {
    p.warnings.push(lost);
    return failure;
  }
  return new AppError('outputFailed', safe`${lost} The run itself went on to its end.`);
}

/**
 * Never throws: whatever goes wrong here is logged, the lock is released, and
 * the run's outcome stands, except that a good run whose log or last-run.json
 * could not be written ends with outputFailed. Returns the run's failure.
 */
async function finish(p: Progress, o: RunOptions, io: Io, log: RunLog, lock: RunLock | undefined, startedAt: Date, failure: unknown): Promise<unknown> {
  const logLost = log.failure();
  if (logLost) failure = keptFiles(failure, logLost, p);
  const recordFailure = () => {
    const name = exitNameOf(failure);
    log.record('error', messageOf(failure), { exitCode: ExitCode[name], exitName: ours(name) });
  };
  if (failure !== undefined) recordFailure();
  if (lock && p.config) {
    try {
      await report(p, p.config, o, io, log, startedAt, failure);
    } catch (err) {
      const lost = safe`last-run.json was not written: ${err instanceof AppError ? err.message : internalError(err)}`;
      log.warn(lost);
      if (failure === undefined) {
        failure = keptFiles(failure, lost, p);
        recordFailure();
      }
    }
  } else if (p.config && exitNameOf(failure) === 'outputFailed') {
    // The lock itself could not be written (a full state disk): no last-run.json, but the service still hears of the night.
    await report(p, p.config, o, io, log, startedAt, failure, false).catch(() => undefined);
  }
  const exitName = failure === undefined ? 'ok' : exitNameOf(failure);
  const message = messageOf(failure);
  const eventLog = io.eventLog ?? (process.platform === 'win32' ? runEventCommand : undefined);
  // Every run, good ones too: monitoring that filters on the event id sees each night (docs/operations.md).
  if (eventLog) {
    const details = p.config ? join(p.config.stateDir, STATE_FILES.lastRun) : o.configPath;
    const why = await eventLog(eventCreateCommand(exitName, message, details, p.unchangedSince !== undefined)).catch((err: unknown) => errnoOf(err));
    if (why) log.warn(safe`Could not write to the Windows event log: ${why}`);
  }
  const outcome = outcomeOf(exitName, p.unchangedSince !== undefined);
  log.record('info', safe`Run ended: ${outcome}, exit code ${ExitCode[exitName]} (${exitName}).`, { exitCode: ExitCode[exitName], exitName: ours(exitName), outcome: ours(outcome) });
  await lock?.release().catch(() => undefined);
  await log.close();
  return failure;
}
