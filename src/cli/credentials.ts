/**
 * `credentials set|delete NAME --config FILE`: scripted rotation of the
 * secrets in the credential store. A value is read from standard input (a
 * masked prompt on a terminal), never from the command line, and is never
 * printed. `credentials test` is added to the same command by the checks
 * (src/cli/doctor.ts): credentialsCommand returns it for that.
 */
import type { Command } from 'commander';
import { loadConfig, type Config } from '../configure/config';
import {
  checkSecretValue,
  currentAccount,
  describeSecret,
  isSecretName,
  SECRET_ENV_KEYS,
  SECRET_NAMES,
  credentialService,
  secretEnvNames,
  storeEntry,
  storeFor,
  type SecretName,
} from '../configure/credentials';
import { AppError } from '../errors';
import type { Io } from './io';
import { joined, safe } from '../safe-text';
import { configOption } from './config-option';

/** The NAME argument, or exit 2 listing the valid names. A wrong name is not echoed: it may be a value typed in the wrong place. */
export function secretNameArgument(text: string): SecretName {
  if (isSecretName(text)) return text;
  const list = joined(SECRET_NAMES.map((n) => safe`${n} (the ${describeSecret(n)})`), ', ');
  throw new AppError('usage', safe`That is not the name of a secret. The names are: ${list}. The value itself is read from standard input, never from the command line.`);
}

/** Whom or what the secret is for, as the configuration says: the SQL login, the bind account, the service's host, the proxy user. */
function whom(config: Config, name: SecretName): string | undefined {
  const target = config.target?.type === 'https' ? config.target : undefined;
  switch (name) {
    case 'sqlPassword':
      return config.source.type === 'sql' ? config.source.user : undefined;
    case 'ldapPassword':
      return config.email.ad?.bindDn;
    case 'apiKey':
      return target ? new URL(target.url).host : undefined;
    case 'proxyPassword':
      return target?.proxy?.user;
    case 'smtpPassword':
      return config.alerts.email?.user;
  }
}

/** Whether a run with this configuration reads the secret. */
export function configUses(config: Config, name: SecretName): boolean {
  const target = config.target?.type === 'https' ? config.target : undefined;
  switch (name) {
    case 'sqlPassword':
      return config.source.type === 'sql';
    case 'ldapPassword':
      return config.email.ad !== undefined;
    case 'apiKey':
      return target !== undefined;
    case 'proxyPassword':
      return target?.proxy?.user !== undefined;
    case 'smtpPassword':
      return config.alerts.email?.user !== undefined;
  }
}

/**
 * All of a piped standard input as one secret: a leading byte order mark and
 * one trailing line break (\n or \r\n, as `echo` adds) are taken off, nothing else.
 */
export async function readPipedSecret(input: AsyncIterable<Buffer | string>, limitBytes = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += buffer.length;
    if (size > limitBytes) throw new AppError('usage', safe`Standard input holds more than ${limitBytes} bytes: that is not one secret. Nothing was stored.`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r?\n$/, '');
}

/** On a terminal, a masked prompt asked twice; otherwise all of standard input. */
async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readPipedSecret(process.stdin);
  const { password } = await import('@inquirer/prompts');
  try {
    const first = await password({ message: `${prompt}:`, mask: '*' }, { output: process.stderr });
    const again = await password({ message: 'Again, to be sure:', mask: '*' }, { output: process.stderr });
    if (first !== again) throw new AppError('usage', safe`The two entries differ: nothing was stored. Run the command again.`);
    return first;
  } catch (err) {
    if (err instanceof Error && err.name === 'ExitPromptError') throw new AppError('usage', safe`Cancelled: nothing was stored.`);
    throw err;
  }
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** A store belongs to one account; say whose, and what follows from that. */
function perUserNote(account: string): string {
  return process.platform === 'win32'
    ? `Only ${account} can read it: the scheduled task must run as ${account}, with its password stored.`
    : `It is in ${account}'s keyring: only procapita-sync running as ${account} can read it.`;
}

/** The `credentials` command with `set` and `delete`. Returned so that `test` can be added to it. */
export function credentialsCommand(program: Command, io: Io): Command {
  const credentials = program
    .command('credentials')
    .description(`the secrets in the credential store (service procapita-sync, or procapita-sync-<name> for a configuration with a name): ${SECRET_NAMES.join(', ')}`);

  credentials
    .command('set')
    .description('store a secret, or replace it; the value is read from standard input (a masked prompt on a terminal), never from the command line')
    .argument('<name>', SECRET_NAMES.join(' | '))
    .addOption(configOption(io))
    .allowExcessArguments(true)
    .action(async (nameText: string, opts: { config: string }, command: Command) => {
      // A value given as an argument is refused before anything else, and never repeated.
      if (command.args.length > 1) throw new AppError('usage', safe`credentials set takes the name only: the value is read from standard input (or a masked prompt), never from the command line. Nothing was stored.`);
      const name = secretNameArgument(nameText);
      const config = await loadConfig(opts.config);
      const forWhom = whom(config, name);
      const what = `the ${describeSecret(name)}${forWhom ? ` for ${forWhom}` : ''}`;
      const store = storeFor(config, io.secrets);
      // A store that cannot be opened says so before anyone types a password.
      const replacing = (await store.get(name)) !== undefined;
      const value = await (io.readSecret ?? readSecret)(capitalized(what));
      checkSecretValue(name, value);
      await store.set(name, value);
      const account = currentAccount(io.env);
      const lines = [`${replacing ? 'Replaced' : 'Stored'} ${what} in ${storeEntry(name, process.platform, credentialService(config))}. ${perUserNote(account)}`];
      const variable = secretEnvNames(config)[name];
      if (variable && io.env[variable]) lines.push(`Note: environment variable ${variable} (${SECRET_ENV_KEYS[name]}) is set, and wins over the stored value while it is.`);
      if (!configUses(config, name)) lines.push(`Note: the configuration ${opts.config} does not use the ${describeSecret(name)}.`);
      io.stdout(`${lines.join('\n')}\n`);
    });

  credentials
    .command('delete')
    .description('remove a secret from the credential store')
    .argument('<name>', SECRET_NAMES.join(' | '))
    .addOption(configOption(io))
    .action(async (nameText: string, opts: { config: string }) => {
      const name = secretNameArgument(nameText);
      const config = await loadConfig(opts.config);
      const deleted = await storeFor(config, io.secrets).delete(name);
      const account = currentAccount(io.env);
      const entry = storeEntry(name, process.platform, credentialService(config));
      const lines = [
        deleted
          ? `Deleted the ${describeSecret(name)} from ${entry} of ${account}.`
          : `No ${describeSecret(name)} was stored in ${entry} of ${account}: nothing was deleted.`,
      ];
      const variable = secretEnvNames(config)[name];
      if (deleted && configUses(config, name) && !(variable && io.env[variable])) {
        lines.push(`The configuration still needs it: runs stop with exit code 8 until it is stored again (\`procapita-sync credentials set ${name} --config ${opts.config}\`).`);
      }
      io.stdout(`${lines.join('\n')}\n`);
    });

  return credentials;
}
