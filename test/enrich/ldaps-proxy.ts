/**
 * A TLS-terminating LDAP proxy for fault tests: it speaks LDAPS to the
 * client with test/certs/server.crt (test CA, SAN 127.0.0.1), LDAPS to the
 * real server behind it, and reads the server's replies message by message
 * (BER framing only) so that it can break a paged search at an exact point.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';

const certificate = (name: 'server' | 'wronghost') => ({
  cert: readFileSync(new URL(`../certs/${name}.crt`, import.meta.url)),
  key: readFileSync(new URL(`../certs/${name}.key`, import.meta.url)),
});
export const PROXY_CA_FILE = new URL('../certs/ca.crt', import.meta.url).pathname;

const SEARCH_RESULT_ENTRY = 0x64;
const SEARCH_RESULT_DONE = 0x65;

export interface ProxyFaults {
  /** Cut both connections (no TLS close_notify) once this many search result entries have reached the client. */
  cutAfterEntries?: number;
  /** Withhold every entry of this search response (1-based: the n-th SearchResultDone), but pass its done message and cookie. */
  dropEntriesOfPage?: number;
  /** Present test/certs/wronghost.crt (test CA, for other.example only) instead of server.crt. */
  wrongHostCertificate?: boolean;
}

export interface LdapsProxy {
  readonly url: string;
  /** Entries passed to the client so far, over all connections. */
  readonly entriesPassed: number;
  close(): Promise<void>;
}

/** The length of the first complete LDAPMessage in `buf`, or null when more bytes are needed. */
function messageLength(buf: Buffer): number | null {
  if (buf.length < 2) return null;
  if (buf[0] !== 0x30) throw new Error(`not an LDAPMessage (tag 0x${buf[0]!.toString(16)})`);
  const first = buf[1]!;
  if (first < 0x80) return buf.length >= 2 + first ? 2 + first : null;
  const n = first & 0x7f;
  if (buf.length < 2 + n) return null;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + buf[2 + i]!;
  return buf.length >= 2 + n + length ? 2 + n + length : null;
}

/** The protocolOp tag of a complete LDAPMessage: after the outer header and the messageID INTEGER. */
function operationOf(message: Buffer): number {
  const first = message[1]!;
  let offset = first < 0x80 ? 2 : 2 + (first & 0x7f);
  offset += 2 + message[offset + 1]!; // 0x02, length, value
  return message[offset]!;
}

export async function startLdapsProxy(upstream: { host: string; port: number; ca: string }, faults: ProxyFaults): Promise<LdapsProxy> {
  const sockets = new Set<tls.TLSSocket>();
  let entriesPassed = 0;
  const server = tls.createServer(certificate(faults.wrongHostCertificate ? 'wronghost' : 'server'), (client) => {
    const server = tls.connect({ host: upstream.host, port: upstream.port, ca: [upstream.ca] });
    sockets.add(client);
    sockets.add(server);
    let pending = Buffer.alloc(0);
    let pagesDone = 0;
    const cut = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
    client.pipe(server);
    server.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (let length = messageLength(pending); length !== null; length = messageLength(pending)) {
        const message = pending.subarray(0, length);
        pending = pending.subarray(length);
        const op = operationOf(message);
        if (op === SEARCH_RESULT_ENTRY) {
          if (faults.dropEntriesOfPage === pagesDone + 1) continue;
          entriesPassed++;
        }
        if (op === SEARCH_RESULT_DONE) pagesDone++;
        client.write(message);
        if (faults.cutAfterEntries !== undefined && entriesPassed >= faults.cutAfterEntries) {
          cut();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ldaps://127.0.0.1:${port}`,
    get entriesPassed() {
      return entriesPassed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
