/** A real SMTP server on loopback (smtp-server), and how a mail reader shows what it received. */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { ROOT } from './cli';

const CERTS = join(ROOT, 'test/certs');
export const SMTP_USER = 'procapita-larm';
export const SMTP_PASSWORD = 'Larm-lösen 2026!';

export interface Mail {
  readonly from: string;
  readonly to: readonly string[];
  readonly text: string;
}

export interface Smtp {
  readonly port: number;
  readonly mails: Mail[];
  close(): Promise<void>;
}

const servers: Smtp[] = [];
/** Closes every server smtp() started; for afterEach. */
export const closeSmtpServers = () => Promise.all(servers.splice(0).map((s) => s.close()));

/** A real SMTP server: STARTTLS (or TLS from the first byte) with the test CA's certificate, and one login. */
export async function smtp(o: { secure?: boolean; certificate?: 'server' | 'untrusted'; closeMidMessage?: boolean } = {}): Promise<Smtp> {
  const mails: Mail[] = [];
  const name = o.certificate ?? 'server';
  const server = new SMTPServer({
    secure: o.secure ?? false,
    key: readFileSync(join(CERTS, `${name}.key`)),
    cert: readFileSync(join(CERTS, `${name}.crt`)),
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === SMTP_USER && auth.password === SMTP_PASSWORD) return done(null, { user: auth.username });
      done(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, done) {
      if (o.closeMidMessage) {
        // The connection drops while the message is being sent.
        stream.once('data', () => (server as unknown as { connections: Set<{ _socket: { destroy(): void } }> }).connections.forEach((c) => c._socket.destroy()));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), text: Buffer.concat(chunks).toString('utf8') });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const s: Smtp = { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise((resolve) => server.close(() => resolve())) };
  servers.push(s);
  return s;
}

/** Quoted-printable bytes (=C3=B6) as the text they encode. */
export const qp = (text: string) => text.replace(/((?:=[0-9A-F]{2})+)/gi, (q) => Buffer.from(q.replace(/=/g, ''), 'hex').toString('utf8'));

/** The body of a mail, as its reader sees it: line breaks as \n, quoted-printable undone. */
export const body = (m: Mail) => qp(m.text.replace(/\r\n/g, '\n').split('\n\n').slice(1).join('\n\n').replace(/=\n/g, ''));

/** The subject, its RFC 2047 words decoded and joined, as a mail reader shows it. */
export const subject = (m: Mail) => {
  const line = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(m.text)![1]!.replace(/\r?\n[ \t]/g, ' ');
  return line.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_, q: string) => qp(q.replace(/_/g, ' ')));
};

