/**
 * Builds the e-mail mapping table from Active Directory: one paged LDAP
 * search over an encrypted connection, then a pure step that matches the
 * accounts' keys (a ProCapita GUID or a personnummer) against ProCapita's
 * persons and reports on the directory's data quality.
 *
 * The search is all or nothing: any failure on the way throws, so that the
 * caller never writes a table from a partial read.
 */
import type * as tls from 'node:tls';
import type { Client, Entry, PagedResultsControl } from 'ldapts';
import type { AdConfig } from '../configure/config';
import { secretOrigin } from '../configure/credentials';
import { AppError, errorChain } from '../errors';
import type { CalendarDate, PersonRow } from '../extract/contract';
import { maskPersonalNumber, parsePersonalNumber } from '../personal-number';
import { printable } from '../printable';
import { CHECK_CERTIFICATES, trustedCas } from '../tls-trust';
import { isValidEmail } from '../email-address';
import type { MappingEntry } from './mapping-table';
import { count, given, ours, safe, type SafeText } from '../safe-text';

export interface AdEntry {
  readonly dn: string;
  /** The key attribute's first value, trimmed; null when the account has none. */
  readonly key: string | null;
  /** `mail` when it is a valid address, else `userPrincipalName` when valid, else null. */
  readonly email: string | null;
  /** userAccountControl has ACCOUNTDISABLE (2) set. */
  readonly disabled: boolean;
}

/**
 * What the build found. Every account the search returned is counted in
 * exactly one of: withoutKey, invalidKeys, a duplicate that was not kept,
 * disabledAccounts, withoutAddress, unmatchedInProCapita, mapped (checked in
 * that order). Accounts of persons with a protected identity are counted like
 * any other, so that no number singles them out; they are never listed.
 */
export interface QualityReport {
  /** Accounts the search returned. */
  entries: number;
  /** Rows written to the table. */
  mapped: number;
  /** Skipped: userAccountControl bit 2 (ACCOUNTDISABLE). */
  disabledAccounts: number;
  withoutKey: number;
  withoutAddress: number;
  /** A personnummer with an impossible date or a wrong check digit, or a key that is neither a GUID nor a personnummer. */
  invalidKeys: number;
  /** Keys that match no ProCapita person, by GUID or by normalised personnummer. Not written to the table. */
  unmatchedInProCapita: number;
  /** ProCapita persons without a protected identity (level 0) whom the table gives no address. */
  procapitaWithoutMatch: number;
  /** The same key on two or more accounts. Keys of persons with a protected identity are left out. */
  duplicateKeys: { key: string; accounts: string[]; kept: string }[];
}

/** `origin`: where the bind password came from, for messages (Credentials.origin: the configuration's own store entry). */
type Log = { log(line: SafeText): void; readonly origin?: SafeText | undefined };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** ACCOUNTDISABLE in userAccountControl. */
const ACCOUNT_DISABLED = 2;

// ---- Reading the directory ---------------------------------------------

interface Endpoint {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** host:port, for messages. */
  readonly where: SafeText;
}

