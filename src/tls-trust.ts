import { readFile } from 'node:fs/promises';
import * as tls from 'node:tls';
import { AppError, errnoOf } from './errors';
import { given, safe, type SafeText } from './safe-text';

/**
 * The CAs a TLS client trusts: Node's own roots, the operating system's
 * store where the runtime can read it (Node 22.15+: the Windows store), and
 * the configured CA file, e.g. a municipal CA or a proxy that re-signs TLS.
 * `setting` names the configuration key in messages.
 */
export async function trustedCas(caFile: string | undefined, setting: SafeText): Promise<string[]> {
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
  if (!/CERT|certificate|self[- ]signed|UNABLE_TO_(VERIFY|GET_ISSUER)|ALTNAME|altnames|Hostname\/IP/i.test(text)) return undefined;
  if (/ALTNAME|altnames|Hostname\/IP/i.test(text)) return safe`it does not name this host`;
  if (/self[- ]signed/i.test(text)) return safe`it is self-signed`;
  if (/expired/i.test(text)) return safe`it has expired`;
  return safe`no trusted authority signed it`;
}
