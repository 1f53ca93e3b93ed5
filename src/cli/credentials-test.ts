/**
 * `credentials test NAME --config FILE`: tries the secret stored in the
 * credential store where a run uses it, so that a scripted rotation
 * (`credentials set`, then `credentials test`) knows at once whether the new
 * value works. sqlPassword logs in to SQL Server and runs the schema check,
 * ldapPassword binds to the directory, apiKey pings the upload service,
 * proxyPassword reaches the service through the proxy, smtpPassword logs in
 * to the e-mail alerts' SMTP server. One line, as doctor
 * prints it; the exit code is the check's.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../configure/config';
import { credentialService, describeSecret, notStored, SECRET_ENV_KEYS, SECRET_NAMES, secretEnvNames, storeEntry, storeFor, isSecretName, type Credentials, type SecretName } from '../configure/credentials';
import { AppError } from '../errors';
import { checkLdap, checkSmtp, checkSql, checkTarget, failed, formatCheck, neededSecrets, secretWords, type CheckResult } from './checks';
import type { Io } from './io';
import { credentialsFor, credentialsOptions } from './run';
import { given, joined, ours, safe } from '../safe-text';
import { configOption } from './config-option';

/** Credentials that take `name` from the store alone (the value under test), and every other secret as a run does. */
function storedOnly(name: SecretName, config: Config, io: Io): Credentials {
  const usual = credentialsFor(config, io);
  const store = storeFor(config, io.secrets);
  const entry = (n: SecretName) => storeEntry(n, process.platform, credentialService(config));
  return {
    origin: (n) => (n === name ? entry(n) : (usual.origin?.(n) ?? entry(n))),
    async get(n) {
      if (n !== name) return usual.get(n);
      const value = await store.get(n);
      if (value === undefined || value === '') throw await notStored(n, io.env, credentialsOptions(config, io));
      return value;
    },
  };
}

/** Tries the stored secret with the check that uses it. */
export async function testStoredSecret(name: SecretName, config: Config, io: Io): Promise<CheckResult> {
  const credentials = storedOnly(name, config, io);
  let result: CheckResult | undefined;
  try {
    switch (name) {
      case 'sqlPassword':
        result = await checkSql(config, credentials);
        break;
      case 'ldapPassword':
        result = await checkLdap(config, credentials);
        break;
      case 'apiKey':
        result = await checkTarget(config, credentials, io.env);
        break;
      case 'proxyPassword':
        result = await checkTarget(config, credentials, io.env, { proxyOnly: true });
        break;
      case 'smtpPassword':
        result = await checkSmtp(config, credentials);
        break;
    }
  } catch (err) {
    result = failed(secretWords(name), err);
  }
  return result ?? failed(secretWords(name), new AppError('internal', safe`No check for the ${describeSecret(name)}.`));
}

export async function credentialsTest(nameText: string, configPath: string, io: Io): Promise<void> {
  if (!isSecretName(nameText)) {
    // Not echoed: it may be a value typed in the wrong place.
    throw new AppError('usage', safe`That is not the name of a secret. The names are: ${joined(SECRET_NAMES.map(ours), ', ')}.`);
  }
  const name = nameText;
  const config = await loadConfig(configPath);
  if (!neededSecrets(config).includes(name)) {
    throw new AppError('usage', safe`The configuration ${given(configPath)} does not use the ${describeSecret(name)}, so there is nothing to test it against.`);
  }
  const result = await testStoredSecret(name, config, io);
  io.stdout(`${formatCheck(result)}\n`);
  const variable = secretEnvNames(config)[name];
  if (variable && io.env[variable]) {
    io.stdout(`Note: environment variable ${variable} (${SECRET_ENV_KEYS[name]}) is set, and a run uses it instead of the stored value while it is.\n`);
  }
  if (!result.ok) throw new AppError(result.code ?? 'internal', safe`The stored ${describeSecret(name)} did not pass the test (see above).`);
}

/** Adds `test` to the `credentials` command (src/cli/credentials.ts). */
export function addCredentialsTest(credentials: Command, io: Io): void {
  credentials
    .command('test')
    .description('try a stored secret where it is used: sqlPassword logs in to SQL Server, ldapPassword binds to the directory, apiKey pings the upload service, proxyPassword reaches it through the proxy')
    .argument('<name>', SECRET_NAMES.join(' | '))
    .addOption(configOption(io))
    .action(async (name: string, opts: { config: string }) => {
      await credentialsTest(name, opts.config, io);
    });
}
