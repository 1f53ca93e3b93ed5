/**
 * The secrets procapita-sync needs, and where they are kept: the operating
 * system's credential store (Windows Credential Manager; the Secret Service,
 * e.g. GNOME Keyring, on Linux), through @github/keytar. One service,
 * `procapita-sync`, with an account per secret; a named configuration has a
 * service of its own, `procapita-sync-<name>`, so that two configurations on
 * one server never overwrite each other's secrets. An environment variable that
 * the configuration names, and that is set, wins over the store (CI, containers).
 *
 * No message made here ever holds a secret's value.
 */
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { AppError } from '../errors';
import type { Config } from './config';
import { BASE_NAME, instanceName } from './instance';
import { given, ours, safe, type SafeText } from '../safe-text';

export type SecretName = 'sqlPassword' | 'ldapPassword' | 'apiKey' | 'proxyPassword' | 'smtpPassword';

export const SECRET_NAMES: readonly SecretName[] = ['sqlPassword', 'ldapPassword', 'apiKey', 'proxyPassword', 'smtpPassword'];

/** The service name in the store for a configuration without a name; the account is the SecretName (Credential Manager target `procapita-sync/sqlPassword`). */
export const CREDENTIAL_SERVICE = BASE_NAME;

/** The store's service for a configuration: `procapita-sync`, or `procapita-sync-<name>` for a named one. */
export function credentialService(config: Pick<Config, 'name'>): string {
  return instanceName(config.name);
}

/**
 * Credential Manager's CRED_MAX_CREDENTIAL_BLOB_SIZE (5 × 512 bytes). keytar
 * hands Windows the value's UTF-8 bytes as the blob (keytar_win.cc:
 * `CredentialBlobSize = password.size()` of the UTF-8 std::string), so the
 * limit counts UTF-8 bytes, not characters: 2,560 ASCII characters, fewer with
 * å, ä, ö. The same limit applies on every platform, so that a secret stored on
 * a Linux test machine would fit on Windows too.
 */
export const MAX_SECRET_BYTES = 2560;

export interface Credentials {
  /** The secret's value. Throws an AppError (access denied) when it is not there; the message never holds a value. */
  get(name: SecretName): Promise<string>;
  /** Where get(name) takes the secret from, for messages: "environment variable X" or the store's service and account. */
  origin?(name: SecretName): SafeText;
}

export interface SecretStore {
  /** undefined: not stored. Throws AppError('accessDenied') when the store cannot be opened (Windows error 1312, no Secret Service, native library missing). */
  get(name: SecretName): Promise<string | undefined>;
  /** Throws AppError('usage') for an empty value or one over MAX_SECRET_BYTES. */
  set(name: SecretName, value: string): Promise<void>;
  delete(name: SecretName): Promise<boolean>;
  /**
   * Writes, reads back and removes an entry of its own, so the setup wizard learns at its first step, before
   * any question, whether this account's store works. Throws AppError('accessDenied') with the cause.
   */
  probe(): Promise<void>;
}

/** The probe's entry (Credential Manager target `procapita-sync/setup-probe`, or a named configuration's service): never a secret, removed at once. */
export const PROBE_ACCOUNT = 'setup-probe';

const describe: Record<SecretName, SafeText> = {
  sqlPassword: safe`SQL password`,
  ldapPassword: safe`directory (LDAP) bind password`,
  apiKey: safe`API key`,
  proxyPassword: safe`proxy password`,
  smtpPassword: safe`SMTP password for e-mail alerts`,
};

/** "SQL password", "API key", …: how messages name a secret. */
export function describeSecret(name: SecretName): SafeText {
  return describe[name];
}

/** The configuration key that may name an environment variable for each secret. */
export const SECRET_ENV_KEYS: Record<SecretName, string> = {
  sqlPassword: 'source.passwordEnv',
  ldapPassword: 'email.ad.passwordEnv',
  apiKey: 'target.apiKeyEnv',
  proxyPassword: 'target.proxy.passwordEnv',
  smtpPassword: 'alerts.email.passwordEnv',
};

/** The environment variables the configuration names for its secrets. */
export function secretEnvNames(config: Config): Partial<Record<SecretName, string>> {
  const names: Partial<Record<SecretName, string>> = {};
  if (config.source.type === 'sql' && config.source.passwordEnv) names.sqlPassword = config.source.passwordEnv;
  if (config.email.ad?.passwordEnv) names.ldapPassword = config.email.ad.passwordEnv;
  if (config.target?.type === 'https' && config.target.apiKeyEnv) names.apiKey = config.target.apiKeyEnv;
  if (config.target?.type === 'https' && config.target.proxy?.passwordEnv) names.proxyPassword = config.target.proxy.passwordEnv;
  if (config.alerts.email?.passwordEnv) names.smtpPassword = config.alerts.email.passwordEnv;
  return names;
}

