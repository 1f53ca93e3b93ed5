/**
 * The checks behind `doctor`, `credentials test` and the setup wizard. Each
 * one tries the real thing the nightly run needs (log in to SQL Server and
 * run the schema check, bind to the directory, ping the upload service,
 * write in the folders) and says in one result whether it works and, when
 * it does not, what to do. A check never throws; its text never holds a
 * secret or a stack.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileErrorReason, makePrivateFolder, writePrivateFile } from '../atomic-file';
import type { Config, EmailAlertConfig, HttpsTargetConfig } from '../configure/config';
import { describeSecret, sameAccount, type Credentials, type SecretName } from '../configure/credentials';
import { dispatcherFor, keyRefused, networkOutcome } from '../deliver/https-sink';
import { probeDirectory } from '../enrich/ad-mapping';
import { AppError, ExitCode, internalError, type ExitCodeName, type FailureKind } from '../errors';
import { readFixture } from '../extract/fixture-source';
import { readSchoolUnits, probeSqlSource } from '../extract/sql-source';
import { QUERY_NAMES, type CalendarDate, type SourceRows } from '../extract/contract';
import { datesFor } from '../decide/checks';
import { REASONS } from '../decide/reasons';
import { decideSchools } from '../decide/school-units';
import { unitCodeKey } from '../configure/unit-code';
import { describeLastResult, taskName, type TaskStatus } from '../schedule/task';
import type { AlertMail } from '../report/alerts';
import { sendAlertMail, smtpWhere, whyMailFailed, withSmtp } from '../report/email-alert';
import { EVENT_SOURCE, registerSourceLine, sourceQueryCommand } from '../report/event-log';
import { currentAccount, execCommand, onWindows, runasHint, taskStatus } from '../schedule/windows';
import { credentialsFor } from './run';
import { batchLogonCommand, parseBatchLogon, type BatchLogonRight } from './batch-logon';
import type { Io } from './io';
import { given, ours, safe, type SafeText } from '../safe-text';

/** When a check passed, the facts its label was made from, for a caller that says it in other words (the setup wizard in Swedish). */
export type CheckFound =
  | { readonly check: 'fixture'; readonly path: string }
  | { readonly check: 'sql'; readonly server: string; readonly database: string; readonly isolation: string }
  | { readonly check: 'ldap'; readonly url: string; readonly bindDn: string; readonly baseDn: string }
  | { readonly check: 'target'; readonly url: string }
  | { readonly check: 'proxy'; readonly proxy: string; readonly url: string; readonly status: number }
  | { readonly check: 'smtp'; readonly server: string; readonly tls: string; readonly user: string | null }
  | { readonly check: 'testAlert'; readonly to: string };

export interface CheckResult {
  readonly ok: boolean;
  /** What was checked; when it passed, what was found ("API key readable from environment variable X"). */
  readonly label: string;
  /** When it failed: what is wrong and what to do. Empty when it passed. */
  readonly detail: SafeText;
  /** When it failed: the exit code a run would end with for the same cause. */
  readonly code?: ExitCodeName;
  /** The secret a secrets check is about. */
  readonly secret?: SecretName;
  /** When it failed: a kind of failure the wizard says in its own questions' words. */
  readonly kind?: FailureKind;
  /** When it passed, for the checks the wizard runs: what was found, as facts. */
  readonly found?: CheckFound;
}

/** One line: `✓ label` or `✗ label: detail`. */
export function formatCheck(r: CheckResult): string {
  return r.ok ? `✓ ${r.label}` : `✗ ${r.label}: ${r.detail}`;
}

const passed = (label: string, found?: CheckFound): CheckResult => ({ ok: true, label, detail: safe``, ...(found ? { found } : {}) });

/** A failed check from whatever was thrown: an AppError's message and code as they are, anything else as a bug. */
export function failed(label: string, err: unknown): CheckResult {
  if (err instanceof AppError) return { ok: false, label, detail: err.message, code: err.code, ...(err.kind ? { kind: err.kind } : {}) };
  return { ok: false, label, detail: internalError(err), code: 'internal' };
}

/** "SQL password", "Directory (LDAP) bind password", …: a secret's name at the start of a line. */
export const secretWords = (name: SecretName) => describeSecret(name).replace(/^./, (c) => c.toUpperCase());

