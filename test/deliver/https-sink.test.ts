import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startConnectProxy, type Proxy } from '../receiver/proxy';
import { startReceiver, type Fault, type Receiver } from '../receiver/receiver';
import { tinySnapshot } from '../receiver/support';
import { unconfirmed, uploadCounts } from '../../src/deliver/https-sink';
import { DEMO_DATE, ROOT, TLS_CHECKS_OFF, demoFixture, runCli, spawnCli, writeSetup } from '../support/cli';

const certs = join(ROOT, 'test/certs');
const KEY = 'test-api-key-1234';
const env = { PROCAPITA_API_KEY: KEY };

let open: (Receiver | Proxy)[] = [];
afterEach(async () => {
  await Promise.all(open.map((x) => x.close()));
  open = [];
});

async function receiver(o: Partial<Parameters<typeof startReceiver>[0]> = {}) {
  const r = await startReceiver({ apiKeys: [KEY], forbiddenKeys: ['forbidden-key'], ...o });
  open.push(r);
  return r;
}

function target(r: { url: string }, extra: Record<string, unknown> = {}) {
  return { type: 'https', url: `${r.url}/v1/snapshots`, apiKeyEnv: 'PROCAPITA_API_KEY', caFile: join(certs, 'ca.crt'), deadlineSeconds: 60, ...extra };
}

/** `run` from the demo fixture to a target, as the nightly task runs it. */
async function run(t: Record<string, unknown>, runEnv: NodeJS.ProcessEnv = env) {
  const { configPath } = writeSetup(demoFixture(), { target: t });
  return runCli(['run', '--config', configPath, '--date', DEMO_DATE], undefined, runEnv);
}

const hashOf = (r: { stdout: string }) => /Uploaded snapshot (sha256:[0-9a-f]{64})|(sha256:[0-9a-f]{64})/.exec(r.stdout)?.slice(1).find(Boolean);