export function isSecretName(text: string): text is SecretName {
  return (SECRET_NAMES as readonly string[]).includes(text);
}

/** The credential store's name on this platform, for messages. */
export function storeLabel(platform: NodeJS.Platform = process.platform): SafeText {
  if (platform === 'win32') return safe`Windows Credential Manager`;
  if (platform === 'darwin') return safe`the macOS Keychain`;
  return safe`the Secret Service keyring`;
}

/** Where a secret is kept in the store, for messages: "Windows Credential Manager (service procapita-sync, account apiKey)". */
export function storeEntry(name: SecretName, platform: NodeJS.Platform = process.platform, service: string = CREDENTIAL_SERVICE): SafeText {
  return safe`${storeLabel(platform)} (service ${given(service)}, account ${name})`;
}

/**
 * Where a run takes a secret from, for messages. With the environment: the
 * variable when the configuration names one and it is set, else the store.
 * Without it: what the configuration allows.
 */
export function secretOrigin(name: SecretName, envName: string | undefined, env?: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, service: string = CREDENTIAL_SERVICE): SafeText {
  if (envName && env?.[envName]) return safe`environment variable ${given(envName)}`;
  if (envName && !env) return safe`environment variable ${given(envName)}, or when it is not set ${storeEntry(name, platform, service)}`;
  return storeEntry(name, platform, service);
}

/** The account whose store is used: DOMAIN\user on Windows, the login name elsewhere. */
export function currentAccount(env: NodeJS.ProcessEnv = process.env): SafeText {
  if (env.USERNAME && env.USERDOMAIN) return given(`${env.USERDOMAIN}\\${env.USERNAME}`);
  const name = env.USER ?? env.LOGNAME ?? env.USERNAME;
  if (name) return given(name);
  try {
    return given(userInfo().username);
  } catch {
    return safe`this account`;
  }
}

/** Whether two Windows account names are the same: case aside, and DOMAIN\\user against a bare user. */
export function sameAccount(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x === y || x.endsWith(`\\${y}`) || y.endsWith(`\\${x}`);
}

/** Refuses what the store cannot hold: an empty value, a NUL character, more than MAX_SECRET_BYTES. Never quotes the value. */
export function checkSecretValue(name: SecretName, value: string): void {
  if (value.length === 0) throw new AppError('usage', safe`The ${describe[name]} is empty: nothing was stored. Give the value on standard input.`);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_BYTES) {
    throw new AppError('usage', safe`The ${describe[name]} is ${bytes} bytes long (UTF-8); Windows Credential Manager holds at most ${MAX_SECRET_BYTES}. Nothing was stored.`);
  }
  // libsecret stores the value as a C string, which would end at the first NUL.
  if (value.includes('\0')) throw new AppError('usage', safe`The ${describe[name]} contains a NUL character, which the credential store cannot keep. Nothing was stored.`);
}

/**
 * The first line of a credential store's own error, without the secret (should a library ever echo it), short enough
 * for one line. The store's errors come from the operating system, never from ProCapita or AD.
 */
