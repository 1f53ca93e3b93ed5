import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { errors, request, type Agent } from 'undici';
import { HEARTBEAT_MAX_BYTES, startReceiver, type Receiver } from './receiver';
import { API_KEY, FORBIDDEN_KEY, failure, heartbeat, tinySnapshot, trustingAgent, upload, validHeartbeat } from './support';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(): Promise<{ receiver: Receiver; agent: Agent }> {
  const receiver = await startReceiver({ apiKeys: [API_KEY], forbiddenKeys: [FORBIDDEN_KEY] });
  const agent = trustingAgent();
  open.push(receiver, agent);
  return { receiver, agent };
}

const schemaError = (details: { path: string; message: string }[]) => ({ error: 'schema-validation', message: 'The body does not match the heartbeat schema.', details });

describe('reference receiver: heartbeat', () => {
  it('204 with no body for a valid heartbeat, recorded in heartbeats (not in attempts), no import', async () => {
    const { receiver, agent } = await setup();
    const r = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers['content-type']).toBeUndefined();
    expect(receiver.heartbeats).toEqual([{ authorization: `Bearer ${API_KEY}`, status: 204, body: validHeartbeat() }]);
    expect(receiver.attempts).toEqual([]);
    expect(receiver.imports).toEqual([]);
  });

  it('accepts a charset parameter on the Content-Type', async () => {
    const { receiver, agent } = await setup();
    const r = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(r.status).toBe(204);
  });

  it.each([
    ['syncDate', { syncDate: null }],
    ['contentHash', { contentHash: null }],
    ['importId', { importId: null }],
    ['all three (a run that failed before it built a snapshot)', { outcome: 'failed', exitCode: 4, exitName: 'sourceUnavailable', syncDate: null, contentHash: null, importId: null }],
    ['importId (a held run)', { outcome: 'held', exitCode: 12, exitName: 'heldByGuard', importId: null }],
  ])('accepts null for %s', async (_, change) => {
    const { receiver, agent } = await setup();
    const body = { ...validHeartbeat(), ...change };
    const r = await heartbeat(receiver.url, body, { dispatcher: agent });
    expect([r.status, r.text]).toEqual([204, '']);
    expect(receiver.heartbeats).toEqual([{ authorization: `Bearer ${API_KEY}`, status: 204, body }]);
  });

  it('422 for an extra member, at the top or inside agent, without naming it or quoting its value', async () => {
    const { receiver, agent } = await setup();
    const top = await heartbeat(receiver.url, { ...validHeartbeat(), name: 'Olle' }, { dispatcher: agent });
    expect(top.status).toBe(422);
    expect(top.json).toEqual(schemaError([{ path: '', message: 'must NOT have additional properties' }]));
    expect(top.text).not.toContain('Olle');
    expect(top.text).not.toContain('"name"');

    const inner = await heartbeat(receiver.url, { ...validHeartbeat(), agent: { name: 'procapita-sync', version: '0.1.0', host: 'skola-srv01' } }, { dispatcher: agent });
    expect(inner.status).toBe(422);
    expect(inner.json).toEqual(schemaError([{ path: '/agent', message: 'must NOT have additional properties' }]));
    expect(inner.text).not.toContain('skola-srv01');
    expect(inner.text).not.toContain('host');

    // The receiver keeps what it was sent, so a client test can see what slipped in.
    expect(receiver.heartbeats.map((h) => [h.status, (h.body as Record<string, unknown>).name])).toEqual([[422, 'Olle'], [422, undefined]]);
  });

  it('422 names each member that breaks the schema', async () => {
    const { receiver, agent } = await setup();
    const { importId: _, ...withoutImportId } = validHeartbeat();
    const bad = { ...withoutImportId, outcome: 'ok', exitCode: 256, exitName: 'held by guard', startedAt: 'yesterday', agent: { name: 'other', version: '' } };
    const r = await heartbeat(receiver.url, bad, { dispatcher: agent });
    expect(r.status).toBe(422);
    expect(r.json).toEqual(
      schemaError([
        { path: '', message: "must have required property 'importId'" },
        { path: '/agent/name', message: 'must be equal to constant' },
        { path: '/agent/version', message: 'must NOT have fewer than 1 characters' },
        { path: '/startedAt', message: 'must match format "date-time"' },
        { path: '/outcome', message: 'must be equal to one of the allowed values' },
        { path: '/exitCode', message: 'must be <= 255' },
        { path: '/exitName', message: 'must match pattern "^[a-zA-Z]+$"' },
      ]),
    );
    expect(r.text).not.toContain('held by guard');
  });

  it('422 for a nullable member that is neither null nor valid', async () => {
    const { receiver, agent } = await setup();
    const r = await heartbeat(receiver.url, { ...validHeartbeat(), syncDate: '2026-02-30', contentHash: 'sha256:ABC' }, { dispatcher: agent });
    expect(r.status).toBe(422);
    expect(r.json).toEqual(
      schemaError([
        { path: '/syncDate', message: 'must match format "date"' },
        { path: '/syncDate', message: 'must be null' },
        { path: '/syncDate', message: 'must match a schema in anyOf' },
        { path: '/contentHash', message: 'must match pattern "^sha256:[0-9a-f]{64}$"' },
        { path: '/contentHash', message: 'must be null' },
        { path: '/contentHash', message: 'must match a schema in anyOf' },
      ]),
    );
  });

  it('401 for a missing or wrong key, 403 for a key that may not import; nothing read', async () => {
    const { receiver, agent } = await setup();
    const wrong = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, apiKey: 'not-a-key' });
    expect([wrong.status, wrong.json]).toEqual([401, { error: 'unauthorized' }]);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="procapita-sync"');
    const none = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, apiKey: null });
    expect([none.status, none.json]).toEqual([401, { error: 'unauthorized' }]);
    const forbidden = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, apiKey: FORBIDDEN_KEY });
    expect([forbidden.status, forbidden.json]).toEqual([403, { error: 'forbidden' }]);
    expect(receiver.heartbeats).toEqual([
      { authorization: 'Bearer not-a-key', status: 401, body: undefined },
      { status: 401, body: undefined },
      { authorization: `Bearer ${FORBIDDEN_KEY}`, status: 403, body: undefined },
    ]);
  });

  it('400 invalid-json for a body that is not JSON, or not UTF-8, without quoting it', async () => {
    const { receiver, agent } = await setup();
    const r = await heartbeat(receiver.url, Buffer.from('{"exitName": Olle'), { dispatcher: agent });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: 'invalid-json', message: 'The body is not valid UTF-8 JSON.' });
    expect(r.text).not.toContain('Olle');
    const latin1 = await heartbeat(receiver.url, Buffer.from('{"exitName": "\xd6berg"}', 'latin1'), { dispatcher: agent });
    expect([latin1.status, latin1.json.error]).toEqual([400, 'invalid-json']);
    expect(receiver.heartbeats.map((h) => [h.status, h.body])).toEqual([[400, undefined], [400, undefined]]);
  });

  it('415 unsupported-content-type for another Content-Type, or none', async () => {
    const { receiver, agent } = await setup();
    const text = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.json).toEqual({ error: 'unsupported-content-type', message: 'Send Content-Type: application/json.' });
    const none = await request(`${receiver.url}/v1/heartbeat`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` }, body: JSON.stringify(validHeartbeat()), dispatcher: agent });
    expect(none.statusCode).toBe(415);
    expect(await none.body.json()).toEqual({ error: 'unsupported-content-type', message: 'Send Content-Type: application/json.' });
    expect(receiver.heartbeats.map((h) => [h.status, h.body])).toEqual([[415, undefined], [415, undefined]]);
  });

  it('415 unsupported-encoding for a compressed heartbeat', async () => {
    const { receiver, agent } = await setup();
    const r = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent, headers: { 'content-encoding': 'gzip' } });
    expect(r.status).toBe(415);
    expect(r.json).toEqual({ error: 'unsupported-encoding', message: 'Send the heartbeat without Content-Encoding.' });
  });

  it(`413 too-large for a 20 KiB body; exactly ${HEARTBEAT_MAX_BYTES} bytes passes`, async () => {
    const { receiver, agent } = await setup();
    const json = JSON.stringify(validHeartbeat());
    const padded = (size: number) => Buffer.from(json + ' '.repeat(size - json.length));

    const big = await heartbeat(receiver.url, padded(20 * 1024), { dispatcher: agent });
    expect(big.status).toBe(413);
    expect(big.json).toEqual({ error: 'too-large', limit: 16384 });
    expect(big.headers.connection).not.toBe('close'); // read to the end: the connection stays healthy

    const edge = await heartbeat(receiver.url, padded(HEARTBEAT_MAX_BYTES), { dispatcher: agent });
    expect(edge.status).toBe(204);
    const over = await heartbeat(receiver.url, padded(HEARTBEAT_MAX_BYTES + 1), { dispatcher: agent });
    expect(over.status).toBe(413);
    expect(receiver.heartbeats.map((h) => [h.status, h.body === undefined])).toEqual([[413, true], [204, false], [413, true]]);
  });

  it('405 for another method, with Allow: POST', async () => {
    const { receiver, agent } = await setup();
    const r = await request(`${receiver.url}/v1/heartbeat`, { headers: { authorization: `Bearer ${API_KEY}` }, dispatcher: agent });
    expect(r.statusCode).toBe(405);
    expect(r.headers.allow).toBe('POST');
    expect(await r.body.json()).toEqual({ error: 'method-not-allowed' });
    expect(receiver.heartbeats).toEqual([{ authorization: `Bearer ${API_KEY}`, status: 405, body: undefined }]);
  });

  it("the page's example request is accepted", async () => {
    const doc = readFileSync(new URL('../../docs/upload-api.md', import.meta.url), 'utf8');
    const block = doc.slice(doc.indexOf('<!-- heartbeat-example:start'), doc.indexOf('<!-- heartbeat-example:end -->'));
    const example = JSON.parse(/\n\n(\{[\s\S]*\})\n```/.exec(block)![1]!) as unknown;
    const { receiver, agent } = await setup();
    expect((await heartbeat(receiver.url, example, { dispatcher: agent })).status).toBe(204);
    expect(receiver.heartbeats[0]!.body).toEqual(example);
  });
});