describe('HTTPS upload, end to end from fixture to receiver', () => {
  it('posts one gzip body with the bearer key and the content hash as Idempotency-Key, and prints the import id', async () => {
    const rec = await receiver();
    const r = await run(target(rec));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(rec.imports).toHaveLength(1);
    const imp = rec.imports[0]!;
    expect(r.stdout).toContain('Total                                   15      6        5                5');
    expect(r.stdout).toMatch(new RegExp(`Uploaded snapshot sha256:[0-9a-f]{64}: 21 persons, 10 groups\\. Import ${imp.importId}, accepted \\(the service counted 2 schools, 21 persons, 10 groups\\), after 1 attempt\\.\\n$`));
    expect(rec.attempts).toHaveLength(1);
    const [a] = rec.attempts;
    expect(a).toMatchObject({ method: 'POST', path: '/v1/snapshots', authorization: `Bearer ${KEY}`, contentEncoding: 'gzip', idempotencyKey: (imp.snapshot as { contentHash: string }).contentHash });
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it('a re-run sends the same Idempotency-Key and creates no second import', async () => {
    const rec = await receiver();
    const first = await run(target(rec));
    const second = await run(target(rec), env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/, duplicate \(the service counted/);
    expect(rec.imports).toHaveLength(1);
    expect(new Set(rec.attempts.map((x) => x.idempotencyKey)).size).toBe(1);
    expect(hashOf(first)).toBe(hashOf(second));
  });
});

describe('retries: the same key on every attempt, exactly one import', () => {
  it.each([
    ['503 with Retry-After 7', [{ status: 503, retryAfter: 7 }], /Upload attempt 1 failed \(HTTP 503\); trying again in 7 s\./, [7000]],
    ['429 twice', [{ status: 429, retryAfter: 2 }, { status: 429 }], /Upload attempt 2 failed \(HTTP 429\); trying again in 1 s\./, [2000, 1000]],
    ['500, 502, 504', [{ status: 500 }, { status: 502 }, { status: 504 }], /Upload attempt 3 failed \(HTTP 504\)/, [500, 1000, 2000]],
    ['409 still processing', [{ status: 409, stillProcessing: true, retryAfter: 3 }], /Upload attempt 1 failed \(still processing\); trying again in 3 s\./, [3000]],
    ['a reset mid-body', [{ kind: 'reset-mid-body' }], /Upload attempt 1 failed \((ECONNRESET|UND_ERR_SOCKET|EPIPE)\)/, [500]],
  ] as const)('%s, then accepted', async (_name, faults, log, waits) => {
    const rec = await receiver();
    rec.script(...(faults as readonly Fault[]));
    const r = await run(target(rec));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(log);
    expect(r.waits).toEqual(waits);
    expect(rec.attempts).toHaveLength(faults.length + 1);
    expect(new Set(rec.attempts.map((x) => x.idempotencyKey)).size).toBe(1);
    expect(rec.imports).toHaveLength(1);
    expect(r.stdout).toMatch(new RegExp(`after ${faults.length + 1} attempts\\.\\n$`));
  });

  it('slow headers: the headers timeout fires, and the retry gets through', async () => {
    const rec = await receiver();
    rec.script({ kind: 'slow-headers', ms: 3000 });
    const r = await run(target(rec, { headersTimeoutSeconds: 1 }));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Upload attempt 1 failed \(UND_ERR_HEADERS_TIMEOUT\)/);
    expect(rec.imports).toHaveLength(1);
  });

  it('gives up at the deadline: exit 9, nothing imported, says what to check', async () => {
    const rec = await receiver();
    rec.script(...Array.from({ length: 50 }, () => ({ status: 503 as const, retryAfter: 30 })));
    const r = await run(target(rec, { deadlineSeconds: 100 }));
    expect(r.code).toBe(9);
    expect(rec.imports).toHaveLength(0);
    expect(rec.attempts).toHaveLength(4);
    expect(r.stderr).toMatch(/error: The upload did not get through: 4 attempt\(s\) in 90 s, the last failed with HTTP 503\. Nothing was imported twice: the next run sends the same snapshot under the same Idempotency-Key\./);
  });

  it('415 for gzip: sends once more uncompressed', async () => {
    const rec = await receiver();
    rec.script({ kind: 'reject-gzip' });
    const r = await run(target(rec));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('The upload service does not take gzip (415); sending once more uncompressed.\n');
    expect(rec.attempts.map((x) => x.contentEncoding ?? 'identity')).toEqual(['gzip', 'identity']);
    expect(rec.imports).toHaveLength(1);
  });
});

describe('never retried: one attempt, its own message and exit code, nothing imported', () => {
  it.each([
    [401, 8, 'The upload service refused the API key (401). Check the key in environment variable PROCAPITA_API_KEY; it may have been rotated.'],
    [403, 8, "The upload service accepted the API key but does not let it import (403). Ask the service to allow this municipality's key."],
    [400, 10, 'The upload service rejected the request as malformed (400'],
    [413, 10, 'The snapshot is larger than the upload service accepts (413'],
    [422, 10, 'The upload service found the snapshot invalid (422'],
  ] as const)('%s → exit %s', async (status, code, message) => {
    const rec = await receiver();
    rec.script({ status } as never);
    const r = await run(target(rec));
    expect(r.code).toBe(code);
    expect(r.stderr).toContain(`error: ${message}`);
    expect(rec.attempts).toHaveLength(1);
    expect(rec.imports).toHaveLength(0);
  });

  it('200 duplicate for another import → exit 10: the service confirmed another snapshot, so the run fails rather than believe it', async () => {
    const rec = await receiver();
    rec.script({ kind: 'confirm-other', importId: 'imp_other', contentHash: `sha256:${'f'.repeat(64)}`, counts: { persons: 1 } });
    const r = await run(target(rec));
    expect(r.code).toBe(10);
    expect(r.stderr).toMatch(/^error: The upload service answered 200 duplicate for import imp_other, but it confirmed another snapshot \(the contentHash in its answer is not this snapshot's\), and counted other numbers of persons \(we sent 21\)\. The delivery does not count/m);
    expect(r.stdout).not.toContain('Uploaded snapshot');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.imports).toHaveLength(0);
  });

  it('a wrong key, for real: 401 from the receiver itself, the key not echoed', async () => {
    const rec = await receiver();
    const r = await run(target(rec), { PROCAPITA_API_KEY: 'wrong-key-5678' });
    expect(r.code).toBe(8);
    expect(r.stderr + r.stdout).not.toContain('wrong-key-5678');
  });

  it('no key in the environment: exit 8 before any request', async () => {
    const rec = await receiver();
    const r = await run(target(rec), {});
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^error: The API key is not set: the configuration names environment variable PROCAPITA_API_KEY, which is empty\./);
    expect(rec.attempts).toHaveLength(0);
  });
});

describe("the confirmation: a success answer counts only with this snapshot's contentHash and counts", () => {
  const snapshot = tinySnapshot();
  const confirmed = { importId: 'imp_1', status: 'accepted', contentHash: snapshot.contentHash, counts: uploadCounts(snapshot) };

  it('believes an answer that confirms both, and ignores count kinds it does not know', () => {
    expect(uploadCounts(snapshot)).toEqual({ schools: 1, persons: 3, groups: 1 });
    expect(unconfirmed(confirmed, snapshot)).toBeUndefined();
    expect(unconfirmed({ ...confirmed, counts: { ...confirmed.counts, memberships: 99 } }, snapshot)).toBeUndefined();
  });

  it.each([
    ['another hash', { contentHash: `sha256:${'0'.repeat(64)}` }, "confirmed another snapshot (the contentHash in its answer is not this snapshot's)"],
    ['a hash that is not a string', { contentHash: 7 }, "confirmed another snapshot (the contentHash in its answer is not this snapshot's)"],
    ['no hash', { contentHash: undefined }, 'did not say which snapshot it holds (its answer has no contentHash)'],
    ['a null hash', { contentHash: null }, 'did not say which snapshot it holds (its answer has no contentHash)'],
    ['no counts', { counts: undefined }, 'did not confirm the counts (its answer has none)'],
    ['counts that are not an object', { counts: 5 }, 'did not confirm the counts (its answer has none)'],
    ['a count as a string', { counts: { schools: 1, persons: '3', groups: 1 } }, 'counted other numbers of persons (we sent 3)'],
    ['a count left out', { counts: { schools: 1, persons: 3 } }, 'counted other numbers of groups (we sent 1)'],
    ['two counts off', { counts: { schools: 2, persons: 3, groups: 0 } }, 'counted other numbers of schools (we sent 1), groups (we sent 1)'],
    ['both', { contentHash: null, counts: null }, 'did not say which snapshot it holds (its answer has no contentHash), and did not confirm the counts (its answer has none)'],
  ])('%s', (_name, change, why) => {
    expect(unconfirmed({ ...confirmed, ...change }, snapshot)).toBe(why);
  });

  it("never repeats the service's values, only our own numbers", () => {
    const echo = 'Åsa Öberg 19900101-1234';
    const why = unconfirmed({ ...confirmed, contentHash: echo, counts: { schools: echo, persons: 199001011234, groups: 1, [echo]: 1 } }, snapshot)!;
    expect(why).toBe("confirmed another snapshot (the contentHash in its answer is not this snapshot's), and counted other numbers of schools (we sent 1), persons (we sent 3)");
  });
});

describe('TLS is always verified', () => {
  it('an untrusted self-signed receiver fails with a message about trust', async () => {
    const rec = await receiver({ tls: { key: readFileSync(join(certs, 'untrusted.key')), cert: readFileSync(join(certs, 'untrusted.crt')) } });
    const r = await run(target(rec));
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/^error: The TLS certificate presented for localhost:\d+ is not trusted: it is self-signed\. If a proxy re-signs TLS, put its CA certificate in a PEM file and name it in target\.caFile\./);
    expect(rec.imports).toHaveLength(0);
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 changes nothing (a real process, as the scheduled task starts it): exit 9, no upload, no heartbeat, and the warning is in the log file', async () => {
    const rec = await receiver({ tls: { key: readFileSync(join(certs, 'untrusted.key')), cert: readFileSync(join(certs, 'untrusted.crt')) } });
    const { configPath, dir } = writeSetup(demoFixture(), { target: target(rec) });
    const r = await spawnCli(['run', '--config', configPath, '--date', DEMO_DATE], { env: { ...env, ...TLS_CHECKS_OFF } });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/^error: The TLS certificate presented for localhost:\d+ is not trusted: it is self-signed\. If a proxy re-signs TLS, put its CA certificate in a PEM file and name it in target\.caFile\. Certificates are always checked\.$/m);
    expect(rec.attempts).toEqual([]);
    expect(rec.imports).toEqual([]);
    expect(rec.heartbeats).toEqual([]);
    const warning = 'The environment variable NODE_TLS_REJECT_UNAUTHORIZED is 0, which asks for TLS certificates not to be checked. procapita-sync ignores it and checks every certificate.';
    expect(r.stderr).toContain(`warning: ${warning}`);
    const logs = readdirSync(join(dir, 'logs')).map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('');
    expect(logs).toContain(warning);
    const lastRun = JSON.parse(readFileSync(join(dir, 'state', 'last-run.json'), 'utf8')) as { exitName: string; heartbeat: string; warnings: string[] };
    expect(lastRun).toMatchObject({ exitName: 'uploadFailed', heartbeat: expect.stringMatching(/^failed /) });
    expect(lastRun.warnings.join('\n')).toContain(warning);
  });

  it('the same kind of receiver passes once its CA is configured', async () => {
    const rec = await receiver({ tls: { key: readFileSync(join(certs, 'untrusted.key')), cert: readFileSync(join(certs, 'untrusted.crt')) } });
    const r = await run(target(rec, { caFile: join(certs, 'untrusted.crt') }));
    expect(r.code).toBe(0);
    expect(rec.imports).toHaveLength(1);
  });

  it('a certificate for another host name fails', async () => {
    const rec = await receiver({ tls: { key: readFileSync(join(certs, 'wronghost.key')), cert: readFileSync(join(certs, 'wronghost.crt')) } });
    const r = await run(target(rec));
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/is not trusted: it does not name this host\./);
  });
});

