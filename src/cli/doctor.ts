/**
 * `doctor --config FILE`: every check the nightly run depends on, one line
 * each, ✓ or ✗ with what to do. The exit code is 0 only when all pass;
 * otherwise it is the exit code of the first failed check, the one a run
 * would end with for the same cause.
 */
import { hostname } from 'node:os';
import { messagesFor } from '../messages';
import type { Command } from 'commander';
import { deliveryTarget, loadConfig, type Config } from '../configure/config';
import { describeSecret, type SecretName } from '../configure/credentials';
import { CONFIG_NAME } from '../configure/instance';
import { readJsonFile } from '../json-file';
import { AppError, EXIT_CODE_MEANINGS, ExitCode } from '../errors';
import { tlsOverrideWarning } from '../tls-trust';
import { checkEventSource, checkFolders, checkSchools, checkLdap, checkSmtp, checkTestAlert, smtpLabel, checkSecrets, checkSql, checkTarget, checkTask, failed, formatCheck, pingUrl, sqlWhere, type CheckResult } from './checks';
import { checkFolderAccess } from './folder-access';
import { todayInStockholm, type Io } from './io';
import { credentialsFor } from './run';
import { ours, safe, type SafeText } from '../safe-text';
import { configOption } from './config-option';

/** A check that needs a secret that could not be read is not tried: the secret's own line says what to do. */
function withoutSecret(label: string, secret: SecretName): CheckResult {
  return { ok: false, label, detail: safe`not checked without the ${describeSecret(secret)} (see above).`, code: 'accessDenied' };
}

/** The `name` of a configuration that is not valid, when the name itself is: doctor still checks that configuration's task, not another's. */
async function nameOfInvalid(configPath: string): Promise<string | undefined> {
  const data = await readJsonFile(configPath, safe`Configuration`, { read: 'config', parse: 'config' }, safe``).catch(() => undefined);
  const name = data !== null && typeof data === 'object' ? (data as { name?: unknown }).name : undefined;
  return typeof name === 'string' && CONFIG_NAME.test(name) ? name : undefined;
}

/** Runs the checks in the order and writes each line as soon as it is known. */
export async function runDoctor(configPath: string, io: Io, o: { sendTestAlert?: boolean } = {}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const show = (r: CheckResult | undefined) => {
    if (!r) return;
    results.push(r);
    io.stdout(`${formatCheck(r)}\n`);
  };

  // A warning, not a failed check: the variable changes nothing, but whoever set it meant something.
  const tls = tlsOverrideWarning(io.env);
  if (tls) io.stdout(`! ${tls}\n`);

  let config: Config | undefined;
  const configLabel = `Configuration ${configPath}`;
  try {
    config = await loadConfig(configPath);
    // What a run checks before it reads anything: a configuration that runs would refuse is not valid here either.
    deliveryTarget(config);
    show({ ok: true, label: `${configLabel} is valid`, detail: safe`` });
  } catch (err) {
    const r = failed(configLabel, err);
    // loadConfig's messages begin with the file's name, which the label already gives.
    show({ ...r, detail: r.detail.replace(`Configuration ${configPath}: `, '') as SafeText });
  }
  if (!config) {
    io.stdout('– Secrets, SQL Server, directory, upload service and folders: not checked, they need a valid configuration.\n');
    show(await checkTask(io, configPath, await nameOfInvalid(configPath)));
    show(await checkEventSource(io));
    return results;
  }

  const secrets = await checkSecrets(config, io);
  secrets.forEach(show);
  const unreadable = new Set(secrets.filter((r) => !r.ok).map((r) => r.secret));
  const credentials = credentialsFor(config, io);

  if (config.source.type === 'sql' && unreadable.has('sqlPassword')) {
    show(withoutSecret(`SQL Server ${sqlWhere(config.source)}`, 'sqlPassword'));
  } else {
    const source = await checkSql(config, credentials);
    show(source);
    if (source.ok) show(await checkSchools(config, credentials, todayInStockholm(io.now())));
  }

  if (config.email.ad && unreadable.has('ldapPassword')) show(withoutSecret(`Directory ${config.email.ad.url}`, 'ldapPassword'));
  else show(await checkLdap(config, credentials));

  if (config.target?.type === 'https' && (unreadable.has('apiKey') || unreadable.has('proxyPassword'))) {
    show(withoutSecret(`Upload service ${pingUrl(config.target)}`, unreadable.has('apiKey') ? 'apiKey' : 'proxyPassword'));
  } else show(await checkTarget(config, credentials, io.env));

  if (config.alerts.email?.user && unreadable.has('smtpPassword')) show(withoutSecret(smtpLabel(config.alerts.email), 'smtpPassword'));
  else {
    const smtp = await checkSmtp(config, credentials);
    show(smtp);
    if (o.sendTestAlert && (smtp === undefined || smtp.ok)) {
      const m = messagesFor(config.language);
      show(await checkTestAlert(config, credentials, { subject: m.alertTestSubject(hostname()), text: `${m.alertTest}\n` }));
    }
  }

  show(await checkTask(io, configPath, config.name));
  show(await checkEventSource(io));
  (await checkFolders(config)).forEach(show);
  show(await checkFolderAccess(config, io));
  return results;
}

export async function doctor(configPath: string, io: Io, o: { sendTestAlert?: boolean } = {}): Promise<void> {
  const results = await runDoctor(configPath, io, o);
  const failures = results.filter((r) => !r.ok);
  const first = failures[0];
  if (!first) {
    io.stdout(`All ${results.length} checks passed.\n`);
    return;
  }
  const code = first.code ?? 'internal';
  throw new AppError(code, safe`${failures.length} of ${results.length} checks failed. Exit code ${ExitCode[code]} is the first one's: ${ours(EXIT_CODE_MEANINGS[code])}.`);
}

export function registerDoctor(program: Command, io: Io): void {
  program
    .command('doctor')
    .description('check the configuration, the secrets, SQL Server, the directory, the upload service, the scheduled task and the folders')
    .addOption(configOption(io))
    .option('--send-test-alert', 'also send a test message through the e-mail alerts (alerts.email)')
    .action(async (opts: { config: string; sendTestAlert?: boolean }) => {
      await doctor(opts.config, io, { sendTestAlert: opts.sendTestAlert === true });
    });
}
