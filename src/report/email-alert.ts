/**
 * Sends an e-mail alert over SMTP with nodemailer: STARTTLS that must
 * succeed, or TLS from the first byte; the server's certificate checked
 * against Node's roots, the system's store and alerts.email.caFile.
 * sendAlertMail never throws: an alert that fails is the log's business, not
 * the run's outcome.
 */
import type { EmailAlertConfig } from '../configure/config';
import type { Credentials } from '../configure/credentials';
import { AppError } from '../errors';
import { CHECK_CERTIFICATES, trustedCas } from '../tls-trust';
import { given, ours, safe, type SafeText } from '../safe-text';
import type { AlertMail } from './alerts';

/** The SMTP server's port: the configured one, or the usual one for its security. */
export const smtpPort = (cfg: EmailAlertConfig): number => cfg.port ?? (cfg.security === 'tls' ? 465 : 587);

/** `host:port` of the SMTP server, for labels and messages. */
export const smtpWhere = (cfg: EmailAlertConfig): string => `${cfg.host}:${smtpPort(cfg)}`;

/**
 * Runs `use` on a nodemailer transport for the configuration, and closes it:
 * an alert sends with it, and `doctor` and `credentials test smtpPassword` log
 * in with it. nodemailer's errors go to the caller as they are (whyMailFailed).
 */
export async function withSmtp<T>(cfg: EmailAlertConfig, credentials: Credentials, use: (transport: import('nodemailer').Transporter) => Promise<T>): Promise<T> {
  const nodemailer = (await import('nodemailer')).default;
  const ca = await trustedCas(cfg.caFile, safe`alerts.email.caFile`);
  const tls = cfg.security === 'tls';
  const ms = cfg.timeoutSeconds * 1000;
  const transport = nodemailer.createTransport({
    host: cfg.host,
    port: smtpPort(cfg),
    secure: tls,
    requireTLS: !tls,
    ...(cfg.user ? { auth: { user: cfg.user, pass: await credentials.get('smtpPassword') } } : {}),
    tls: { ...CHECK_CERTIFICATES, minVersion: 'TLSv1.2', ca, servername: cfg.host },
    connectionTimeout: ms,
    greetingTimeout: ms,
    socketTimeout: ms,
    // The text is ours: no attachments or links for nodemailer to fetch.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  try {
    return await use(transport);
  } finally {
    transport.close();
  }
}

// nodemailer reports a refused certificate as ESOCKET: Node's own code and words are in the message and the cause.
const CERTIFICATE_PROBLEM = /CERT|SELF.SIGNED|UNABLE.TO.(VERIFY|GET.ISSUER)|ALTNAME|HOSTNAME|certificate/i;

/** What went wrong, in the kind of problem and the setting to look at: never the server's own words, which may echo addresses. */
export function whyMailFailed(err: unknown, cfg: EmailAlertConfig): SafeText {
  if (err instanceof AppError) return err.message;
  const e = err as { code?: unknown; responseCode?: unknown; cause?: { code?: unknown }; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const detail = `${typeof e.cause?.code === 'string' ? e.cause.code : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  const where = given(smtpWhere(cfg));
  if (code === 'EAUTH') return safe`the SMTP server ${where} refused the login of ${given(cfg.user ?? '(no user)')}. Store the right password as the account that runs the task: procapita-sync credentials set smtpPassword.`;
  if (CERTIFICATE_PROBLEM.test(detail)) return safe`the TLS certificate of the SMTP server ${where} is not trusted. Name the CA that signed it in alerts.email.caFile.`;
  if (code === 'ETIMEDOUT') return safe`the SMTP server ${where} did not answer within ${cfg.timeoutSeconds} s (alerts.email.timeoutSeconds).`;
  if (code === 'ECONNECTION' || code === 'ESOCKET' || code === 'EDNS') return safe`the connection to the SMTP server ${where} failed or was closed (${ours(code)}). Check alerts.email.host, port and security, and the firewall.`;
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return safe`the SMTP server ${where} refused the message (${ours(code)}${typeof e.responseCode === 'number' ? safe`, SMTP ${e.responseCode}` : safe``}). Check alerts.email.from and to.`;
  return safe`the message could not be sent through ${where}${code ? safe` (${ours(code)})` : safe``}.`;
}

/** Undefined when the message was accepted; otherwise why not. */
export async function sendAlertMail(cfg: EmailAlertConfig, mail: AlertMail, credentials: Credentials): Promise<SafeText | undefined> {
  try {
    await withSmtp(cfg, credentials, (t) => t.sendMail({ from: cfg.from, to: [...cfg.to], subject: mail.subject, text: mail.text }));
    return undefined;
  } catch (err) {
    return whyMailFailed(err, cfg);
  }
}
