/** What the receiver and proxy tests share: a tiny roster, its snapshot, and an undici client that trusts the test CA. */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { Agent, request, type Dispatcher } from 'undici';
import type { Roster } from '../../src/decide/roster';
import { toSnapshot, type Snapshot } from '../../src/deliver/snapshot';

const cert = (file: string) => readFileSync(new URL(`../certs/${file}`, import.meta.url));
export const CA = cert('ca.crt');
export const UNTRUSTED_TLS = { key: cert('untrusted.key'), cert: cert('untrusted.crt') };

export const API_KEY = 'test-key-0f3c9a';
export const FORBIDDEN_KEY = 'test-key-readonly-77b1';

/** One school, a teacher and two students in one class: enough for every path through the receiver. */
export function tinyRoster(): Roster {
  return {
    syncDate: '2026-09-01',
    schools: [{ id: 'U1', code: 'ASK', name: 'Askens skola', schoolForms: ['GR'] }],
    persons: [
      { id: 'P1', roles: ['staff'], givenName: 'Karin', familyName: 'Lind', email: 'karin.lind@skola.example', schoolIds: ['U1'] },
      { id: 'P2', roles: ['student'], givenName: 'Olle', familyName: 'Berg', email: null, schoolIds: ['U1'] },
      { id: 'P3', roles: ['student'], givenName: 'Siv', familyName: 'Ek', email: 'siv.ek@elev.example', schoolIds: ['U1'] },
    ],
    groups: [
      { id: 'K1', kind: 'class', name: '7A', schoolId: 'U1', schoolForm: 'GR', startDate: '2026-08-17', endDate: '2027-06-11', teacherIds: ['P1'], studentIds: ['P2', 'P3'] },
    ],
  };
}

export function tinySnapshot(roster: Roster = tinyRoster()): Snapshot {
  return toSnapshot(roster, '0.1.0', new Date('2026-09-01T02:00:00Z'));
}

/** An undici dispatcher that trusts the test CA; the caller closes it. */
export function trustingAgent(options: Agent.Options = {}): Agent {
  return new Agent({ ...options, connect: { ca: CA, ...options.connect } });
}

export interface UploadOptions {
  dispatcher: Dispatcher;
  apiKey?: string | null;
  /** Defaults to the snapshot's contentHash; null sends none. */
  key?: string | null;
  encoding?: 'gzip' | 'identity' | 'br' | 'none';
  headers?: Record<string, string>;
  headersTimeout?: number;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

/**
 * POSTs a snapshot (or raw bytes) to {base}/v1/snapshots the way the
 * contract says the client does. `encoding: 'br'` labels a gzip body as br,
 * which is all it takes to be refused.
 */
export async function upload(base: string, body: Snapshot | Buffer, o: UploadOptions): Promise<Answer> {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  const encoding = o.encoding ?? 'gzip';
  const key = o.key === undefined ? (Buffer.isBuffer(body) ? null : body.contentHash) : o.key;
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'procapita-sync/0.1.0' };
  if (o.apiKey !== null) headers.authorization = `Bearer ${o.apiKey ?? API_KEY}`;
  if (key !== null) headers['idempotency-key'] = key;
  if (encoding !== 'none') headers['content-encoding'] = encoding;
  Object.assign(headers, o.headers);
  const payload = encoding === 'gzip' || encoding === 'br' ? gzipSync(raw) : raw;
  const res = await request(`${base}/v1/snapshots`, {
    method: 'POST',
    headers,
    body: payload,
    dispatcher: o.dispatcher,
    ...(o.headersTimeout !== undefined ? { headersTimeout: o.headersTimeout } : {}),
  });
  return answer(res);
}

export async function ping(base: string, o: { dispatcher: Dispatcher; apiKey?: string | null }): Promise<Answer> {
  const headers: Record<string, string> = o.apiKey === null ? {} : { authorization: `Bearer ${o.apiKey ?? API_KEY}` };
  return answer(await request(`${base}/v1/ping`, { headers, dispatcher: o.dispatcher }));
}

/** The run report of docs/upload-api.md's example heartbeat: a delivered run. */
export function validHeartbeat(): Record<string, unknown> {
  return {
    agent: { name: 'procapita-sync', version: '0.1.0' },
    startedAt: '2026-09-01T01:00:00.000Z',
    endedAt: '2026-09-01T01:02:13.000Z',
    outcome: 'delivered',
    exitCode: 0,
    exitName: 'ok',
    syncDate: '2026-09-01',
    contentHash: 'sha256:e7d47e8e11332222bd2cf69d34b4772d568668ae98e3e5920e9218243d5fa1d0',
    importId: 'imp_5b0c3a9e-61f4-4d8e-9f7e-0c6a1b2d3e4f',
  };
}

/**
 * POSTs a heartbeat (an object, sent as JSON, or raw bytes) to
 * {base}/v1/heartbeat the way the contract says the client does.
 */
export async function heartbeat(
  base: string,
  body: unknown,
  o: { dispatcher: Dispatcher; apiKey?: string | null; headers?: Record<string, string> },
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.apiKey !== null) headers.authorization = `Bearer ${o.apiKey ?? API_KEY}`;
  Object.assign(headers, o.headers);
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return answer(await request(`${base}/v1/heartbeat`, { method: 'POST', headers, body: payload, dispatcher: o.dispatcher }));
}

async function answer(res: Dispatcher.ResponseData): Promise<Answer> {
  const text = await res.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Left empty: the test looks at text.
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** The rejection of a promise, for asserting on errors without try/catch noise. */
export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected a failure, got a success');
}