/** The secrets this configuration needs, in the order doctor lists them. */
export function neededSecrets(config: Config): SecretName[] {
  const needed: SecretName[] = [];
  if (config.source.type === 'sql') needed.push('sqlPassword');
  if (config.email.ad) needed.push('ldapPassword');
  if (config.target?.type === 'https') {
    needed.push('apiKey');
    if (config.target.proxy?.user) needed.push('proxyPassword');
  }
  if (config.alerts.email?.user) needed.push('smtpPassword');
  return needed;
}

/**
 * Every secret the configuration needs can be read, where a run reads it: the
 * environment variable the configuration names, when it is set, else the
 * credential store. Only whether it is there: checkSql and the others try
 * whether it works.
 */
export async function checkSecrets(config: Config, io: Io): Promise<CheckResult[]> {
  const credentials = credentialsFor(config, io);
  const results: CheckResult[] = [];
  for (const name of neededSecrets(config)) {
    try {
      await credentials.get(name);
      results.push({ ...passed(`${secretWords(name)} readable from ${credentials.origin!(name)}`), secret: name });
    } catch (err) {
      results.push({ ...failed(secretWords(name), err), secret: name });
    }
  }
  return results;
}

/** Where SQL Server is, as messages name it. */
export function sqlWhere(source: Extract<Config['source'], { type: 'sql' }>): string {
  return `${sqlServer(source)}, database ${source.database}`;
}

/**
 * The configured schools against ProCapita's school units, by the rules' own school rule: a code or a form
 * ProCapita does not have fails the check (a typo); a school not active on `date` is named on the passed line,
 * as runs leave it out without failing.
 */
export async function checkSchools(config: Config, credentials: Credentials, date: CalendarDate): Promise<CheckResult> {
  const label = 'Configured schools';
  try {
    const source = config.source;
    const units = source.type === 'fixture' ? await readFixture(source.path) : await readSchoolUnits(source, await credentials.get('sqlPassword'), credentials.origin?.('sqlPassword'));
    const rows = { ...(Object.fromEntries(QUERY_NAMES.map((q) => [q, []])) as unknown as SourceRows), schoolUnits: units.schoolUnits, schoolUnitForms: units.schoolUnitForms };
    const schools = decideSchools(rows, config.rules, datesFor(date, config.rules)).schools;
    // Named as the configuration spells them: a decision for a unit that exists carries ProCapita's spelling, a value read from it.
    const spelled = new Map(config.rules.schools.map((c) => [unitCodeKey(c.unitCode), c.unitCode]));
    const named = (reasons: readonly string[]) =>
      schools.filter((s) => s.reason && reasons.includes(s.reason)).map((s) => `${spelled.get(unitCodeKey(s.unitCode)) ?? s.unitCode}/${s.schoolForm} (${REASONS[s.reason!]})`);
    const unknown = named(['school-not-found', 'school-form-missing']);
    if (unknown.length > 0) {
      return failed(label, new AppError('config', safe`${ours(String(unknown.length))} of ${ours(String(schools.length))} not in ProCapita: ${given(unknown.join(', '))}. Correct the school list (schools in the configuration, or the setup wizard's step 2).`));
    }
    const inactive = named(['school-unit-inactive', 'school-form-inactive']);
    const active = schools.length - inactive.length;
    return passed(`${label}: ${active} of ${schools.length} in ProCapita and active on ${date}${inactive.length ? `; not active, so left out: ${inactive.join(', ')}` : ''}`);
  } catch (err) {
    return failed(label, err);
  }
}

/** The server part of sqlWhere: host\instance or host:port. */
export function sqlServer(source: Extract<Config['source'], { type: 'sql' }>): string {
  return source.instanceName ? `${source.host}\\${source.instanceName}` : `${source.host}:${source.port ?? 1433}`;
}

/**
 * SQL Server: log in with the configured settings, read-only, and run the
 * schema check a run makes before reading; nothing is read and the
 * transaction is rolled back. A fixture source: the file reads.
 */