function detailOf(err: unknown, secret?: string): SafeText {
  const raw = err instanceof Error ? err.message : String(err);
  let text = (raw.split(/\r?\n/).find((l) => l.trim() !== '') ?? raw).trim().replace(/[.\s]+$/, '');
  if (secret) text = text.split(secret).join('…');
  return ours(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

const ENV_ALTERNATIVE = 'or name environment variables for the secrets in the configuration instead (`procapita-sync help configuration`, section "Credentials")';

/**
 * Turns keytar's failures into messages that say what to do. Loading the
 * native module, Windows error 1312 (a task without a stored password), no
 * Secret Service on the D-Bus session, a locked keyring, anything else.
 */
export function explainStoreError(err: unknown, platform: NodeJS.Platform = process.platform, secret?: string): AppError {
  if (err instanceof AppError) return err;
  const detail = detailOf(err, secret);
  const code = (err as { code?: unknown } | null)?.code;
  const store = storeLabel(platform);

  if (/Failed to load keytar native addon|cannot open shared object file|ERR_DLOPEN_FAILED|Cannot find (module|package) '@github\/keytar'|specified module could not be found|not a valid Win32 application|image not found|Library not loaded/i.test(detail) || code === 'ERR_DLOPEN_FAILED' || code === 'ERR_MODULE_NOT_FOUND') {
    if (platform === 'linux') {
      return new AppError(
        'accessDenied',
        safe`The credential store cannot be used: the Secret Service client library libsecret (libsecret-1.so.0) could not be loaded (${detail}). Install it (Debian, Ubuntu: apt-get install libsecret-1-0; RHEL, Fedora: dnf install libsecret), ${ENV_ALTERNATIVE}.`,
      );
    }
    return new AppError('accessDenied', safe`The credential store cannot be used: procapita-sync's module for ${store} (keytar.node) could not be loaded (${detail}). Reinstall procapita-sync, ${ENV_ALTERNATIVE}.`);
  }

  if (platform === 'win32' && /\b1312\b|logon session does not exist|inloggningssession/i.test(detail)) {
    return new AppError(
      'accessDenied',
      safe`Windows Credential Manager cannot be opened: a specified logon session does not exist (error 1312, ERROR_NO_SUCH_LOGON_SESSION). Windows gives no credential store to a scheduled task that runs without a stored password ("Do not store password", S4U), nor to a remote session without a password logon (PowerShell remoting, SSH with a key). Register the task with its password stored (LogonType Password, "Run whether user is logged on or not"), as \`procapita-sync setup\` does, for the account that stored the secrets.`,
    );
  }

  if (/autolaunch D-Bus|Could not connect|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error|was not provided by any \.service files|no such (name|interface)|secrets? service/i.test(detail)) {
    return new AppError(
      'accessDenied',
      safe`No Secret Service is reachable (${detail}). On Linux the credential store is the keyring (GNOME Keyring, KWallet) on the D-Bus session of a logged-in user, which a server or a cron job usually lacks: run procapita-sync in a session that has one, ${ENV_ALTERNATIVE}.`,
    );
  }

  if (/\blocked\b|prompt|dismissed|cancel/i.test(detail)) {
    return new AppError('accessDenied', safe`${store} is locked (${detail}). Unlock the keyring of the account that runs procapita-sync, ${ENV_ALTERNATIVE}.`);
  }

  return new AppError('accessDenied', safe`${store} could not be used (${detail}). Check that the account that runs procapita-sync may use it, ${ENV_ALTERNATIVE}.`);
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

let keytarModule: Promise<Keytar> | undefined;

/**
 * keytar's loader swallows the reason the native module would not load
 * ("libsecret-1.so.0: cannot open shared object file"); loading the prebuilt
 * module once more ourselves recovers it for the message.
 */
function loadFailure(err: unknown): unknown {
  try {
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve('@github/keytar/package.json'));
    require(join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'keytar.node'));
  } catch (inner) {
    if (inner instanceof Error && !/Cannot find module/.test(inner.message)) return inner;
  }
  return err;
}

/** keytar, imported on first use, so that commands which need no secret run even when its native library is missing. */
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('@github/keytar').then(
    (m) => ((m as { default?: Keytar }).default ?? (m as unknown as Keytar)),
    (err: unknown) => {
      keytarModule = undefined;
      throw explainStoreError(loadFailure(err));
    },
  );
  return keytarModule;
}

/**
 * The operating system's credential store, through keytar, under one service:
 * credentialService(config). A function is asked at each use (the setup
 * wizard learns the configuration's name as it goes).
 */
export function keytarStore(platform: NodeJS.Platform = process.platform, service: string | (() => string) = CREDENTIAL_SERVICE): SecretStore {
  const serviceNow = typeof service === 'function' ? service : () => service;
  return {
    async get(name) {
      const keytar = await loadKeytar();
      try {
        const value = await keytar.getPassword(serviceNow(), name);
        return value === null || value === '' ? undefined : value;
      } catch (err) {
        throw explainStoreError(err, platform);
      }
    },
    async set(name, value) {
      checkSecretValue(name, value);
      const keytar = await loadKeytar();
      try {
        await keytar.setPassword(serviceNow(), name, value);
      } catch (err) {
        throw explainStoreError(err, platform, value);
      }
    },
    async delete(name) {
      const keytar = await loadKeytar();
      try {
        return await keytar.deletePassword(serviceNow(), name);
      } catch (err) {
        throw explainStoreError(err, platform);
      }
    },
    async probe() {
      const keytar = await loadKeytar();
      const value = `probe-${process.pid}-${Date.now()}`;
      let back: string | null;
      try {
        await keytar.setPassword(serviceNow(), PROBE_ACCOUNT, value);
        back = await keytar.getPassword(serviceNow(), PROBE_ACCOUNT);
        await keytar.deletePassword(serviceNow(), PROBE_ACCOUNT);
      } catch (err) {
        throw explainStoreError(err, platform);
      }
      if (back !== value) throw new AppError('accessDenied', safe`${storeLabel(platform)} took a test entry but gave back ${back === null ? safe`nothing` : safe`another value`} when it was read: it cannot keep secrets for this account. Check that the account's profile is loaded (runas without /noprofile), ${ENV_ALTERNATIVE}.`);
    },
  };
}

