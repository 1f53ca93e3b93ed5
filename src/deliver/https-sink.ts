/**
 * Delivers a snapshot to the cloud service: one POST, gzip-compressed,
 * retried safely (the Idempotency-Key is the content hash), through a proxy
 * if there is one, with TLS always verified. The contract is docs/upload-api.md.
 */
import type { Dispatcher } from 'undici';
import { secretOrigin, type Credentials } from '../configure/credentials';
import { AppError, errorChain } from '../errors';
import { CHECK_CERTIFICATES, trustedCas, untrustedBecause } from '../tls-trust';
import type { EncodedSnapshot, Snapshot } from './snapshot';
import { given, joined, ours, safe, type SafeText } from '../safe-text';

export interface HttpsTarget {
  readonly url: string;
  /** The environment variable for the key, when the configuration names one; otherwise the key is in the credential store. */
  readonly apiKeyEnv?: string;
  readonly caFile?: string;
  readonly proxy?: { readonly url: string; readonly user?: string; readonly passwordEnv?: string };
  readonly deadlineSeconds: number;
  readonly connectTimeoutSeconds: number;
  readonly headersTimeoutSeconds: number;
  readonly bodyTimeoutSeconds: number;
}

/**
 * An id, status or error code from the service's answer, when it is one: the service may echo what it was sent,
 * so anything longer or with other characters is not repeated.
 */
const token = (x: unknown): SafeText | undefined => (typeof x === 'string' && /^[A-Za-z0-9._:-]{1,100}$/.test(x) ? ours(x) : undefined);

/** The counts the service confirms in its success answer: the lengths of the snapshot's three arrays (docs/upload-api.md, "The confirmation"). */
export interface UploadCounts {
  readonly schools: number;
  readonly persons: number;
  readonly groups: number;
}

export const COUNT_KINDS = ['schools', 'persons', 'groups'] as const satisfies readonly (keyof UploadCounts)[];

export function uploadCounts(s: Pick<Snapshot, 'schools' | 'persons' | 'groups'>): UploadCounts {
  return { schools: s.schools.length, persons: s.persons.length, groups: s.groups.length };
}

/**
 * Why a success answer does not confirm this snapshot, or undefined when it does: its contentHash must be the
 * snapshot's and its counts what was sent. A service that confirms another import, or confirms nothing, is not
 * believed. Only our own hash and numbers are named: the service's values are never repeated.
 */
export function unconfirmed(answer: Record<string, unknown>, snapshot: Snapshot): SafeText | undefined {
  const problems: SafeText[] = [];
  if (answer.contentHash === undefined || answer.contentHash === null) problems.push(safe`did not say which snapshot it holds (its answer has no contentHash)`);
  else if (answer.contentHash !== snapshot.contentHash) problems.push(safe`confirmed another snapshot (the contentHash in its answer is not this snapshot's)`);
  const theirs = answer.counts;
  if (!theirs || typeof theirs !== 'object') problems.push(safe`did not confirm the counts (its answer has none)`);
  else {
    const sent = uploadCounts(snapshot);
    const differ = COUNT_KINDS.filter((kind) => (theirs as Record<string, unknown>)[kind] !== sent[kind]);
    if (differ.length > 0) problems.push(safe`counted other numbers of ${joined(differ.map((kind) => safe`${ours(kind)} (we sent ${sent[kind]})`), ', ')}`);
  }
  if (problems.length === 0) return undefined;
  return joined(problems, ', and ');
}

export interface UploadResult {
  readonly importId: SafeText;
  readonly status: SafeText;
  /** The counts the service confirmed, which are the snapshot's. */
  readonly counts: UploadCounts;
  readonly attempts: number;
}

/** The world the sink touches, so tests can run it without waiting. */
export interface UploadIo {
  readonly credentials: Credentials;
  /** For HTTPS_PROXY and NO_PROXY. */
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: SafeText) => void;
  /** Waits between attempts; rejects when the signal aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
  readonly random: () => number;
  /** The run's deadline: the upload stops when it aborts, and the caller reports it. */
  readonly signal?: AbortSignal;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const BACKOFF_BASE_MS = 1000;