export async function checkSql(config: Config, credentials: Credentials): Promise<CheckResult> {
  const source = config.source;
  if (source.type === 'fixture') {
    const label = `Fixture ${source.path}`;
    try {
      await readFixture(source.path);
      return passed(`${label} readable`, { check: 'fixture', path: source.path });
    } catch (err) {
      return failed(label, err);
    }
  }
  const label = `SQL Server ${sqlWhere(source)}`;
  try {
    const isolation = await probeSqlSource(source, await credentials.get('sqlPassword'), undefined, credentials.origin?.('sqlPassword'));
    return passed(`${label}: login and schema check passed (reads at ${isolation} isolation)`, { check: 'sql', server: sqlServer(source), database: source.database, isolation });
  } catch (err) {
    return failed(label, err);
  }
}

/** Active Directory, when the configuration has one: bind as the service account and read the base DN. */
export async function checkLdap(config: Config, credentials: Credentials): Promise<CheckResult | undefined> {
  const ad = config.email.ad;
  if (!ad) return undefined;
  const label = `Directory ${ad.url}`;
  try {
    await probeDirectory(ad, await credentials.get('ldapPassword'), credentials.origin?.('ldapPassword'));
    return passed(`${label}: bind as ${ad.bindDn} and read of ${ad.baseDn} passed`, { check: 'ldap', url: ad.url, bindDn: ad.bindDn, baseDn: ad.baseDn });
  } catch (err) {
    return failed(label, err);
  }
}

/** The ping endpoint next to the snapshot endpoint (docs/upload-api.md): …/v1/snapshots → …/v1/ping. */
export function pingUrl(target: { url: string }): string {
  return new URL('ping', target.url.replace(/\/+$/, '')).href;
}

export interface PingOptions {
  /** Send no API key when it cannot be read, and count any answer from the service as a pass: for testing the proxy alone. */
  readonly proxyOnly?: boolean;
}

/**
 * The upload service, for an https target: GET /v1/ping with the API key,
 * the way an upload goes (the same proxy, CA file and timeouts). 200 passes;
 * 401 and 403 are the key; no answer is the network, TLS or the proxy.
 */
export async function checkTarget(config: Config, credentials: Credentials, env: NodeJS.ProcessEnv, o: PingOptions = {}): Promise<CheckResult | undefined> {
  const target = config.target;
  if (target?.type !== 'https') return undefined;
  const url = pingUrl(target);
  const proxy = target.proxy?.url ?? env.HTTPS_PROXY ?? env.https_proxy ?? '(none)';
  const label = o.proxyOnly ? `Proxy ${proxy} to ${url}` : `Upload service ${url}`;
  try {
    const apiKey = o.proxyOnly ? await credentials.get('apiKey').catch(() => undefined) : await credentials.get('apiKey');
    const status = await ping(target, url, apiKey, credentials, env);
    if (o.proxyOnly) return passed(`${label}: the service answered through the proxy (HTTP ${status})`, { check: 'proxy', proxy, url, status });
    if (status === 200) return passed(`${label}: reachable, API key accepted`, { check: 'target', url });
    if (status === 401 || status === 403) throw keyRefused(status, target, credentials);
    if (status === 429 || status >= 500) {
      throw new AppError('uploadFailed', safe`The upload service answered the ping with HTTP ${status}: it is reachable but not working now. Try again later; if it lasts, ask the service's support.`);
    }
    throw new AppError('uploadRejected', safe`The upload service answered the ping with HTTP ${status}. Check target.url: it should be the service's snapshot endpoint, ending in /v1/snapshots (\`procapita-sync help upload-api\`).`);
  } catch (err) {
    return failed(label, err);
  }
}

async function ping(target: HttpsTargetConfig, url: string, apiKey: string | undefined, credentials: Credentials, env: NodeJS.ProcessEnv): Promise<number> {
  const { request } = await import('undici');
  const dispatcher = await dispatcherFor(target, { env, credentials });
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher,
      headers: { ...(apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {}), 'user-agent': 'procapita-sync doctor' },
      headersTimeout: target.headersTimeoutSeconds * 1000,
      bodyTimeout: target.bodyTimeoutSeconds * 1000,
    });
    await res.body.dump();
    return res.statusCode;
  } catch (err) {
    const host = new URL(url).host;
    const outcome = networkOutcome(err, host);
    if (outcome.kind === 'fail') throw outcome.error;
    throw new AppError(
      'uploadFailed',
      safe`Cannot reach the upload service at ${given(host)} (${outcome.why}). Check target.url, that this server may connect to it on its port (firewall; a proxy goes in target.proxy or HTTPS_PROXY), and that the service is up.`,
    );
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
}

