import { afterEach, describe, expect, it } from 'vitest';
import { errors, request, type Agent } from 'undici';
import { startReceiver, type Receiver } from './receiver';
import { API_KEY, failure, ping, tinyRoster, tinySnapshot, trustingAgent, upload } from './support';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(): Promise<{ receiver: Receiver; agent: Agent }> {
  const receiver = await startReceiver({ apiKeys: [API_KEY], maxBytes: 4096 });
  const agent = trustingAgent();
  open.push(receiver, agent);
  return { receiver, agent };
}

describe('reference receiver: scripted faults, one per POST attempt, in order', () => {
  it('503 and 429 with Retry-After, then the contract again', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ status: 503, retryAfter: 7 }, { status: 429, retryAfter: 2 });
    const snapshot = tinySnapshot();

    const a = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect([a.status, a.headers['retry-after'], a.json]).toEqual([503, '7', { error: 'unavailable' }]);
    const b = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect([b.status, b.headers['retry-after'], b.json]).toEqual([429, '2', { error: 'rate-limited' }]);
    const c = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(c.status).toBe(202);

    expect(receiver.attempts.map((x) => [x.status, x.idempotencyKey])).toEqual([
      [503, snapshot.contentHash],
      [429, snapshot.contentHash],
      [202, snapshot.contentHash],
    ]);
    expect(receiver.attempts.every((x) => x.bytes > 0)).toBe(true);
    expect(receiver.imports).toHaveLength(1);
  });

  it.each([
    [500, 'internal'],
    [502, 'bad-gateway'],
    [504, 'gateway-timeout'],
    [503, 'unavailable'],
  ] as const)('%s without Retry-After', async (status, error) => {
    const { receiver, agent } = await setup();
    receiver.script({ status });
    const r = await upload(receiver.url, tinySnapshot(), { dispatcher: agent });
    expect(r.status).toBe(status);
    expect(r.json).toEqual({ error });
    expect(r.headers['retry-after']).toBeUndefined();
    expect(receiver.imports).toHaveLength(0);
  });

  it.each([
    [401, { error: 'unauthorized' }],
    [403, { error: 'forbidden' }],
    [400, { error: 'bad-request', message: 'Scripted fault.' }],
    [413, { error: 'too-large', limit: 4096 }],
    [422, { error: 'schema-validation', details: [] }],
  ] as const)('%s in the contract\'s shape, for a request that would otherwise pass', async (status, body) => {
    const { receiver, agent } = await setup();
    receiver.script({ status });
    const r = await upload(receiver.url, tinySnapshot(), { dispatcher: agent });
    expect(r.status).toBe(status);
    expect(r.json).toEqual(body);
    expect(receiver.attempts).toEqual([expect.objectContaining({ method: 'POST', status })]);
    expect(receiver.imports).toHaveLength(0);
  });

  it('409 still-processing with Retry-After; the import it then stores keeps the same import id', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ status: 409, stillProcessing: true, retryAfter: 3 }, { status: 409, stillProcessing: true });
    const snapshot = tinySnapshot();
    const a = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(a.status).toBe(409);
    expect(a.headers['retry-after']).toBe('3');
    expect(a.json).toEqual({ error: 'still-processing', importId: expect.stringMatching(/^imp_/) });
    const b = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(b.json).toEqual(a.json);
    expect(b.headers['retry-after']).toBeUndefined();
    const c = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(c.status).toBe(202);
    expect(c.json.importId).toBe(a.json.importId);
  });

  it('reject-gzip: 415 for a gzip body; an uncompressed resend goes through', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'reject-gzip' });
    const snapshot = tinySnapshot();
    const a = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(a.status).toBe(415);
    expect(a.json.error).toBe('unsupported-encoding');
    const b = await upload(receiver.url, snapshot, { dispatcher: agent, encoding: 'none' });
    expect(b.status).toBe(202);
    expect(receiver.attempts.map((x) => [x.contentEncoding, x.status])).toEqual([['gzip', 415], [undefined, 202]]);
  });

  it('reject-gzip passes an identity body and stays queued for the next gzip one', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'reject-gzip' }, { status: 503 });
    const one = tinySnapshot();
    const two = tinySnapshot({ ...tinyRoster(), groups: [] });
    expect((await upload(receiver.url, one, { dispatcher: agent, encoding: 'identity' })).status).toBe(202);
    expect((await upload(receiver.url, two, { dispatcher: agent })).status).toBe(415);
    expect((await upload(receiver.url, two, { dispatcher: agent })).status).toBe(503);
    expect((await upload(receiver.url, two, { dispatcher: agent })).status).toBe(202);
    expect(receiver.imports).toHaveLength(2);
  });

  it('reset-mid-body: the socket is destroyed without an answer, the attempt is recorded, nothing stored', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'reset-mid-body' });
    const snapshot = tinySnapshot();
    const err = await failure(upload(receiver.url, snapshot, { dispatcher: agent }));
    // What undici makes of it (the product turns it into a retry).
    expect(err).toBeInstanceOf(errors.SocketError);
    expect(err.code).toBe('UND_ERR_SOCKET');
    expect(err.message).toBe('other side closed');
    expect(receiver.attempts).toEqual([expect.objectContaining({ method: 'POST', reset: true, idempotencyKey: snapshot.contentHash })]);
    expect(receiver.attempts[0]!.bytes).toBeGreaterThan(0);
    expect(receiver.attempts[0]!.status).toBeUndefined();
    expect(receiver.imports).toHaveLength(0);

    expect((await upload(receiver.url, snapshot, { dispatcher: agent })).status).toBe(202);
  });

  it('slow-headers: the import is stored, the answer comes late; a client that gave up finds it on retry as a duplicate', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'slow-headers', ms: 5000 });
    const snapshot = tinySnapshot();
    const err = await failure(upload(receiver.url, snapshot, { dispatcher: agent, headersTimeout: 100 }));
    expect(err).toBeInstanceOf(errors.HeadersTimeoutError);
    expect(err.code).toBe('UND_ERR_HEADERS_TIMEOUT');
    expect(receiver.imports).toHaveLength(1);

    const again = await upload(receiver.url, snapshot, { dispatcher: agent });
    expect(again.json).toEqual({ importId: receiver.imports[0]!.importId, status: 'duplicate', contentHash: snapshot.contentHash, counts: { schools: 1, persons: 3, groups: 1 } });
    expect(receiver.attempts.map((x) => x.status)).toEqual([202, 200]);
  });

  it('slow-headers: a patient client gets the ordinary answer', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'slow-headers', ms: 50 });
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent })).status).toBe(202);
  });

  it('confirm-other: 200 duplicate for another import, stores nothing; members replaced, counts member by member, null leaves one out', async () => {
    const { receiver, agent } = await setup();
    const snapshot = tinySnapshot();
    const other = `sha256:${'a'.repeat(64)}`;
    receiver.script(
      { kind: 'confirm-other', importId: 'imp_other', contentHash: other, counts: { schools: 7, persons: 70, groups: 9 } },
      { kind: 'confirm-other', counts: { persons: 2 } },
      { kind: 'confirm-other', contentHash: null },
      { kind: 'confirm-other', counts: null },
    );
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await upload(receiver.url, snapshot, { dispatcher: agent }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers[0]!.json).toEqual({ importId: 'imp_other', status: 'duplicate', contentHash: other, counts: { schools: 7, persons: 70, groups: 9 } });
    expect(answers[1]!.json).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'duplicate', contentHash: snapshot.contentHash, counts: { schools: 1, persons: 2, groups: 1 } });
    expect(answers[2]!.json).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'duplicate', counts: { schools: 1, persons: 3, groups: 1 } });
    expect(answers[3]!.json).toEqual({ importId: expect.stringMatching(/^imp_/), status: 'duplicate', contentHash: snapshot.contentHash });
    expect(receiver.imports).toEqual([]);
    // It runs the contract's checks first: a wrong key is still 401.
    receiver.script({ kind: 'confirm-other' });
    expect((await upload(receiver.url, snapshot, { dispatcher: agent, apiKey: 'wrong' })).status).toBe(401);
    expect((await upload(receiver.url, snapshot, { dispatcher: agent })).status).toBe(202);
  });

  it('trickle: the import is stored, the headers come at once, then the body a space at a time, never ending', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ kind: 'trickle', ms: 20 });
    const snapshot = tinySnapshot();
    const res = await request(`${receiver.url}/v1/snapshots`, {
      method: 'POST',
      dispatcher: agent,
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', 'idempotency-key': snapshot.contentHash },
      body: JSON.stringify(snapshot),
    });
    expect(res.statusCode).toBe(202);
    expect(receiver.imports).toHaveLength(1);
    let body = '';
    for await (const chunk of res.body) {
      body += String(chunk);
      if (body.length >= 3) break;
    }
    expect(body).toMatch(/^ {3,}$/);
  });

  it('faults are for uploads only: ping and other requests do not consume them', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ status: 503 });
    expect((await ping(receiver.url, { dispatcher: agent })).status).toBe(200);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent })).status).toBe(503);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent })).status).toBe(202);
  });

  it('a fault comes before every check, even the key', async () => {
    const { receiver, agent } = await setup();
    receiver.script({ status: 429, retryAfter: 1 });
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent, apiKey: 'wrong' })).status).toBe(429);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: agent, apiKey: 'wrong' })).status).toBe(401);
  });
});