const BACKOFF_CAP_MS = 60_000;

/** The way to the service: direct, through the configured proxy, or through HTTPS_PROXY; TLS always verified. */
export async function dispatcherFor(target: HttpsTarget, io: Pick<UploadIo, 'env' | 'credentials'>, connectTimeoutMs = target.connectTimeoutSeconds * 1000): Promise<Dispatcher> {
  // undici is loaded by the commands that go online, not at every start.
  const { Agent, EnvHttpProxyAgent, ProxyAgent } = await import('undici');
  const env = io.env;
  const ca = await trustedCas(target.caFile, safe`target.caFile`);
  // keepAlive false: no TCP keep-alive probes. A delivery is a few short exchanges, and undici would
  // switch them on before the socket connects, which fails where the TCP_KEEPALIVE option is missing
  // (Wine runs the exe's smoke test; every connection failed with "connect UNKNOWN").
  const connect = { ...CHECK_CERTIFICATES, ca, timeout: connectTimeoutMs, keepAlive: false };
  if (target.proxy) {
    let token: string | undefined;
    if (target.proxy.user) {
      const password = await io.credentials.get('proxyPassword');
      token = `Basic ${Buffer.from(`${target.proxy.user}:${password}`).toString('base64')}`;
    }
    return new ProxyAgent({ uri: target.proxy.url, ...(token ? { token } : {}), requestTls: connect, proxyTls: connect });
  }
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
  if (httpsProxy) {
    return new EnvHttpProxyAgent({ httpsProxy, noProxy: env.NO_PROXY ?? env.no_proxy ?? '', connect, requestTls: connect, proxyTls: connect });
  }
  return new Agent({ connect });
}