function endpointOf(ad: AdConfig): Endpoint {
  let url: URL;
  try {
    url = new URL(ad.url);
  } catch {
    throw new AppError('config', safe`email.ad.url ${given(ad.url)} is not a valid URL. Give ldaps://host:636, or ldap://host:389 with email.ad.startTls.`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'ldaps' && scheme !== 'ldap') {
    throw new AppError('config', safe`email.ad.url ${given(ad.url)} is not an LDAP URL. Give ldaps://host:636, or ldap://host:389 with email.ad.startTls.`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const secure = scheme === 'ldaps';
  const port = url.port ? Number(url.port) : secure ? 636 : 389;
  return { secure, host, port, where: given(`${process.getBuiltinModule('node:net').isIP(host) === 6 ? `[${host}]` : host}:${port}`) };
}

/** Checks everything that can be checked before a connection is opened. */
function checkSettings(ad: AdConfig, password: string, { FilterParser }: Ldapts): Endpoint {
  const endpoint = endpointOf(ad);
  if (!endpoint.secure && !ad.startTls) {
    throw new AppError(
      'config',
      safe`email.ad.url ${given(ad.url)} is plain LDAP: the bind password and every address would cross the network unencrypted, so procapita-sync refuses it. Use ldaps://${given(endpoint.host)}:636, or keep ldap:// and set email.ad.startTls to true.`,
    );
  }
  if (endpoint.secure && ad.startTls) {
    throw new AppError('config', safe`email.ad.startTls is for ldap:// URLs; ${given(ad.url)} is already encrypted (LDAPS). Remove startTls, or use ldap://${given(endpoint.host)}:389 with it.`);
  }
  if (password === '') {
    // An empty password would make the simple bind an anonymous one (RFC 4513), which many servers accept.
    throw new AppError('accessDenied', safe`The password for the directory account ${given(ad.bindDn)} is empty: store it with \`procapita-sync credentials set ldapPassword\`, or set ${ad.passwordEnv ? safe`environment variable ${given(ad.passwordEnv)}` : 'the environment variable named by email.ad.passwordEnv'}, for the account that runs procapita-sync.`);
  }
  try {
    FilterParser.parseString(ad.filter);
  } catch (err) {
    throw new AppError('config', safe`email.ad.filter is not a valid LDAP filter (${given((err as Error).message)}). The default is (&(objectCategory=person)(objectClass=user)).`);
  }
  return endpoint;
}

const TLS_TRUST = /CERT|certificate|self[- ]signed|UNABLE_TO_(VERIFY|GET_ISSUER)|ALTNAME|altnames|Hostname\/IP/i;
const UNREACHABLE = /ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EADDRNOTAVAIL|ETIMEDOUT/;

/** Active Directory's reason inside a code-49 message ("AcceptSecurityContext error, data 52e"). */
function adBindReason(message: string): SafeText | undefined {
  const data = /\bdata ([0-9a-f]+)\b/i.exec(message)?.[1]?.toLowerCase();
  const reasons: Record<string, SafeText> = {
    '525': safe`the account does not exist`,
    '52e': safe`the password is wrong`,
    '530': safe`the account may not log on at this time`,
    '531': safe`the account may not log on from this computer`,
    '532': safe`the password has expired`,
    '533': safe`the account is disabled`,
    '701': safe`the account has expired`,
    '773': safe`the password must be changed before the account can be used`,
    '775': safe`the account is locked out`,
  };
  return data ? reasons[data] : undefined;
}

/** ldapts is loaded by the commands that read the directory, not at every start. */
type Ldapts = typeof import('ldapts');

type Phase = 'connect' | 'starttls' | 'bind' | 'search';
const PHASE_WORDS: Record<Phase, SafeText> = { connect: safe`connection`, starttls: safe`StartTLS request`, bind: safe`bind`, search: safe`search` };

/**
 * Turns ldapts's and Node's errors into messages that say what to check. Never includes the password, nor the
 * directory's own diagnostic text, which can quote a DN: only result codes, error codes and the settings.
 */
function explainLdapError(err: unknown, ad: AdConfig, endpoint: Endpoint, phase: Phase, read: number, { ResultCodeError }: Ldapts, origin?: SafeText): AppError {
  if (err instanceof AppError) return err;
  const { where } = endpoint;
  const { codes, messages } = errorChain(err);
  const text = `${codes} ${messages}`;
  const firewall = safe`that the firewall lets this machine reach TCP port ${endpoint.port} (${endpoint.secure ? '636 is LDAPS' : '389 is LDAP with StartTLS'})`;
  const nothingWritten = safe`Nothing was written; the previous mapping table, if any, is unchanged.`;
  const [bindDn, baseDn] = [given(ad.bindDn), given(ad.baseDn)];

  if (err instanceof ResultCodeError) {
    const code = err.code;
    const detail = safe`LDAP result code ${code}, ${ours(err.name)}`;
    if (phase === 'bind' && code === 49) {
      if (/\bdata 80090346\b/i.test(err.message)) {
        return new AppError(
          'emailMapping',
          safe`The domain controller at ${where} refused the bind for account ${bindDn} because it requires LDAP channel binding (data 80090346), which procapita-sync's LDAP client cannot send. Ask the AD administrators to set "Domain controller: LDAP server channel binding token requirements" to "When supported" for this connection, or to exempt it.`,
        );
      }
      const reason = adBindReason(err.message);
      return new AppError(
        'accessDenied',
        safe`The directory at ${where} refused the bind for account ${bindDn}${reason ? safe` (${reason})` : ''}: check the account (email.ad.bindDn: a DN, or on Active Directory also user@domain) and its password (${origin ?? secretOrigin('ldapPassword', ad.passwordEnv)}).`,
        'ldapBindRefused',
      );
    }
    if (code === 8 || code === 13) {
      return new AppError(
        'emailMapping',
        safe`The directory at ${where} requires an encrypted connection (${detail}) even though this one is ${endpoint.secure ? 'LDAPS' : 'upgraded with StartTLS'}. Check email.ad.url; ask the directory's administrators whether it requires a stronger TLS setup.`,
      );
    }
    if (phase === 'starttls') {
      return new AppError('emailMapping', safe`The directory at ${where} refused StartTLS (${detail}). Use ldaps://${given(endpoint.host)}:636 in email.ad.url instead, or ask the directory's administrators to enable TLS.`);
    }
    if (phase === 'search' && code === 32) {
      return new AppError('emailMapping', safe`email.ad.baseDn ${baseDn} does not exist in the directory at ${where} (${detail}). Check the DN. ${nothingWritten}`);
    }
    if (phase === 'search' && (code === 50 || code === 1 || code === 48)) {
      return new AppError('emailMapping', safe`The directory at ${where} does not let account ${bindDn} search under ${baseDn} (${detail}). Give the account read access to the user objects. ${nothingWritten}`);
    }
    if (phase === 'search' && (code === 4 || code === 11)) {
      return new AppError(
        'emailMapping',
        safe`The directory at ${where} stopped the search at its size limit (${detail}) although it was paged with ${ad.pageSize} entries a page. Lower email.ad.pageSize to the directory's MaxPageSize (AD: 1000), or narrow email.ad.baseDn. ${nothingWritten}`,
      );
    }
    if (phase === 'search' && code === 3) {
      return new AppError('emailMapping', safe`The directory at ${where} stopped the search at its time limit (${detail}). Lower email.ad.pageSize or narrow email.ad.baseDn and email.ad.filter. ${nothingWritten}`);
    }
    if (phase === 'search') {
      return new AppError('emailMapping', safe`The directory at ${where} refused the search under ${baseDn} (${detail}). Check email.ad.baseDn and email.ad.filter. ${nothingWritten}`);
    }
    return new AppError('emailMapping', safe`The directory at ${where} answered the ${PHASE_WORDS[phase]} with an error (${detail}).`);
  }

  if (TLS_TRUST.test(text)) {
    const detail = /ALTNAME|altnames|Hostname\/IP/i.test(text)
      ? safe`it does not name ${given(endpoint.host)}; give the host name the certificate names in email.ad.url`
      : /self[- ]signed/i.test(text)
        ? safe`it is self-signed, or signed by a CA that is not trusted`
        : /expired/i.test(text)
          ? safe`it has expired`
          : /not yet valid/i.test(text)
            ? safe`it is not valid yet`
            : safe`no trusted authority signed it`;
    return new AppError(
      'emailMapping',
      safe`The TLS certificate of the directory at ${where} is not trusted: ${detail}. Put the CA certificate that issued the domain controller's certificate in a PEM file and name it in email.ad.caFile${ad.caFile ? safe` (now ${given(ad.caFile)})` : ''}. Certificates are always checked.`,
      'ldapCertificate',
    );
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(codes)) {
    return new AppError('emailMapping', safe`The host name ${given(endpoint.host)} cannot be resolved. Check email.ad.url.`);
  }
  if (phase !== 'search' && (UNREACHABLE.test(codes) || /Connection timeout/.test(messages))) {
    const refused = /ECONNREFUSED/.test(codes);
    return new AppError(
      'emailMapping',
      safe`Cannot reach the directory at ${where} (${refused ? 'connection refused' : /ECONNREFUSED|ETIMEDOUT|Connection timeout/.test(text) ? safe`no answer within ${ad.timeoutSeconds} s` : codes}). Check the host and port in email.ad.url, that the domain controller is running, and ${firewall}.`,
    );
  }
  if (/Operation timed out/.test(messages)) {
    return new AppError(
      'emailMapping',
      phase === 'search'
        ? safe`The directory at ${where} did not answer the search (after ${read} accounts) within ${ad.timeoutSeconds} s. Raise email.ad.timeoutSeconds, or lower email.ad.pageSize. ${nothingWritten}`
        : safe`The directory at ${where} did not answer the ${PHASE_WORDS[phase]} within ${ad.timeoutSeconds} s. Raise email.ad.timeoutSeconds, or lower email.ad.pageSize.`,
    );
  }
  if (phase === 'search') {
    return new AppError('emailMapping', safe`The connection to the directory at ${where} was lost during the search (after ${read} accounts)${codes ? safe` (${codes})` : ''}. ${nothingWritten} Run again, and check the network if it keeps happening.`);
  }
  if (/UNSUPPORTED_PROTOCOL|unsupported protocol|PROTOCOL_VERSION/i.test(text)) {
    return new AppError('emailMapping', safe`The directory at ${where} offers no TLS version procapita-sync accepts${codes ? safe` (${codes})` : ''}: TLS 1.2 or later is required. Ask the directory's administrators to enable TLS 1.2 on the domain controller.`);
  }
  if (/ssl|tls|wrong version|handshake|ECONNRESET|socket hang up|closed|disconnected/i.test(text)) {
    return new AppError(
      'emailMapping',
      safe`The ${phase === 'starttls' ? 'StartTLS' : 'TLS'} handshake with the directory at ${where} failed${codes ? safe` (${codes})` : ''}. Check that the port speaks ${endpoint.secure ? 'LDAPS (636), not plain LDAP (389)' : 'LDAP with StartTLS (389)'}, that the domain controller has a certificate, and ${firewall}.`,
    );
  }
  return new AppError('emailMapping', safe`The directory at ${where} failed during the ${PHASE_WORDS[phase]}${codes ? safe` (${codes})` : ''}. Check email.ad in the configuration, or run doctor.`);
}

/** Rejects when `promise` takes longer than `ms`; the timer never keeps the process alive. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: Operation timed out`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * ldapts ends a paged search at the first page without entries, even when
 * the server's cookie says more pages follow. A server may send such a page
 * mid-way (RFC 2696 allows it); reading on would need the cookie ldapts does
 * not hand out, so such a search is refused rather than silently cut short.
 * This listens on the client's message parser, which ldapts keeps private.
 */
function watchForEmptyPagesWithCookie(client: Client, ldapts: Ldapts): () => boolean {
  const parser = (client as unknown as { messageParser?: { on(event: 'message', listener: (message: unknown) => void): void } }).messageParser;
  let seen = false;
  parser?.on('message', (message) => {
    if (!(message instanceof ldapts.SearchResponse) || message.searchEntries.length > 0 || message.searchReferences.length > 0) return;
    const paged = message.controls?.find((c): c is PagedResultsControl => c instanceof ldapts.PagedResultsControl);
    if (paged?.value?.cookie?.length) seen = true;
  });
  return () => seen;
}

/** The first value of an attribute, whatever case the server gives its name in. */
function firstValue(entry: Entry, attribute: string): string | null {
  const name = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const value: unknown = name === undefined ? undefined : entry[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  const text = Buffer.isBuffer(first) ? first.toString('utf8') : typeof first === 'string' ? first : null;
  const trimmed = text?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function toAdEntry(entry: Entry, keyAttribute: string): AdEntry {
  const mail = firstValue(entry, 'mail');
  const upn = firstValue(entry, 'userPrincipalName');
  const uac = Number(firstValue(entry, 'userAccountControl') ?? '0');
  return {
    dn: entry.dn,
    key: firstValue(entry, keyAttribute),
    email: mail !== null && isValidEmail(mail) ? mail : upn !== null && isValidEmail(upn) ? upn : null,
    disabled: Number.isInteger(uac) && (uac & ACCOUNT_DISABLED) !== 0,
  };
}

/**
 * A session with the directory, bound as the service account: LDAPS, or
 * StartTLS on ldap://. `at.phase` follows each step, so that a failure can be
 * explained by where it happened. The caller searches, then unbinds.
 */
async function openSession(ad: AdConfig, password: string, at: { phase: Phase }, log?: (line: SafeText) => void) {
  const ldapts = await import('ldapts');
  const endpoint = checkSettings(ad, password, ldapts);
  const ca = await trustedCas(ad.caFile, safe`email.ad.caFile`);
  const ms = ad.timeoutSeconds * 1000;
  const tlsOptions: tls.ConnectionOptions = { ...CHECK_CERTIFICATES, minVersion: 'TLSv1.2', ca };
  // ldapts opens a TLS connection straight away whenever tlsOptions are given, even for ldap://:
  // with StartTLS they go to startTLS() instead.
  const client = new ldapts.Client({ url: ad.url, timeout: ms, connectTimeout: ms, ...(endpoint.secure ? { tlsOptions } : {}) });
  const bind = async () => {
    if (!endpoint.secure) {
      at.phase = 'starttls';
      const servername = process.getBuiltinModule('node:net').isIP(endpoint.host) === 0 ? { servername: endpoint.host } : {};
      await within(client.startTLS({ ...tlsOptions, host: endpoint.host, ...servername }), ms, 'StartTLS');
    }
    at.phase = 'bind';
    log?.(safe`Binding to ${endpoint.where} as ${given(ad.bindDn)} (${endpoint.secure ? 'LDAPS' : 'StartTLS'})...`);
    await client.bind(ad.bindDn, password);
  };
  return { ldapts, client, endpoint, bind, unbind: () => within(client.unbind(), 5000, 'unbind').catch(() => undefined) };
}

/**
 * Reads every account under email.ad.baseDn that the filter selects: one
 * paged search (never a size limit, which would make a truncated answer look
 * complete) over LDAPS or StartTLS. Throws an AppError on any failure, so a
 * partial list is never returned.
 */
export async function readAdEntries(ad: AdConfig, password: string, io: Log): Promise<AdEntry[]> {
  const at: { phase: Phase } = { phase: 'connect' };
  const { ldapts, client, endpoint, bind, unbind } = await openSession(ad, password, at, (line) => io.log(line));
  const emptyPageWithCookie = watchForEmptyPagesWithCookie(client, ldapts);
  const entries: AdEntry[] = [];
  try {
    await bind();
    at.phase = 'search';
    io.log(safe`Searching ${given(ad.baseDn)} for ${given(ad.filter)}, ${ad.pageSize} accounts a page...`);
    const pages = client.searchPaginated(ad.baseDn, {
      scope: 'sub',
      filter: ad.filter,
      attributes: [ad.keyAttribute, 'mail', 'userPrincipalName', 'userAccountControl'],
      paged: { pageSize: ad.pageSize },
    });
    let page = 0;
    for await (const result of pages) {
      page++;
      for (const entry of result.searchEntries) entries.push(toAdEntry(entry, ad.keyAttribute));
      if (result.searchEntries.length > 0 && page % 10 === 0) io.log(safe`  ${entries.length} accounts so far`);
    }
    if (emptyPageWithCookie()) {
      throw new AppError(
        'emailMapping',
        safe`The directory at ${endpoint.where} sent a page without entries in the middle of the search (after ${entries.length} accounts), which the LDAP client cannot read past. Nothing was written. Raise email.ad.pageSize, or narrow email.ad.filter so that the directory finds matches faster.`,
      );
    }
    io.log(safe`Read ${entries.length} accounts in ${count(page, 'page')}.`);
    return entries;
  } catch (err) {
    throw explainLdapError(err, ad, endpoint, at.phase, entries.length, ldapts, io.origin);
  } finally {
    await unbind();
  }
}

/**
 * Connects, binds as the service account and reads email.ad.baseDn itself
 * (one base-scope search): for `doctor` and the setup wizard. Throws the
 * AppError a build would.
 */
export async function probeDirectory(ad: AdConfig, password: string, origin?: SafeText): Promise<void> {
  const at: { phase: Phase } = { phase: 'connect' };
  const { ldapts, client, endpoint, bind, unbind } = await openSession(ad, password, at);
  try {
    await bind();
    at.phase = 'search';
    await client.search(ad.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
  } catch (err) {
    throw explainLdapError(err, ad, endpoint, at.phase, 0, ldapts, origin);
  } finally {
    await unbind();
  }
}

// ---- Building the table --------------------------------------------------

type Key = { readonly kind: 'guid' | 'pnr'; readonly normalized: string };

function normalizeKey(key: string, today: CalendarDate): Key | null {
  if (GUID.test(key)) return { kind: 'guid', normalized: key.toLowerCase() };
  const pnr = parsePersonalNumber(key, today);
  return pnr.ok ? { kind: 'pnr', normalized: pnr.normalized } : null;
}

/** Enabled before disabled, with an address before without, then the smallest DN. */
function keepOrder(a: AdEntry, b: AdEntry): number {
  if (a.disabled !== b.disabled) return a.disabled ? 1 : -1;
  if ((a.email === null) !== (b.email === null)) return a.email === null ? 1 : -1;
  return a.dn < b.dn ? -1 : a.dn > b.dn ? 1 : 0;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Matches the accounts' keys against ProCapita's persons and makes the table:
 * one row per normalised key (a lower-case GUID or a 12-digit personnummer)
 * of an enabled account with an address whose key names a ProCapita person,
 * sorted by key. Pure.
 */
export function buildMapping(entries: readonly AdEntry[], persons: readonly PersonRow[], today: CalendarDate): { table: MappingEntry[]; report: QualityReport } {
  // Each normalised key → the ProCapita persons it names.
  const personsByKey = new Map<string, PersonRow[]>();
  const add = (key: string, p: PersonRow) => {
    const list = personsByKey.get(key);
    if (list) list.push(p);
    else personsByKey.set(key, [p]);
  };
  for (const p of persons) {
    add(p.person_id.toLowerCase(), p);
    if (p.personal_number) {
      const pnr = parsePersonalNumber(p.personal_number, today);
      if (pnr.ok) add(pnr.normalized, p);
    }
  }

  const report: QualityReport = {
    entries: entries.length,
    mapped: 0,
    disabledAccounts: 0,
    withoutKey: 0,
    withoutAddress: 0,
    invalidKeys: 0,
    unmatchedInProCapita: 0,
    procapitaWithoutMatch: 0,
    duplicateKeys: [],
  };

  const accountsByKey = new Map<string, { key: Key; accounts: AdEntry[] }>();
  for (const entry of entries) {
    if (entry.key === null) {
      report.withoutKey++;
      continue;
    }
    const key = normalizeKey(entry.key, today);
    if (!key) {
      report.invalidKeys++;
      continue;
    }
    const group = accountsByKey.get(key.normalized);
    if (group) group.accounts.push(entry);
    else accountsByKey.set(key.normalized, { key, accounts: [entry] });
  }

  const table: MappingEntry[] = [];
  const matched = new Set<PersonRow>();
  for (const { key, accounts } of accountsByKey.values()) {
    const named = personsByKey.get(key.normalized) ?? [];
    const kept = accounts.length === 1 ? accounts[0]! : [...accounts].sort(keepOrder)[0]!;
    // Listed only when the key is a ProCapita person who is not protected: a key that matches no one read could be a
    // protected person's whom tonight's rows did not include.
    if (accounts.length > 1 && named.length > 0 && named.every((p) => p.protected_identity === 0)) {
      report.duplicateKeys.push({
        key: key.kind === 'pnr' ? maskPersonalNumber(key.normalized) : key.normalized,
        accounts: accounts.map((a) => a.dn).sort(byText),
        kept: kept.dn,
      });
    }
    if (kept.disabled) report.disabledAccounts++;
    else if (kept.email === null) report.withoutAddress++;
    // A protected person's key and address never go into a file: counted as unmatched, which reveals nothing.
    else if (named.length === 0 || named.some((p) => p.protected_identity !== 0)) report.unmatchedInProCapita++;
    else {
      report.mapped++;
      table.push({ key: key.normalized, email: kept.email });
      for (const p of named) matched.add(p);
    }
  }

  table.sort((a, b) => byText(a.key, b.key));
  report.duplicateKeys.sort((a, b) => byText(a.key, b.key) || byText(a.kept, b.kept));
  report.procapitaWithoutMatch = persons.filter((p) => p.protected_identity === 0 && !matched.has(p)).length;
  return { table, report };
}

/** What a build from the directory gives: the accounts read, the table's rows and the quality report. */
export interface DirectoryBuild {
  readonly accounts: number;
  readonly table: MappingEntry[];
  readonly report: QualityReport;
}

/**
 * Reads the directory and builds the table: the one way `ad-mapping build`
 * and the nightly refresh (ad-refresh.ts) make it. Writes nothing. Refuses,
 * with exit code 11, a search that found no accounts (a wrong baseDn or
 * filter) and a table with no entries (the run refuses one): neither may
 * replace a good table. `onReport` sees the quality report before that check.
 */
export async function buildFromDirectory(
  ad: AdConfig,
  password: string,
  persons: readonly PersonRow[],
  today: CalendarDate,
  io: Log & { readonly mappingFile: string; readonly onReport?: (report: QualityReport) => void },
): Promise<DirectoryBuild> {
  const entries = await readAdEntries(ad, password, io);
  if (entries.length === 0) {
    throw new AppError('emailMapping', safe`The directory search under ${given(ad.baseDn)} found no accounts. Check email.ad.baseDn and email.ad.filter; the existing table ${given(io.mappingFile)} was kept.`);
  }
  const { table, report } = buildMapping(entries, persons, today);
  io.onReport?.(report);
  if (table.length === 0) {
    const why = io.onReport ? safe`see the report above` : safe`\`ad-mapping build\` shows its quality report`;
    throw new AppError('emailMapping', safe`None of the ${entries.length} directory accounts gave a table entry (${why}). Check email.ad.keyAttribute; the existing table ${given(io.mappingFile)} was kept.`);
  }
  return { accounts: entries.length, table, report };
}

const MAX_DUPLICATES_SHOWN = 25;

/** The words of the quality report; the default is English. The setup wizard passes its own language's. */
export interface QualityWords {
  readonly accountsRead: (n: number) => string;
  readonly mapped: (n: number) => string;
  readonly withoutKey: (n: number) => string;
  readonly invalidKeys: (n: number) => string;
  readonly disabled: (n: number) => string;
  readonly withoutAddress: (n: number) => string;
  readonly unmatched: (n: number) => string;
  readonly duplicatesSkipped: (n: number) => string;
  readonly procapitaWithoutMatch: (n: number) => string;
  readonly duplicateKeys: (n: number) => string;
  readonly kept: (key: string, dn: string) => string;
  readonly also: (dn: string) => string;
  readonly more: (n: number) => string;
}

export const ENGLISH_QUALITY: QualityWords = {
  accountsRead: (n: number) => `Active Directory: ${n} account${n === 1 ? '' : 's'} read.`,
  mapped: (n: number) => `${n} written to the mapping table`,
  withoutKey: (n: number) => `${n} without a key`,
  invalidKeys: (n: number) => `${n} with an invalid key (neither a GUID nor a valid personnummer)`,
  disabled: (n: number) => `${n} disabled, skipped`,
  withoutAddress: (n: number) => `${n} without a valid address in mail or userPrincipalName`,
  unmatched: (n: number) => `${n} whose key matches no ProCapita person, not written`,
  duplicatesSkipped: (n: number) => `${n} not used because another account has the same key`,
  procapitaWithoutMatch: (n: number) => `ProCapita: ${n} person${n === 1 ? '' : 's'} without a protected identity get no address from the table.`,
  duplicateKeys: (n: number) => `Keys on more than one account (${n}); one account was kept for each, enabled and with an address first, then the smallest DN:`,
  kept: (key: string, dn: string) => `${key}: kept ${dn}`,
  also: (dn: string) => `also ${dn}`,
  more: (n: number) => `... and ${n} more`,
};

/**
 * The report for the terminal: counts, and the duplicate keys with their
 * accounts' DNs. Personnummer are masked; nothing names a person with a
 * protected identity (buildMapping leaves their keys out of the list).
 */
export function formatQualityReport(r: QualityReport, w: QualityWords = ENGLISH_QUALITY): string {
  const skippedDuplicates = r.duplicateKeys.reduce((n, d) => n + d.accounts.length - 1, 0);
  const lines = [
    w.accountsRead(r.entries),
    `  ${w.mapped(r.mapped)}`,
    `  ${w.withoutKey(r.withoutKey)}`,
    `  ${w.invalidKeys(r.invalidKeys)}`,
    `  ${w.disabled(r.disabledAccounts)}`,
    `  ${w.withoutAddress(r.withoutAddress)}`,
    `  ${w.unmatched(r.unmatchedInProCapita)}`,
  ];
  if (r.duplicateKeys.length > 0) lines.push(`  ${w.duplicatesSkipped(skippedDuplicates)}`);
  lines.push(w.procapitaWithoutMatch(r.procapitaWithoutMatch));
  if (r.duplicateKeys.length > 0) {
    lines.push(w.duplicateKeys(r.duplicateKeys.length));
    for (const d of r.duplicateKeys.slice(0, MAX_DUPLICATES_SHOWN)) {
      lines.push(`  ${w.kept(d.key, d.kept)}`);
      for (const dn of d.accounts) if (dn !== d.kept) lines.push(`    ${w.also(dn)}`);
    }
    if (r.duplicateKeys.length > MAX_DUPLICATES_SHOWN) lines.push(`  ${w.more(r.duplicateKeys.length - MAX_DUPLICATES_SHOWN)}`);
  }
  // DNs come from the directory.
  return lines.map(printable).join('\n');
}
