import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Agent } from 'undici';
import { contentHash } from '../../src/deliver/snapshot';
import { MAX_DETAILS, startReceiver, type Receiver, type ReceiverOptions } from './receiver';
import { API_KEY, FORBIDDEN_KEY, UNTRUSTED_TLS, failure, ping, tinyRoster, tinySnapshot, trustingAgent, upload } from './support';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(o: Partial<ReceiverOptions> = {}): Promise<{ receiver: Receiver; agent: Agent }> {
  const receiver = await startReceiver({ apiKeys: [API_KEY], forbiddenKeys: [FORBIDDEN_KEY], ...o });
  const agent = trustingAgent();
  open.push(receiver, agent);
  return { receiver, agent };
}

describe('reference receiver: the upload contract', () => {
  it('accepts a gzip snapshot with 202 and the confirmation (its contentHash and counts), stores it once, and answers a repeat with 200 duplicate', async () => {
    const { receiver, agent } = await setup();
    const snapshot = tinySnapshot();

    const first = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(first.status).toBe(202);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(first.json).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'accepted', contentHash: snapshot.contentHash, counts: { schools: 1, persons: 3, groups: 1 } });
    expect(receiver.imports).toEqual([{ importId: first.json.importId, key: snapshot.contentHash, snapshot: JSON.parse(JSON.stringify(snapshot)) }]);

    const again = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ importId: first.json.importId, status: 'duplicate', contentHash: snapshot.contentHash, counts: { schools: 1, persons: 3, groups: 1 } });
    expect(receiver.imports).toHaveLength(1);

    expect(receiver.attempts).toEqual([
      { method: 'POST', path: '/v1/snapshots', idempotencyKey: snapshot.contentHash, authorization: `Bearer ${API_KEY}`, contentEncoding: 'gzip', bytes: expect.any(Number), decodedBytes: JSON.stringify(snapshot).length, status: 202 },
      expect.objectContaining({ status: 200 }),
    ]);
    expect(receiver.attempts[0]!.bytes).toBeLessThan(JSON.stringify(snapshot).length);
  });

  it('a later night with the same content but another date and clock is the same import', async () => {
    const { receiver, agent } = await setup();
    const monday = tinySnapshot();
    const tuesday = { ...tinySnapshot({ ...tinyRoster(), syncDate: '2026-09-02' }), generatedAt: '2026-09-02T02:00:00.000Z' };
    expect(tuesday.contentHash).toBe(monday.contentHash);
    expect((await upload(receiver.url, monday, { dispatcher: agent })).status).toBe(202);
    expect((await upload(receiver.url, tuesday, { dispatcher: agent })).json.status).toBe('duplicate');
  });

  it('accepts a body without Content-Encoding, or with identity', async () => {
    const { receiver, agent } = await setup();
    const one = tinySnapshot();
    const two = tinySnapshot({ ...tinyRoster(), schools: [{ ...tinyRoster().schools[0]!, name: 'Askens skola 2' }] });
    expect((await upload(receiver.url, one, { dispatcher: agent, encoding: 'none' })).status).toBe(202);
    expect((await upload(receiver.url, two, { dispatcher: agent, encoding: 'identity' })).status).toBe(202);
    expect(receiver.imports).toHaveLength(2);
    expect(receiver.attempts.map((a) => a.contentEncoding)).toEqual([undefined, 'identity']);
  });

  it('refuses any other encoding (br) with 415 unsupported-encoding', async () => {
    const { receiver, agent } = await setup();
    const r = await upload(receiver.url, tinySnapshot(), { dispatcher: agent, encoding: 'br' });
    expect(r.status).toBe(415);
    expect(r.json.error).toBe('unsupported-encoding');
    expect(receiver.imports).toHaveLength(0);
  });

  it('401 for a missing or unknown key, 403 for a key that may not import', async () => {
    const { receiver, agent } = await setup();
    const snapshot = tinySnapshot();
    const wrong = await upload(receiver.url, snapshot, { dispatcher: agent, apiKey: 'not-a-key' });
    expect(wrong.status).toBe(401);
    expect(wrong.json).toEqual({ error: 'unauthorized' });
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await upload(receiver.url, snapshot, { dispatcher: agent, apiKey: null })).status).toBe(401);
    const forbidden = await upload(receiver.url, snapshot, { dispatcher: agent, apiKey: FORBIDDEN_KEY });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json).toEqual({ error: 'forbidden' });
    expect(receiver.imports).toHaveLength(0);
  });

  it('400 without an Idempotency-Key, or with one that is not a content hash', async () => {
    const { receiver, agent } = await setup();
    const missing = await upload(receiver.url, tinySnapshot(), { dispatcher: agent, key: null });
    expect(missing.status).toBe(400);
    expect(missing.json).toEqual({ error: 'missing-idempotency-key', message: expect.any(String) });
    const malformed = await upload(receiver.url, tinySnapshot(), { dispatcher: agent, key: 'SHA256:ABC' });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe('invalid-idempotency-key');
  });

  it('400 for a body that is not JSON, without quoting it back', async () => {
    const { receiver, agent } = await setup();
    const r = await upload(receiver.url, Buffer.from('{"persons": [19121212-1212'), { dispatcher: agent, key: tinySnapshot().contentHash });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid-json', message: expect.any(String) });
    expect(r.text).not.toContain('1212');
  });

  it('400 for a body that claims gzip but is not, and for another Content-Type', async () => {
    const { receiver, agent } = await setup();
    const snapshot = tinySnapshot();
    const notGzip = await upload(receiver.url, Buffer.from(JSON.stringify(snapshot)), { dispatcher: agent, key: snapshot.contentHash, encoding: 'identity', headers: { 'content-encoding': 'gzip' } });
    expect(notGzip.status).toBe(400);
    expect(notGzip.json.error).toBe('invalid-gzip');
    const truncated = gzipSync(JSON.stringify(snapshot)).subarray(0, 40);
    const cut = await upload(receiver.url, truncated, { dispatcher: agent, key: snapshot.contentHash, encoding: 'identity', headers: { 'content-encoding': 'gzip' } });
    expect(cut.json.error).toBe('invalid-gzip');
    const form = await upload(receiver.url, snapshot, { dispatcher: agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(400);
    expect(form.json.error).toBe('unsupported-content-type');
  });

  it('422 names the paths that break the schema, never the values', async () => {
    const { receiver, agent } = await setup();
    const good = tinySnapshot();
    const personnummer = '19121212-1212';
    const bad = {
      ...good,
      formatVersion: personnummer,
      persons: [{ ...good.persons[0]!, roles: personnummer, email: 191212121212 }, { ...good.persons[1]!, secret: personnummer }, good.persons[2]!],
      groups: [{ ...good.groups[0]!, startDate: '1912-12-12 1212' }],
    } as unknown as typeof good;
    const r = await upload(receiver.url, bad, { dispatcher: agent });
    expect(r.status).toBe(422);
    expect(r.json.error).toBe('schema-validation');
    const details = r.json.details as { path: string; message: string }[];
    expect(details.map((d) => d.path)).toEqual(expect.arrayContaining(['/formatVersion', '/persons/0/roles', '/persons/0/email', '/persons/1', '/groups/0/startDate']));
    for (const d of details) expect(Object.keys(d).sort()).toEqual(['message', 'path']);
    for (const needle of [personnummer, '191212121212', '1912-12-12', '1212', 'secret']) expect(r.text).not.toContain(needle);
    expect(receiver.imports).toHaveLength(0);
  });

  it(`lists at most ${MAX_DETAILS} schema errors`, async () => {
    const { receiver, agent } = await setup();
    const good = tinySnapshot();
    const bad = { ...good, persons: Array.from({ length: 300 }, (_, i) => ({ ...good.persons[0]!, id: `P${i}`, roles: [] })) };
    const r = await upload(receiver.url, bad, { dispatcher: agent });
    expect(r.status).toBe(422);
    expect(r.json.details).toHaveLength(MAX_DETAILS);
  });

  it('409 idempotency-key-mismatch when the key, the contentHash field and the content disagree', async () => {
    const { receiver, agent } = await setup();
    const snapshot = tinySnapshot();
    const other = contentHash({ ...tinyRoster(), persons: [] });

    const wrongKey = await upload(receiver.url, snapshot, { dispatcher: agent, key: other });
    expect(wrongKey.status).toBe(409);
    expect(wrongKey.json).toEqual({ error: 'idempotency-key-mismatch', message: expect.any(String) });
    expect(wrongKey.headers['retry-after']).toBeUndefined();

    // The field and the key agree with each other, but not with the content.
    const wrongField = await upload(receiver.url, { ...snapshot, contentHash: other }, { dispatcher: agent, key: other });
    expect(wrongField.json.error).toBe('idempotency-key-mismatch');

    // Content edited after hashing: the key matches the field, but neither matches the content.
    const edited = { ...snapshot, persons: snapshot.persons.slice(1) };
    expect((await upload(receiver.url, edited, { dispatcher: agent })).json.error).toBe('idempotency-key-mismatch');
    expect(receiver.imports).toHaveLength(0);
  });

  it('413 with the limit for a body over maxBytes, measured decompressed', async () => {
    const snapshot = tinySnapshot();
    const size = JSON.stringify(snapshot).length;
    const { receiver, agent } = await setup({ maxBytes: size - 1 });
    const r = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(receiver.attempts[0]!.bytes).toBeLessThan(size - 1); // small on the wire, too large decoded
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: 'too-large', limit: size - 1 });

    const identity = await upload(receiver.url, Buffer.alloc(size + 100, 0x20), { dispatcher: agent, key: snapshot.contentHash, encoding: 'none' });
    expect(identity.status).toBe(413);
  });

  it('answers 413 at once and stops reading a body far beyond the limit', async () => {
    const { receiver, agent } = await setup({ maxBytes: 64 * 1024 });
    const huge = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const r = await upload(receiver.url, huge, { dispatcher: agent, key: tinySnapshot().contentHash, encoding: 'none' });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(receiver.attempts[0]!.bytes).toBeLessThan(huge.length);
  });

  it('stops inflating a gzip bomb at the limit', async () => {
    const maxBytes = 1024 * 1024;
    const { receiver, agent } = await setup({ maxBytes });
    const bomb = gzipSync(Buffer.alloc(64 * maxBytes, 0x20));
    expect(bomb.length).toBeLessThan(maxBytes / 4);
    const r = await upload(receiver.url, bomb, { dispatcher: agent, key: tinySnapshot().contentHash, encoding: 'identity', headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(413);
    expect(r.json).toEqual({ error: 'too-large', limit: maxBytes });
    const attempt = receiver.attempts[0]!;
    expect(attempt.bytes).toBe(bomb.length); // read to the end, so the client gets its answer on a healthy connection
    expect(attempt.decodedBytes).toBeGreaterThan(maxBytes);
    expect(attempt.decodedBytes).toBeLessThanOrEqual(maxBytes + 64 * 1024); // one zlib chunk past the limit, not 64 MiB
  });

  it('404 and 405 outside the two endpoints', async () => {
    const { receiver, agent } = await setup();
    const { request } = await import('undici');
    const nowhere = await request(`${receiver.url}/v1/imports`, { dispatcher: agent, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(nowhere.statusCode).toBe(404);
    expect(await nowhere.body.json()).toEqual({ error: 'not-found' });
    const get = await request(`${receiver.url}/v1/snapshots`, { dispatcher: agent, headers: { authorization: `Bearer ${API_KEY}` } });
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
    await get.body.dump();
  });
});

describe('reference receiver: ping', () => {
  it('200 {ok: true} with a good key, 401 without or with a wrong one, 403 with a key that may not import', async () => {
    const { receiver, agent } = await setup();
    const ok = await ping(receiver.url, { dispatcher: agent });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ ok: true });
    expect((await ping(receiver.url, { dispatcher: agent, apiKey: 'wrong' })).status).toBe(401);
    expect((await ping(receiver.url, { dispatcher: agent, apiKey: null })).json).toEqual({ error: 'unauthorized' });
    expect((await ping(receiver.url, { dispatcher: agent, apiKey: FORBIDDEN_KEY })).status).toBe(403);
    expect(receiver.attempts.map((a) => [a.method, a.path, a.status])).toEqual([
      ['GET', '/v1/ping', 200],
      ['GET', '/v1/ping', 401],
      ['GET', '/v1/ping', 401],
      ['GET', '/v1/ping', 403],
    ]);
    expect(receiver.imports).toHaveLength(0);
  });
});

describe('reference receiver: TLS', () => {
  it('a client that trusts only the test CA refuses a receiver with a self-signed certificate', async () => {
    const { receiver, agent } = await setup({ tls: UNTRUSTED_TLS });
    const err = await failure(ping(receiver.url, { dispatcher: agent }));
    expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(err.message).toBe('self-signed certificate');
    expect(receiver.attempts).toHaveLength(0);
  });
});