/** Seconds from a Retry-After header (delta seconds or an HTTP date), or undefined. */
function retryAfterMs(header: string | string[] | undefined, now: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

type Outcome =
  | { kind: 'done'; result: Omit<UploadResult, 'attempts'> }
  | { kind: 'retry'; why: SafeText; waitMs?: number }
  | { kind: 'identity' }
  | { kind: 'fail'; error: AppError };

/** A request that got no answer: a TLS or proxy failure that retrying cannot mend, or a network error worth retrying (named by its code). */
export function networkOutcome(err: unknown, host: string): { kind: 'fail'; error: AppError } | { kind: 'retry'; why: SafeText } {
  const { codes, messages } = errorChain(err);
  const text = `${codes} ${messages}`;
  const detail = untrustedBecause(text);
  if (detail) {
    return {
      kind: 'fail',
      error: new AppError(
        'uploadFailed',
        safe`The TLS certificate presented for ${given(host)} is not trusted: ${detail}. If a proxy re-signs TLS, put its CA certificate in a PEM file and name it in target.caFile. Certificates are always checked.`,
        'targetCertificate',
      ),
    };
  }
  if (/\b407\b|Proxy response \(407\)|Proxy Authentication Required/i.test(text)) {
    return {
      kind: 'fail',
      error: new AppError(
        'uploadFailed',
        safe`The proxy asked for authentication (407). procapita-sync speaks Basic proxy authentication only: give target.proxy.user, and its password with \`procapita-sync credentials set proxyPassword\` (or in the environment variable named by target.proxy.passwordEnv). A proxy that wants NTLM or Negotiate (Windows login) needs a local relay such as cntlm, with target.proxy.url pointing at it.`,
      ),
    };
  }
  const code = /\b(E[A-Z]+|UND_ERR_[A-Z_]+)\b/.exec(text)?.[1];
  return { kind: 'retry', why: code ? ours(code) : safe`network error` };
}

/**
 * The service's answer to the API key, for uploads and pings alike: 401 an unknown key, 403 a key that may not import.
 * `credentials` says where the key came from; without it, the message names both places the configuration allows.
 */
export function keyRefused(status: 401 | 403, target: Pick<HttpsTarget, 'apiKeyEnv'>, credentials?: Pick<Credentials, 'origin'>): AppError {
  const origin = credentials?.origin?.('apiKey') ?? secretOrigin('apiKey', target.apiKeyEnv);
  return status === 401
    ? new AppError('accessDenied', safe`The upload service refused the API key (401). Check the key in ${origin}; it may have been rotated.`, 'targetKeyRefused')
    : new AppError('accessDenied', safe`The upload service accepted the API key but does not let it import (403). Ask the service to allow this municipality's key.`, 'targetKeyRefused');
}

/** Throws when `signal` aborts, at any point up to the answer's last byte: bodyTimeout is idle time between chunks, so a trickle never trips it. */
async function attempt(snapshot: Snapshot, url: string, dispatcher: Dispatcher, headers: Record<string, string>, body: Buffer, target: HttpsTarget, gzip: boolean, io: UploadIo, signal: AbortSignal): Promise<Outcome> {
  const { request } = await import('undici');
  const host = new URL(url).host;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
      body,
      headersTimeout: target.headersTimeoutSeconds * 1000,
      bodyTimeout: target.bodyTimeoutSeconds * 1000,
      signal,
    });
  } catch (err) {
    signal.throwIfAborted();
    return networkOutcome(err, host);
  }
  let text = '';
  try {
    text = await res.body.text();
  } catch (err) {
    signal.throwIfAborted();
    return networkOutcome(err, host);
  }
  const json = (() => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  })();
  const status = res.statusCode;
  const wait = retryAfterMs(res.headers['retry-after'], io.now());
  if (status >= 200 && status < 300) {
    const importId = token(json.importId);
    if (!importId) return { kind: 'fail', error: new AppError('uploadFailed', safe`The upload service answered ${status} without a valid import id. Check target.url: it should be the service's snapshot endpoint (\`procapita-sync help upload-api\`).`) };
    const answered = token(json.status) ?? safe`accepted`;
    const why = unconfirmed(json, snapshot);
    if (why) {
      // Not retried: the next run sends the same snapshot under the same key anyway, and the baseline waits for a confirmed one.
      return {
        kind: 'fail',
        error: new AppError(
          'uploadRejected',
          safe`The upload service answered ${status} ${answered} for import ${importId}, but it ${why}. The delivery does not count: the baseline is kept, and the next run sends snapshot ${ours(snapshot.contentHash)} again. Report it to the service with the run's date.`,
        ),
      };
    }
    return { kind: 'done', result: { importId, status: answered, counts: uploadCounts(snapshot) } };
  }
  if (status === 415 && gzip) return { kind: 'identity' };
  if (RETRY_STATUS.has(status)) return { kind: 'retry', why: safe`HTTP ${status}`, ...(wait !== undefined ? { waitMs: wait } : {}) };
  if (status === 409 && json.error === 'still-processing') return { kind: 'retry', why: safe`still processing`, ...(wait !== undefined ? { waitMs: wait } : {}) };
  const rejected = (message: SafeText) => ({ kind: 'fail' as const, error: new AppError('uploadRejected', message) });
  const error = token(json.error);
  switch (status) {
    case 401:
    case 403:
      return { kind: 'fail', error: keyRefused(status, target, io.credentials) };
    case 400:
      return rejected(safe`The upload service rejected the request as malformed (400${error ? safe`: ${error}` : ''}). This is a bug in procapita-sync or the service: report it.`);
    case 409:
      return rejected(safe`The upload service refused the snapshot because its Idempotency-Key does not match its content (409). This is a bug: report it.`);
    case 413:
      return rejected(safe`The snapshot is larger than the upload service accepts (413${typeof json.limit === 'number' ? safe`, limit ${json.limit} bytes` : ''}). Ask the service to raise its limit.`);
    case 422:
      return rejected(safe`The upload service found the snapshot invalid (422, ${Array.isArray(json.details) ? json.details.length : 'some'} problem(s)). Nothing was imported. Report it with the run's date.`);
    default:
      return rejected(safe`The upload service answered HTTP ${status}. Nothing was imported. Check target.url.`);
  }
}

