/**
 * Whether SQL Server's certificate was checked on a TDS 8 connection
 * (source.encrypt "strict"), whatever the environment says.
 *
 * tedious checks TDS 7 encryption (encrypt true) itself: it passes
 * rejectUnauthorized: !trustServerCertificate. For TDS 8 it calls
 * tls.connect without rejectUnauthorized, and Node's default reads
 * NODE_TLS_REJECT_UNAUTHORIZED, so "0" there would let any certificate
 * through, and tedious offers no option to pass the setting. So this
 * wraps tedious's TLS step: once the handshake is done, and before
 * tedious sends anything over the connection (the login, the password),
 * a certificate Node did not verify ends the connection.
 */
import type { TLSSocket } from 'node:tls';

let installed = false;

/** Idempotent. Throws when tedious no longer has the step this relies on, rather than connect unchecked. */
export async function checkTds8Certificates(): Promise<void> {
  // tedious is loaded only by the commands that connect to SQL Server.
  const { Connection } = await import('tedious');
  if (installed) return;
  const prototype = Connection.prototype;
  const wrapWithTls = prototype.wrapWithTls as typeof prototype.wrapWithTls | undefined;
  if (typeof wrapWithTls !== 'function') throw new Error('tedious has no wrapWithTls: the TDS 8 certificate check cannot be installed (see src/extract/tds8-certificate.ts)');
  prototype.wrapWithTls = async function (this: InstanceType<typeof Connection>, ...args: Parameters<typeof wrapWithTls>): Promise<TLSSocket> {
    const secured = await wrapWithTls.apply(this, args);
    if (!secured.authorized) {
      const why = String(secured.authorizationError ?? 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      secured.destroy();
      // The codes untrustedBecause() reads: DEPTH_ZERO_SELF_SIGNED_CERT, ERR_TLS_CERT_ALTNAME_INVALID, CERT_HAS_EXPIRED, …
      throw Object.assign(new Error(`The server's TLS certificate was not verified (${why}).`), { code: why });
    }
    return secured;
  };
  installed = true;
}
