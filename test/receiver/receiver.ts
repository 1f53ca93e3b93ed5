/**
 * The reference receiver: the cloud side of docs/upload-api.md, small enough
 * to read in one sitting, over real HTTPS with the test certificates. The
 * tests (and the demo) deliver to it; a script of faults makes it misbehave
 * the way a real service or the network in between does. It records every
 * request it sees, including those it cuts off: snapshot uploads, pings and
 * stray requests in `attempts`, heartbeats in `heartbeats`.
 *
 * Nothing here is product code: it exists so the client can be tested
 * against the contract, and so the cloud side has a working example.
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { contentHash, type Snapshot } from '../../src/deliver/snapshot';

export type Fault =
  | { status: 503 | 429 | 500 | 502 | 504; retryAfter?: number /* seconds */ }
  /** `body`: what a misbehaving service answers instead, e.g. an error that echoes what it was sent. */
  | { status: 401 | 403 | 400 | 413 | 422; body?: unknown }
  | { status: 409; stillProcessing: true; retryAfter?: number }
  /** 415 when the request is gzip-encoded; an identity body passes and leaves the fault queued for the next attempt. */
  | { kind: 'reject-gzip' }
  /** Reads the first chunk of the request body, then destroys the socket without answering. */
  | { kind: 'reset-mid-body' }
  /** Handles the request as usual (an import is stored), then waits ms before sending the response headers. */
  | { kind: 'slow-headers'; ms: number }
  /**
   * A confused service: runs the contract's checks, stores nothing, and answers 200 duplicate as if the snapshot
   * were another import. Each member given replaces the true answer's (another import's id, contentHash or counts,
   * or whatever a misbehaving service sends there; counts member by member); null leaves it out of the answer.
   */
  | { kind: 'confirm-other'; importId?: string; contentHash?: unknown; counts?: Record<string, unknown> | null }
  /**
   * Handles the request as usual (an import is stored), sends the response headers, then one byte of body (a space,
   * which JSON allows) every ms, and never ends it: a service or a proxy that trickles. undici's bodyTimeout is the
   * idle time between two chunks, so this never trips it; only a deadline ends the wait.
   */
  | { kind: 'trickle'; ms: number };

/** What a success answer counts: the lengths of the stored snapshot's arrays (docs/upload-api.md, "The confirmation"). */
export interface Counts { schools: number; persons: number; groups: number }

export interface Attempt {
  method: string;
  path: string;
  idempotencyKey?: string;
  authorization?: string;
  contentEncoding?: string;
  /** Request body bytes received on the wire (compressed, if it was). */
  bytes: number;
  /** Body bytes after gzip decoding, as far as the receiver went: it stops inflating at maxBytes. */
  decodedBytes?: number;
  status?: number;
  reset?: boolean;
}

/** A fault for POST /v1/heartbeat, taken one per heartbeat request before any check. */
export type HeartbeatFault =
  | { status: 503 | 429 | 500 | 401; retryAfter?: number /* seconds */ }
  /** Reads the whole body, then destroys the socket without answering. */
  | { kind: 'reset' };

/** One request to /v1/heartbeat. */
export interface HeartbeatRecord {
  authorization?: string;
  /** The status answered; 0 while unanswered, and for good when the receiver destroyed the connection (a scripted reset) or the client went away. */
  status: number;
  /** The body parsed as JSON, when the receiver read it (not after 401/403/415/413) and it was JSON; otherwise undefined. */
  body: unknown;
}

export interface StoredImport { importId: string; key: string; snapshot: unknown }

export interface Receiver {
  /** The base URL, https://localhost:PORT; the API lives under /v1. */
  url: string;
  port: number;
  attempts: Attempt[];
  imports: StoredImport[];
  /** Every request to /v1/heartbeat, in order (these are not in `attempts`). */
  heartbeats: HeartbeatRecord[];
  /** Queues faults; each POST /v1/snapshots attempt takes the next one before anything else is checked. */
  script(...faults: Fault[]): void;
  /** Queues faults for heartbeats, a queue of their own; each POST /v1/heartbeat takes the next one before anything else is checked. */
  scriptHeartbeat(...faults: HeartbeatFault[]): void;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  apiKeys: string[];
  /** Keys the service knows but that may not import: 403. */
  forbiddenKeys?: string[];
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Largest accepted body, measured after decoding. Default 50 MiB. */
  maxBytes?: number;
}