/**
 * Uploads the snapshot, as encodeSnapshot made its bytes. Resolves once the service has it; throws an AppError
 * otherwise. Never a partial upload: the body is one buffer.
 */
export async function uploadSnapshot({ snapshot, body }: EncodedSnapshot, target: HttpsTarget, agentVersion: string, io: UploadIo): Promise<UploadResult> {
  const apiKey = await io.credentials.get('apiKey');
  const { gunzipSync, gzipSync } = process.getBuiltinModule('node:zlib');
  const compressed = body.kind === 'gzip' ? await body.bytes : gzipSync(Buffer.concat(body.pieces));
  // Only a service that refuses gzip (415) gets the plain JSON.
  const plain = () => (body.kind === 'json' ? Buffer.concat(body.pieces) : gunzipSync(compressed));
  const headers = {
    authorization: `Bearer ${apiKey}`,
    'content-type': 'application/json',
    'idempotency-key': snapshot.contentHash,
    'user-agent': `procapita-sync/${agentVersion}`,
  };
  const dispatcher = await dispatcherFor(target, io);
  // target.deadlineSeconds bounds the whole upload, the service's answer included; the run's deadline bounds it too.
  const own = AbortSignal.timeout(target.deadlineSeconds * 1000);
  const signal = io.signal ? AbortSignal.any([io.signal, own]) : own;
  const started = io.now();
  let gzip = true;
  let json: Buffer | undefined;
  let attempts = 0;
  let failures = 0;
  /** Why the last attempt failed, while waiting to try again. */
  let waitingAfter: SafeText | undefined;
  const giveUp = (why: SafeText) =>
    new AppError(
      'uploadFailed',
      safe`The upload did not get through: ${attempts} attempt(s) in ${Math.round((io.now() - started) / 1000)} s, the last failed with ${why}. Nothing was imported twice: the next run sends the same snapshot under the same Idempotency-Key. Check the network, the proxy and the service's status; target.deadlineSeconds sets how long to keep trying.`,
    );
  try {
    for (;;) {
      attempts++;
      const outcome = await attempt(snapshot, target.url, dispatcher, headers, gzip ? compressed : (json ??= plain()), target, gzip, io, signal);
      if (outcome.kind === 'done') return { ...outcome.result, attempts };
      if (outcome.kind === 'fail') throw outcome.error;
      if (outcome.kind === 'identity') {
        gzip = false;
        io.log(safe`The upload service does not take gzip (415); sending once more uncompressed.`);
        continue;
      }
      failures++;
      // Full jitter: sites that failed together must not retry together.
      const backoff = io.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
      const wait = Math.max(outcome.waitMs ?? 0, backoff);
      if (io.now() - started + wait > target.deadlineSeconds * 1000) throw giveUp(outcome.why);
      io.log(safe`Upload attempt ${attempts} failed (${outcome.why}); trying again in ${Math.ceil(wait / 1000)} s.`);
      waitingAfter = outcome.why;
      await io.sleep(wait, signal);
      signal.throwIfAborted();
      waitingAfter = undefined;
    }
  } catch (err) {
    // The run's deadline is the caller's to report; the upload's own is reported here.
    if (err instanceof AppError || !own.aborted || io.signal?.aborted) throw err;
    if (waitingAfter) throw giveUp(waitingAfter);
    throw new AppError(
      'uploadFailed',
      safe`The upload did not finish within target.deadlineSeconds (${target.deadlineSeconds} s): attempt ${attempts} was still waiting for the service's answer. The service may have the snapshot; the next run sends it again under the same Idempotency-Key, so it is never imported twice. Check the network, the proxy and the service's status; if the upload needs longer, raise target.deadlineSeconds.`,
    );
  } finally {
    // An aborted request may still hold its connection: close it rather than wait for it.
    await (signal.aborted ? dispatcher.destroy() : dispatcher.close()).catch(() => undefined);
  }
}