export interface CredentialsOptions {
  /** Named in the messages that say how to store a secret. */
  readonly configPath?: string;
  readonly platform?: NodeJS.Platform;
  /** The scheduled task's account (Task Scheduler), for the message when a secret is missing; undefined when none is known. */
  readonly taskAccount?: () => Promise<string | undefined>;
  /** The store's service the secrets are under, for messages: credentialService(config). Default `procapita-sync`. */
  readonly service?: string;
}

/**
 * Why a secret this account lacks may be there all the same: the store is per account. Names the task's
 * account when it is known, so that the admin knows whom to run the command as.
 */
async function perAccount(account: SafeText, set: SafeText, o: CredentialsOptions): Promise<SafeText> {
  const task = await o.taskAccount?.().catch(() => undefined);
  if (task === undefined) {
    return safe`Secrets there are kept per account, and only the account that stored one can read it: run this as the account that runs the nightly task, and store it as that account with ${set} (or the setup wizard).`;
  }
  if (sameAccount(task, account)) return safe`Store it as ${account}, the account the scheduled task runs as: ${set} (or the setup wizard).`;
  return safe`Secrets there are kept per account, and the scheduled task runs as ${given(task)}, not as ${account}: run this as ${given(task)} (\`runas /user:${given(task)} cmd\`, then the same command), or store it for ${given(task)} with ${set} run as that account.`;
}

/** The store for a configuration: `injected` (Io.secrets, in tests) or the operating system's, under the configuration's service. */
export function storeFor(config: Pick<Config, 'name'>, injected: SecretStore | undefined, platform: NodeJS.Platform = process.platform): SecretStore {
  return injected ?? keytarStore(platform, credentialService(config));
}

/** The secrets a run needs: an environment variable the configuration names (and that is set) wins; otherwise the store. */
export function credentialsFrom(store: SecretStore, envNames: Partial<Record<SecretName, string>>, env: NodeJS.ProcessEnv, o: CredentialsOptions = {}): Credentials {
  const platform = o.platform ?? process.platform;
  const service = o.service ?? CREDENTIAL_SERVICE;
  const setCommand = (name: SecretName) => safe`\`procapita-sync credentials set ${name} --config ${o.configPath ? given(o.configPath) : '<configuration file>'}\``;
  return {
    origin: (name) => secretOrigin(name, envNames[name], env, platform, service),
    async get(name) {
      const variable = envNames[name];
      const fromEnv = variable ? env[variable] : undefined;
      if (fromEnv) return fromEnv;
      const account = currentAccount(env);
      const unset = variable ? safe`The ${describe[name]} is not set: the configuration names environment variable ${given(variable)}, which is empty.` : undefined;
      let stored: string | undefined;
      try {
        stored = await store.get(name);
      } catch (err) {
        if (!unset) throw explainStoreError(err, platform);
        const why = err instanceof AppError ? err.message : detailOf(err);
        throw new AppError('accessDenied', safe`${unset} Set it for the account that runs procapita-sync. The credential store could not be read either: ${why}`);
      }
      if (stored !== undefined && stored !== '') return stored;
      if (unset) {
        throw new AppError(
          'accessDenied',
          safe`${unset} Nor is it stored in ${storeEntry(name, platform, service)} for ${account}. Set the variable for the account that runs procapita-sync, or run ${setCommand(name)} as that account.`,
        );
      }
      throw await notStored(name, env, o);
    },
  };
}

/** A secret the store does not hold for this account: for whom, where, and that the store is per account. */
export async function notStored(name: SecretName, env: NodeJS.ProcessEnv, o: CredentialsOptions = {}): Promise<AppError> {
  const account = currentAccount(env);
  const set = safe`\`procapita-sync credentials set ${name} --config ${o.configPath ? given(o.configPath) : '<configuration file>'}\``;
  return new AppError('accessDenied', safe`The ${describe[name]} is not stored for ${account} in ${storeEntry(name, o.platform ?? process.platform, o.service)}. ${await perAccount(account, set, o)}`);
}