/** Every `error` value the receiver answers with (docs/upload-api.md documents each). */
export const ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'missing-idempotency-key',
  'invalid-idempotency-key',
  'unsupported-content-type',
  'unsupported-encoding',
  'invalid-gzip',
  'invalid-json',
  'too-large',
  'schema-validation',
  'idempotency-key-mismatch',
  'still-processing',
  'rate-limited',
  'unavailable',
  'internal',
  'bad-gateway',
  'gateway-timeout',
  'bad-request',
  'not-found',
  'method-not-allowed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const MAX_DETAILS = 100;
const DEFAULT_MAX_BYTES = 50 * 1024 * 1024;
const KEY_SHAPE = /^sha256:[0-9a-f]{64}$/;

const root = new URL('../../', import.meta.url);
const schema = JSON.parse(readFileSync(new URL('assets/snapshot-v1.schema.json', root), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv);
const validate = ajv.compile(schema);
/** The heartbeat body, as docs/upload-api.md's OpenAPI `Heartbeat` schema (a doc test keeps the two equal). */
export const HEARTBEAT_SCHEMA = JSON.parse(readFileSync(new URL('assets/heartbeat-v1.schema.json', root), 'utf8')) as Record<string, unknown>;
const validateHeartbeat = ajv.compile(HEARTBEAT_SCHEMA);
/** Largest accepted heartbeat body: 16 KiB. */
export const HEARTBEAT_MAX_BYTES = 16 * 1024;

const STATUS_ERRORS: Record<number, ErrorCode> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  413: 'too-large',
  422: 'schema-validation',
  429: 'rate-limited',
  500: 'internal',
  502: 'bad-gateway',
  503: 'unavailable',
  504: 'gateway-timeout',
};

const defaultTls = () => ({ key: readFileSync(new URL('test/certs/server.key', root)), cert: readFileSync(new URL('test/certs/server.crt', root)) });

type Body = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'invalid-gzip' | 'gone' };

interface Reply { status: number; body: unknown; headers?: Record<string, string> }

const invalidJson: Reply = { status: 400, body: { error: 'invalid-json', message: 'The body is not valid UTF-8 JSON.' } };

/** Never put the parser's message in an answer: it quotes the body, which may hold personal data. */
function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Paths and the schema's own words only: ajv's messages name schema values (constants, patterns, formats), never the body's. */
function details(errors: ErrorObject[] | null | undefined): { path: string; message: string }[] {
  return (errors ?? []).slice(0, MAX_DETAILS).map((e) => ({ path: e.instancePath, message: e.message ?? 'is invalid' }));
}