/**
 * The log folder and the state folder, and a directory target's folder: each
 * exists or can be made, and a file can be written in it and removed again.
 */
export async function checkFolders(config: Config): Promise<CheckResult[]> {
  const results = [await checkFolder('Log folder', config.logDir, 'logDir'), await checkFolder('State folder', config.stateDir, 'stateDir')];
  if (config.target?.type === 'directory') results.push(await checkFolder('Snapshot folder', config.target.path, 'target.path'));
  return results;
}

async function checkFolder(what: string, dir: string, setting: string): Promise<CheckResult> {
  const label = `${what} ${dir}`;
  const probe = join(dir, `.procapita-sync-doctor-${process.pid}.tmp`);
  try {
    await makePrivateFolder(dir);
    await writePrivateFile(probe, 'procapita-sync doctor\n');
    await rm(probe);
    return passed(`${label} writable`);
  } catch (err) {
    await rm(probe, { force: true }).catch(() => undefined);
    return failed(
      label,
      new AppError('outputFailed', safe`Cannot write in ${given(dir)}: ${fileErrorReason(err)}. Give the account that runs procapita-sync write access to the folder, or set ${ours(setting)} in the configuration.`),
    );
  }
}

/** Last results that say nothing is wrong: success, ready, running, has not run yet. */
const FINE_RESULTS = new Set([0, 0x41300, 0x41301, 0x41303]);
/** Last results that are Windows refusing the account's logon. */
const LOGON_RESULTS = new Set([0x80070569, 0x800710e0, 0x8007052e, 0x80070532, 0x80070533, 0x80070775, 0x800704dd]);

/** A task's last result as the exit code doctor ends with: procapita-sync's own, access denied for a refused logon, else the setup. */
function lastResultCode(result: number): ExitCodeName {
  const own = (Object.keys(ExitCode) as ExitCodeName[]).find((name) => ExitCode[name] === result);
  return own ?? (LOGON_RESULTS.has(result) ? 'accessDenied' : 'config');
}

/** Whether `account` has "Log on as a batch job"; unknown whenever it cannot be read. Never throws. */
async function batchLogonRight(account: string, io: Io): Promise<BatchLogonRight> {
  try {
    return parseBatchLogon(await (io.exec ?? execCommand)(batchLogonCommand(account)), account);
  } catch {
    return { state: 'unknown', why: 'PowerShell could not be run' };
  }
}

/** The e-mail alerts' SMTP server: connects, secures the connection and logs in as a run's alert would. Undefined without alerts. */
export async function checkSmtp(config: Config, credentials: Credentials): Promise<CheckResult | undefined> {
  const cfg = config.alerts.email;
  if (!cfg) return undefined;
  const label = smtpLabel(cfg);
  try {
    await withSmtp(cfg, credentials, (t) => t.verify());
    const tls = cfg.security === 'tls' ? 'TLS' : 'STARTTLS';
    return passed(`${label}: ${tls}${cfg.user ? `, logged in as ${cfg.user}` : ''}`, { check: 'smtp', server: smtpWhere(cfg), tls, user: cfg.user ?? null });
  } catch (err) {
    return failed(label, new AppError('config', whyMailFailed(err, cfg)));
  }
}

/** What doctor calls the SMTP server check, checked or not (without its password). */
export const smtpLabel = (cfg: EmailAlertConfig): string => `SMTP server ${smtpWhere(cfg)} (e-mail alerts)`;

/** `doctor --send-test-alert`: one test message through the alerts' SMTP server, to every recipient. */
export async function checkTestAlert(config: Config, credentials: Credentials, mail: AlertMail): Promise<CheckResult> {
  const cfg = config.alerts.email;
  if (!cfg) return failed('Test alert', new AppError('usage', safe`there are no e-mail alerts in the configuration (alerts.email, \`procapita-sync help configuration\`).`));
  const label = `Test alert to ${cfg.to.length} recipient(s)`;
  const why = await sendAlertMail(cfg, mail, credentials);
  return why ? failed(label, new AppError('config', why)) : passed(`${label} sent: ${cfg.to.join(', ')}`, { check: 'testAlert', to: cfg.to.join(', ') });
}

