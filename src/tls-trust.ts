import { readFile } from 'node:fs/promises';
import { AppError, errnoOf } from './errors';
import { given, safe, type SafeText } from './safe-text';

/**
 * Node's default for rejectUnauthorized reads NODE_TLS_REJECT_UNAUTHORIZED ('0' switches
 * certificate checks off), so every TLS options object we build says true itself. The only
 * way to relax a check is a configuration key (source.trustServerCertificate).
 */
export const CHECK_CERTIFICATES = { rejectUnauthorized: true } as const;

/** The warning for `doctor` and the run log when the environment asks Node not to check certificates; undefined when it does not. */
export function tlsOverrideWarning(env: NodeJS.ProcessEnv): SafeText | undefined {
  if (env.NODE_TLS_REJECT_UNAUTHORIZED !== '0') return undefined;
  return safe`The environment variable NODE_TLS_REJECT_UNAUTHORIZED is 0, which asks for TLS certificates not to be checked. procapita-sync ignores it and checks every certificate. Remove it from the environment of the account that runs procapita-sync (and from the system's environment variables).`;
}

/**
 * The CAs a TLS client trusts: Node's own roots, the operating system's
 * store where the runtime can read it (Node 22.15+: the Windows store), and
 * the configured CA file, e.g. a municipal CA or a proxy that re-signs TLS.
 * `setting` names the configuration key in messages.
 */
export async function trustedCas(caFile: string | undefined, setting: SafeText): Promise<string[]> {
  const tls = process.getBuiltinModule('node:tls');
  const system = (tls as { getCACertificates?: (kind: string) => string[] }).getCACertificates?.('system') ?? [];
  const extra: string[] = [];
  if (caFile) {
    try {
      extra.push(await readFile(caFile, 'utf8'));
    } catch (err) {
      throw new AppError('config', safe`${setting} ${given(caFile)}: cannot be read (${errnoOf(err)}). Name a PEM file with the CA certificates to trust.`);
    }
  }
  return [...tls.rootCertificates, ...system, ...extra];
}

/** Why the peer's certificate was not trusted, from an error's codes and messages; undefined for other errors. */
export function untrustedBecause(text: string): SafeText | undefined {
  if (!/CERT|certificate|self[-_ ]signed|UNABLE_TO_(VERIFY|GET_ISSUER)|ALTNAME|altnames|Hostname\/IP/i.test(text)) return undefined;
  if (/ALTNAME|altnames|Hostname\/IP/i.test(text)) return safe`it does not name this host`;
  if (/self[-_ ]signed/i.test(text)) return safe`it is self-signed`;
  if (/expired/i.test(text)) return safe`it has expired`;
  return safe`no trusted authority signed it`;
}