describe('proxies', () => {
  async function proxy(o?: Parameters<typeof startConnectProxy>[0]) {
    const p = await startConnectProxy(o);
    open.push(p);
    return p;
  }

  it('HTTPS_PROXY from the environment carries the upload', async () => {
    const [rec, p] = [await receiver(), await proxy()];
    const r = await run(target(rec), { ...env, HTTPS_PROXY: p.url });
    expect(r.code).toBe(0);
    // The upload, then the heartbeat.
    expect(p.connects.map((c) => c.target)).toEqual([`localhost:${rec.port}`, `localhost:${rec.port}`]);
    expect(rec.imports).toHaveLength(1);
    expect(rec.heartbeats.map((h) => h.status)).toEqual([204]);
  });

  it('NO_PROXY sends it direct', async () => {
    const [rec, p] = [await receiver(), await proxy()];
    const r = await run(target(rec), { ...env, HTTPS_PROXY: p.url, NO_PROXY: 'localhost' });
    expect(r.code).toBe(0);
    expect(p.connects).toEqual([]);
    expect(rec.imports).toHaveLength(1);
  });

  it('a configured proxy with Basic credentials from the environment', async () => {
    const [rec, p] = [await receiver(), await proxy({ basic: { user: 'svc-sync', password: 'proxy-pw' } })];
    const r = await run(target(rec, { proxy: { url: p.url, user: 'svc-sync', passwordEnv: 'PROXY_PASSWORD' } }), { ...env, PROXY_PASSWORD: 'proxy-pw' });
    expect(r.code).toBe(0);
    expect(p.connects).toHaveLength(2); // the upload and the heartbeat
    expect(rec.heartbeats.map((h) => h.status)).toEqual([204]);
    expect(r.stdout + r.stderr).not.toContain('proxy-pw');
  });

  it('a proxy that wants NTLM: names the cause and the usual remedy', async () => {
    const [rec, p] = [await receiver(), await proxy({ requireNtlm: true })];
    const r = await run(target(rec, { proxy: { url: p.url } }));
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('error: The proxy asked for authentication (407).');
    expect(r.stderr).toContain('A proxy that wants NTLM or Negotiate (Windows login) needs a local relay such as cntlm');
    expect(rec.imports).toHaveLength(0);
  });
});