describe('reference receiver: scripted heartbeat faults, one per heartbeat, in order', () => {
  it('503 with Retry-After, then the contract again; the body is recorded either way', async () => {
    const { receiver, agent } = await setup();
    receiver.scriptHeartbeat({ status: 503, retryAfter: 30 });
    const a = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent });
    expect([a.status, a.headers['retry-after'], a.json]).toEqual([503, '30', { error: 'unavailable' }]);
    const b = await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent });
    expect(b.status).toBe(204);
    expect(receiver.heartbeats).toEqual([
      { authorization: `Bearer ${API_KEY}`, status: 503, body: validHeartbeat() },
      { authorization: `Bearer ${API_KEY}`, status: 204, body: validHeartbeat() },
    ]);
  });

  it.each([
    [503, { error: 'unavailable' }],
    [500, { error: 'internal' }],
    [401, { error: 'unauthorized' }],
    [429, { error: 'rate-limited' }],
  ] as const)('%s without Retry-After, before any check', async (status, body) => {
    const { receiver, agent } = await setup();
    receiver.scriptHeartbeat({ status });
    const r = await heartbeat(receiver.url, Buffer.from('not json'), { dispatcher: agent, apiKey: 'wrong' });
    expect([r.status, r.json]).toEqual([status, body]);
    expect(r.headers['retry-after']).toBeUndefined();
    expect(r.headers['www-authenticate']).toBe(status === 401 ? 'Bearer realm="procapita-sync"' : undefined);
    expect(receiver.heartbeats).toEqual([{ authorization: 'Bearer wrong', status, body: undefined }]);
  });

  it('reset: the connection is destroyed without an answer; the body was read and recorded', async () => {
    const { receiver, agent } = await setup();
    receiver.scriptHeartbeat({ kind: 'reset' });
    const err = await failure(heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent }));
    expect(err).toBeInstanceOf(errors.SocketError);
    expect(err.code).toBe('UND_ERR_SOCKET');
    expect(err.message).toBe('other side closed');
    expect(receiver.heartbeats).toEqual([{ authorization: `Bearer ${API_KEY}`, status: 0, body: validHeartbeat() }]);

    expect((await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent })).status).toBe(204);
    expect(receiver.heartbeats.map((h) => h.status)).toEqual([0, 204]);
  });

  it('heartbeat faults and snapshot faults are separate queues', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ status: 503 });
    receiver.scriptHeartbeat({ status: 500 });
    expect((await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent })).status).toBe(500);
    expect((await heartbeat(receiver.url, validHeartbeat(), { dispatcher: agent })).status).toBe(204);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent })).status).toBe(503);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent })).status).toBe(202);
    expect(receiver.heartbeats.map((h) => h.status)).toEqual([500, 204]);
    expect(receiver.attempts.map((a) => [a.path, a.status])).toEqual([['/v1/snapshots', 503], ['/v1/snapshots', 202]]);
  });
});