/** Constant-time comparison of two secrets of any length. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

export async function startReceiver(o: ReceiverOptions): Promise<Receiver> {
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const attempts: Attempt[] = [];
  const heartbeats: HeartbeatRecord[] = [];
  const heartbeatFaults: HeartbeatFault[] = [];
  const imports: StoredImport[] = [];
  const byKey = new Map<string, StoredImport & { contentHash: string; counts: Counts }>();
  /** The import id a key was given when the service "started processing" it (a scripted 409), reused when it is stored. */
  const pendingIds = new Map<string, string>();
  const faults: Fault[] = [];
  const timers = new Set<{ timer: NodeJS.Timeout; done: () => void }>();

  function authorize(req: IncomingMessage): Reply | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '');
    const key = match?.[1];
    if (key !== undefined && (o.forbiddenKeys ?? []).some((k) => sameSecret(k, key))) return { status: 403, body: { error: 'forbidden' } };
    if (key !== undefined && o.apiKeys.some((k) => sameSecret(k, key))) return undefined;
    return { status: 401, body: { error: 'unauthorized' }, headers: { 'www-authenticate': 'Bearer realm="procapita-sync"' } };
  }

  /**
   * Reads the body to its end, decoding gzip on the way, and stops decoding
   * (and keeping) bytes once the limit is passed: a gzip bomb is never
   * inflated beyond it. The rest of the raw body is read and thrown away, so
   * the client gets its answer on a healthy connection, up to rawCap.
   */
  function readBody(req: IncomingMessage, attempt: Attempt, gzip: boolean, limit: number, onRawCap: () => void): Promise<Body> {
    /** Past this many raw bytes the receiver answers at once and closes, rather than draining a huge body. */
    const rawCap = 2 * limit + 1024 * 1024;
    return new Promise((resolve) => {
      const parts: Buffer[] = [];
      let failed: 'too-large' | 'invalid-gzip' | undefined;
      let reqEnded = false;
      let inflaterDone = !gzip;
      let settled = false;
      const settle = (result: Body) => {
        if (settled) return;
        settled = true;
        resolve(result);
      };
      const finish = () => {
        if (!reqEnded || !inflaterDone) return;
        settle(failed ? { ok: false, reason: failed } : { ok: true, body: Buffer.concat(parts) });
      };
      const fail = (reason: 'too-large' | 'invalid-gzip') => {
        if (failed) return;
        failed = reason;
        parts.length = 0;
        inflater?.destroy();
        req.resume();
      };
      const take = (chunk: Buffer) => {
        if (failed) return;
        attempt.decodedBytes = (attempt.decodedBytes ?? 0) + chunk.length;
        if (attempt.decodedBytes > limit) fail('too-large');
        else parts.push(chunk);
      };

      const inflater = gzip ? zlib.createGunzip() : undefined;
      inflater?.on('data', take);
      inflater?.on('error', () => fail('invalid-gzip'));
      inflater?.on('close', () => {
        inflaterDone = true;
        finish();
      });

      req.on('data', (chunk: Buffer) => {
        attempt.bytes += chunk.length;
        if (attempt.bytes > rawCap && !settled) {
          fail('too-large');
          settle({ ok: false, reason: 'too-large' });
          onRawCap();
          return;
        }
        if (failed) return;
        if (!inflater) return take(chunk);
        if (!inflater.write(chunk)) {
          req.pause();
          inflater.once('drain', () => req.resume());
        }
      });
      req.on('end', () => {
        reqEnded = true;
        if (inflater && !failed) inflater.end();
        finish();
      });
      req.on('close', () => {
        if (!reqEnded) {
          inflater?.destroy();
          settle({ ok: false, reason: 'gone' });
        }
      });
    });
  }

  function drain(req: IncomingMessage, attempt: Attempt): Promise<boolean> {
    return new Promise((resolve) => {
      req.on('data', (chunk: Buffer) => void (attempt.bytes += chunk.length));
      req.on('end', () => resolve(true));
      req.on('close', () => resolve(req.complete));
    });
  }

  function send(res: ServerResponse, attempt: Attempt, reply: Reply, extra: Record<string, string> = {}): void {
    attempt.status = reply.status;
    if (res.destroyed || res.headersSent) return;
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(text)),
      'cache-control': 'no-store',
      ...reply.headers,
      ...extra,
    });
    res.end(text);
  }

  function wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => done(), ms), done: () => done() };
      const done = () => {
        clearTimeout(entry.timer);
        timers.delete(entry);
        resolve();
      };
      timers.add(entry);
    });
  }

  function faultReply(fault: Exclude<Fault, { kind: string }>, key: string | undefined): Reply {
    if ('stillProcessing' in fault) {
      const importId = (key && (byKey.get(key)?.importId ?? pendingIds.get(key))) || `imp_${randomUUID()}`;
      if (key) pendingIds.set(key, importId);
      return { status: 409, body: { error: 'still-processing', importId }, ...(fault.retryAfter !== undefined ? { headers: { 'retry-after': String(fault.retryAfter) } } : {}) };
    }
    const error = STATUS_ERRORS[fault.status]!;
    const body =
      'body' in fault && fault.body !== undefined ? fault.body
      : fault.status === 413 ? { error, limit: maxBytes }
      : fault.status === 422 ? { error, details: [] }
      : fault.status === 400 ? { error, message: 'Scripted fault.' }
      : { error };
    const headers: Record<string, string> = {};
    if ('retryAfter' in fault && fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
    if (fault.status === 401) headers['www-authenticate'] = 'Bearer realm="procapita-sync"';
    return { status: fault.status, body, headers };
  }

  /** Everything after the faults: the contract itself. */
  async function importSnapshot(req: IncomingMessage, res: ServerResponse, attempt: Attempt, other?: Extract<Fault, { kind: 'confirm-other' }>): Promise<Reply | undefined> {
    const denied = authorize(req);
    if (denied) return (await drain(req, attempt)) ? denied : undefined;

    const key = attempt.idempotencyKey;
    if (key === undefined || key.trim() === '') {
      return (await drain(req, attempt)) ? { status: 400, body: { error: 'missing-idempotency-key', message: 'Send the snapshot\'s contentHash as the Idempotency-Key header.' } } : undefined;
    }
    if (!KEY_SHAPE.test(key)) {
      return (await drain(req, attempt)) ? { status: 400, body: { error: 'invalid-idempotency-key', message: 'The Idempotency-Key must be "sha256:" followed by 64 lower-case hex digits.' } } : undefined;
    }
    const type = header(req, 'content-type');
    if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type.trim())) {
      return (await drain(req, attempt)) ? { status: 400, body: { error: 'unsupported-content-type', message: 'Send Content-Type: application/json.' } } : undefined;
    }
    const encoding = (attempt.contentEncoding ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      return (await drain(req, attempt)) ? { status: 415, body: { error: 'unsupported-encoding', message: 'Send the body gzip-encoded or not encoded.' }, headers: { 'accept-encoding': 'gzip, identity' } } : undefined;
    }

    const tooLarge: Reply = { status: 413, body: { error: 'too-large', limit: maxBytes } };
    const read = await readBody(req, attempt, encoding === 'gzip', maxBytes, () => send(res, attempt, tooLarge, { connection: 'close' }));
    if (!read.ok) {
      if (read.reason === 'gone') return undefined;
      if (read.reason === 'too-large') return tooLarge;
      return { status: 400, body: { error: 'invalid-gzip', message: 'The body is not valid gzip.' } };
    }

    const parsed = parseJson(read.body);
    if (!parsed.ok) return invalidJson;
    const body = parsed.value;

    if (!validate(body)) return { status: 422, body: { error: 'schema-validation', message: 'The body does not match snapshot format v1.', details: details(validate.errors) } };
    const snapshot = body as unknown as Snapshot;
    const hash = contentHash(snapshot);
    if (hash !== key || hash !== snapshot.contentHash) {
      const message = hash !== snapshot.contentHash ? 'The body\'s contentHash is not the hash of its content.' : 'The Idempotency-Key is not the content hash of the body.';
      return { status: 409, body: { error: 'idempotency-key-mismatch', message } };
    }

    // The confirmation: the hash and counts of what is stored under the key, so the client can check it is its snapshot.
    const counts: Counts = { schools: snapshot.schools.length, persons: snapshot.persons.length, groups: snapshot.groups.length };
    if (other) {
      const answer: Record<string, unknown> = { importId: other.importId ?? `imp_${randomUUID()}`, status: 'duplicate' };
      if (other.contentHash !== null) answer.contentHash = other.contentHash ?? hash;
      if (other.counts !== null) answer.counts = { ...counts, ...other.counts };
      return { status: 200, body: answer };
    }
    const known = byKey.get(key);
    if (known) return { status: 200, body: { importId: known.importId, status: 'duplicate', contentHash: known.contentHash, counts: known.counts } };
    const stored = { importId: pendingIds.get(key) ?? `imp_${randomUUID()}`, key, snapshot: body };
    pendingIds.delete(key);
    imports.push(stored);
    byKey.set(key, { ...stored, contentHash: hash, counts });
    return { status: 202, body: { importId: stored.importId, status: 'accepted', contentHash: hash, counts } };
  }

  /**
   * POST /v1/heartbeat: a fault if one is queued, else the contract, in the
   * order docs/upload-api.md gives. Recorded in `heartbeats`, not `attempts`.
   */
  async function heartbeat(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const record: HeartbeatRecord = { status: 0, body: undefined };
    const authorization = header(req, 'authorization');
    if (authorization !== undefined) record.authorization = authorization;
    heartbeats.push(record);
    /** Byte counts for readBody and drain; heartbeats do not go into `attempts`. */
    const counter: Attempt = { method: req.method ?? '', path, bytes: 0 };
    const answer = (reply: Reply, extra: Record<string, string> = {}): void => {
      record.status = reply.status;
      if (reply.status !== 204) return send(res, counter, reply, extra);
      if (res.destroyed || res.headersSent) return;
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
    };
    const tooLarge: Reply = { status: 413, body: { error: 'too-large', limit: HEARTBEAT_MAX_BYTES } };
    const read = (onRawCap: () => void) => readBody(req, counter, false, HEARTBEAT_MAX_BYTES, onRawCap);

    if (req.method !== 'POST') return void ((await drain(req, counter)) && answer({ status: 405, body: { error: 'method-not-allowed' }, headers: { allow: 'POST' } }));

    const fault = heartbeatFaults.shift();
    if (fault) {
      // Read (and keep, for the record) what the client sent; a body far beyond the limit is cut off without an answer.
      const body = await read(() => req.socket.destroy());
      if (body.ok) {
        const parsed = parseJson(body.body);
        if (parsed.ok) record.body = parsed.value;
      }
      if ('kind' in fault) return void req.socket.destroy();
      if (!body.ok && body.reason === 'gone') return;
      const headers: Record<string, string> = fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {};
      if (fault.status === 401) headers['www-authenticate'] = 'Bearer realm="procapita-sync"';
      return answer({ status: fault.status, body: { error: STATUS_ERRORS[fault.status]! }, headers });
    }

    const denied = authorize(req);
    if (denied) return void ((await drain(req, counter)) && answer(denied));
    const type = header(req, 'content-type');
    if (type === undefined || !/^application\/json\s*(;|$)/i.test(type.trim())) {
      return void ((await drain(req, counter)) && answer({ status: 415, body: { error: 'unsupported-content-type', message: 'Send Content-Type: application/json.' } }));
    }
    const encoding = (header(req, 'content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      return void ((await drain(req, counter)) && answer({ status: 415, body: { error: 'unsupported-encoding', message: 'Send the heartbeat without Content-Encoding.' }, headers: { 'accept-encoding': 'identity' } }));
    }
    const body = await read(() => answer(tooLarge, { connection: 'close' }));
    if (!body.ok) return void (body.reason !== 'gone' && answer(tooLarge));
    const parsed = parseJson(body.body);
    if (!parsed.ok) return answer(invalidJson);
    record.body = parsed.value;
    if (!validateHeartbeat(parsed.value)) {
      return answer({ status: 422, body: { error: 'schema-validation', message: 'The body does not match the heartbeat schema.', details: details(validateHeartbeat.errors) } });
    }
    answer({ status: 204, body: undefined });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://receiver.invalid').pathname;
    if (path === '/v1/heartbeat') return heartbeat(req, res, path);
    const attempt: Attempt = { method: req.method ?? '', path, bytes: 0 };
    const optional = { idempotencyKey: header(req, 'idempotency-key'), authorization: header(req, 'authorization'), contentEncoding: header(req, 'content-encoding') };
    for (const [name, value] of Object.entries(optional)) if (value !== undefined) (attempt as unknown as Record<string, string>)[name] = value;
    attempts.push(attempt);

    if (path === '/v1/ping') {
      if (req.method !== 'GET') return void ((await drain(req, attempt)) && send(res, attempt, { status: 405, body: { error: 'method-not-allowed' }, headers: { allow: 'GET' } }));
      await drain(req, attempt);
      return send(res, attempt, authorize(req) ?? { status: 200, body: { ok: true } });
    }
    if (path !== '/v1/snapshots') return void ((await drain(req, attempt)) && send(res, attempt, { status: 404, body: { error: 'not-found' } }));
    if (req.method !== 'POST') return void ((await drain(req, attempt)) && send(res, attempt, { status: 405, body: { error: 'method-not-allowed' }, headers: { allow: 'POST' } }));

    let delay = 0;
    let other: Extract<Fault, { kind: 'confirm-other' }> | undefined;
    let trickle = 0;
    const fault = faults[0];
    if (fault && 'kind' in fault) {
      if (fault.kind === 'confirm-other') {
        faults.shift();
        other = fault;
      } else if (fault.kind === 'reject-gzip') {
        if ((attempt.contentEncoding ?? '').trim().toLowerCase() === 'gzip') {
          faults.shift();
          if (await drain(req, attempt)) send(res, attempt, { status: 415, body: { error: 'unsupported-encoding', message: 'Send the body without Content-Encoding.' }, headers: { 'accept-encoding': 'identity' } });
          return;
        }
      } else if (fault.kind === 'reset-mid-body') {
        faults.shift();
        attempt.reset = true;
        await new Promise<void>((resolve) => {
          req.once('data', (chunk: Buffer) => {
            attempt.bytes += chunk.length;
            resolve();
          });
          req.once('end', () => resolve());
          req.once('close', () => resolve());
        });
        req.socket.destroy();
        return;
      } else if (fault.kind === 'trickle') {
        faults.shift();
        trickle = fault.ms;
      } else {
        faults.shift();
        delay = fault.ms;
      }
    } else if (fault) {
      faults.shift();
      if (await drain(req, attempt)) send(res, attempt, faultReply(fault, attempt.idempotencyKey));
      return;
    }

    const reply = await importSnapshot(req, res, attempt, other);
    if (!reply) return;
    if (delay > 0) {
      attempt.status = reply.status;
      await wait(delay);
    }
    if (trickle > 0) {
      attempt.status = reply.status;
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      const timer = setInterval(() => res.write(' '), trickle);
      // The client going away, or close() ending every connection, stops it.
      res.on('close', () => clearInterval(timer));
      return;
    }
    send(res, attempt, reply);
  }

  const tls = o.tls ?? defaultTls();
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A bug in the receiver: answer 500 so a test fails loudly rather than hangs.
      process.stderr.write(`receiver: ${err instanceof Error ? err.stack : String(err)}\n`);
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: 'internal' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `https://localhost:${port}`,
    port,
    attempts,
    imports,
    heartbeats,
    script: (...more) => void faults.push(...more),
    scriptHeartbeat: (...more) => void heartbeatFaults.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of [...timers]) t.done();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