/**
 * The Windows event log's source, which each run writes its entry under: only
 * an administrator can create it, and without it the task's least-privileged
 * account writes nothing there. Not a line elsewhere (there is no event log).
 */
export async function checkEventSource(io: Io): Promise<CheckResult | undefined> {
  if (!onWindows(io)) return undefined;
  const label = `Event source ${EVENT_SOURCE} (Application log)`;
  const exec = io.exec ?? execCommand;
  const r = await exec(sourceQueryCommand).catch((err: unknown) => err);
  if (!(r instanceof Error) && (r as { code: number }).code === 0) return passed(`${label} is registered`);
  return failed(label, new AppError('config', safe`not registered, so the nightly runs cannot write to the event log, and monitoring that reads it sees nothing. Run this once in a command prompt opened as an administrator: ${ours(registerSourceLine)} (or run procapita-sync setup as an administrator).`));
}

/**
 * The scheduled task (Windows Task Scheduler): registered, enabled, with the
 * account's password stored, run as the account doctor runs as (whose
 * secrets were checked above), and its last result; where it can be read,
 * whether the account may log on as a batch job. Elsewhere: not applicable.
 */
export async function checkTask(io: Io, configPath = '<configuration file>', name?: string): Promise<CheckResult> {
  if (!onWindows(io)) return passed('Scheduled task: not applicable here (Windows Task Scheduler)');
  // The configuration's own task: procapita-sync-<name> for a named one.
  const label = `Scheduled task ${taskName(name)}`;
  let status: TaskStatus;
  try {
    status = await taskStatus(io, name);
  } catch (err) {
    return failed(label, err);
  }
  const install = safe`procapita-sync schedule install --config ${given(configPath)}`;
  if (!status.registered) {
    return failed(label, new AppError('config', safe`not registered, so nothing runs at night. Register it as the account that stored the secrets: ${install} (or run procapita-sync setup).`));
  }
  const me = currentAccount(io.env);
  const account = status.account ?? me;
  const problems: { code: ExitCodeName; text: string }[] = [];
  if (status.state === 'Disabled') problems.push({ code: 'config', text: `The task is disabled: enable it in Task Scheduler, or register it again (${install}).` });
  if (status.logonType && status.logonType !== 'Password') {
    problems.push({
      code: 'accessDenied',
      text: `The task does not store its account's password (LogonType ${status.logonType}), so it cannot read the secrets in Credential Manager. Register it again: ${install}`,
    });
  }
  if (status.account && me && !sameAccount(status.account, me)) {
    problems.push({
      code: 'accessDenied',
      text: `The task runs as ${status.account}, but doctor runs as ${me}: the secrets checked above are ${me}'s, and the task reads ${status.account}'s. Run doctor as ${status.account} (${runasHint(status.account).replace('setup', `doctor --config ${configPath}`)}).`,
    });
  }
  const result = status.lastResult;
  if (result !== undefined && !FINE_RESULTS.has(result)) {
    problems.push({ code: lastResultCode(result), text: `The last run${status.lastRunTime ? ` (${status.lastRunTime})` : ''} ended with ${describeLastResult(result)}.` });
  }
  const right = account ? await batchLogonRight(account, io) : ({ state: 'unknown', why: 'the account is not known' } as const);
  if (right.state === 'missing') {
    problems.push({
      code: 'accessDenied',
      text: `${account} lacks the right "Log on as a batch job" on this server, so Task Scheduler cannot start the task. Grant it in Local Security Policy (Local Policies → User Rights Assignment) or by GPO.`,
    });
  }
  // Task Scheduler's facts about its own task, in our words.
  if (problems.length > 0) return { ok: false, label, detail: ours(problems.map((p) => p.text).join(' ')), code: problems[0]!.code };
  const last = result === undefined || result === 0x41303 ? 'has not run yet' : `last result ${describeLastResult(result)}`;
  const batch = right.state === 'unknown' ? `"Log on as a batch job" could not be checked (${right.why})` : '"Log on as a batch job": granted';
  return passed(`${label} registered, runs as ${account ?? 'an unknown account'}; ${last}; ${batch}`);
}
