/**
 * A forwarding HTTP proxy for the proxy tests: it answers CONNECT host:port
 * by piping to the target, the way a municipality's outbound proxy carries
 * HTTPS. It only ever connects to loopback targets: anything else gets 403,
 * without a DNS lookup, so a test can never send traffic off this machine.
 * It can require Basic authentication, or act like an ISA/TMG/Forefront
 * proxy that offers only NTLM and Negotiate (which the product cannot do).
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface ProxyConnect { target: string; authorization?: string }

export interface Proxy {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  connects: ProxyConnect[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  basic?: { user: string; password: string };
  /** Every CONNECT gets 407 offering NTLM and Negotiate, and nothing else. */
  requireNtlm?: boolean;
}

/** The host to dial for a loopback target, or undefined for anything else. Never resolves names. */
function loopback(hostname: string): string | undefined {
  if (hostname === 'localhost') return '127.0.0.1';
  if (net.isIPv4(hostname) && hostname.startsWith('127.')) return hostname;
  if (hostname === '[::1]') return '::1';
  return undefined;
}

function reply(socket: Duplex, status: number, reason: string, headers: [string, string][] = [], body = ''): void {
  const lines = [`HTTP/1.1 ${status} ${reason}`, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body];
  socket.end(lines.join('\r\n'));
}

export async function startConnectProxy(o: ProxyOptions = {}): Promise<Proxy> {
  const connects: ProxyConnect[] = [];
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const expected = o.basic ? `Basic ${Buffer.from(`${o.basic.user}:${o.basic.password}`).toString('base64')}` : undefined;

  const server = http.createServer((req, res) => {
    // Plain-HTTP forwarding is not something the product needs: it only speaks HTTPS, through CONNECT.
    res.writeHead(405, { allow: 'CONNECT', 'content-type': 'text/plain', connection: 'close' });
    res.end('This test proxy only handles CONNECT.\n');
  });

  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    track(client);
    const target = req.url ?? '';
    const authorization = req.headers['proxy-authorization'];
    connects.push({ target, ...(authorization !== undefined ? { authorization } : {}) });

    if (o.requireNtlm) {
      const page = '<html><body><h1>407 Proxy Authentication Required</h1><p>Access is denied (NTLM).</p></body></html>';
      return reply(client, 407, 'Proxy Authentication Required', [['Proxy-Authenticate', 'NTLM'], ['Proxy-Authenticate', 'Negotiate'], ['Content-Type', 'text/html']], page);
    }
    if (expected !== undefined) {
      const [scheme, credentials] = (authorization ?? '').trim().split(/\s+/, 2);
      if (scheme?.toLowerCase() !== 'basic' || `Basic ${credentials}` !== expected) {
        return reply(client, 407, 'Proxy Authentication Required', [['Proxy-Authenticate', 'Basic realm="test"']]);
      }
    }

    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(target);
    if (!match) return reply(client, 400, 'Bad Request');
    const host = loopback(match[1]!.toLowerCase());
    if (host === undefined) return reply(client, 403, 'Forbidden', [['Content-Type', 'text/plain']], 'This test proxy only connects to loopback addresses.\n');

    const upstream: Socket = net.connect({ host, port: Number(match[2]) });
    track(upstream);
    upstream.once('error', () => {
      if (!client.destroyed && !(client as Socket).writableEnded) reply(client, 502, 'Bad Gateway');
    });
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
