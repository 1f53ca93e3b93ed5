import { afterEach, describe, expect, it } from 'vitest';
import { Client, EnvHttpProxyAgent, ProxyAgent, errors } from 'undici';
import { startConnectProxy, type Proxy, type ProxyOptions } from './proxy';
import { startReceiver, type Receiver } from './receiver';
import { API_KEY, CA, failure, ping, tinySnapshot, upload } from './support';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((x) => x.close()));
});

async function setup(o?: ProxyOptions): Promise<{ receiver: Receiver; proxy: Proxy }> {
  const receiver = await startReceiver({ apiKeys: [API_KEY] });
  const proxy = await startConnectProxy(o);
  open.push(receiver, proxy);
  return { receiver, proxy };
}

function via(proxy: Proxy, o: Omit<ProxyAgent.Options, 'uri'> & { uri?: string } = {}): ProxyAgent {
  const agent = new ProxyAgent({ uri: proxy.url, requestTls: { ca: CA }, ...o });
  open.push(agent);
  return agent;
}

/** A bare CONNECT through undici's Client: unlike ProxyAgent, it hands back the proxy's status and headers. */
async function rawConnect(proxy: Proxy, target: string) {
  const client = new Client(proxy.url);
  open.push(client);
  const { statusCode, headers, socket } = await client.connect({ path: target });
  socket.destroy();
  return { statusCode, headers };
}

describe('CONNECT proxy', () => {
  it('carries an upload through ProxyAgent to the receiver, and records the CONNECT', async () => {
    const { receiver, proxy } = await setup();
    const r = await upload(receiver.url, tinySnapshot(), { dispatcher: via(proxy) });
    expect(r.status).toBe(202);
    expect(receiver.imports).toHaveLength(1);
    expect(proxy.connects).toEqual([{ target: `localhost:${receiver.port}` }]);
  });

  it('Basic: 407 without credentials, through with them', async () => {
    const { receiver, proxy } = await setup({ basic: { user: 'svc-sync', password: 'pröxy pw:1' } });

    const err = await failure(ping(receiver.url, { dispatcher: via(proxy) }));
    expect(err).toBeInstanceOf(errors.RequestAbortedError);
    expect(err.code).toBe('UND_ERR_ABORTED');
    expect(err.message).toBe('Proxy response (407) !== 200 when HTTP Tunneling');
    expect(receiver.attempts).toHaveLength(0);

    const wrong = await failure(ping(receiver.url, { dispatcher: via(proxy, { token: `Basic ${Buffer.from('svc-sync:nope').toString('base64')}` }) }));
    expect(wrong.message).toBe('Proxy response (407) !== 200 when HTTP Tunneling');

    const basic = `Basic ${Buffer.from('svc-sync:pröxy pw:1').toString('base64')}`;
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: via(proxy, { token: basic }) })).status).toBe(202);
    // Credentials in the proxy URL work too: undici decodes them and sends Basic.
    const inUrl = new URL(proxy.url);
    inUrl.username = encodeURIComponent('svc-sync');
    inUrl.password = encodeURIComponent('pröxy pw:1');
    expect((await ping(receiver.url, { dispatcher: via(proxy, { uri: inUrl.href }) })).status).toBe(200);

    expect(proxy.connects.map((c) => c.authorization)).toEqual([undefined, `Basic ${Buffer.from('svc-sync:nope').toString('base64')}`, basic, basic]);
    expect(receiver.imports).toHaveLength(1);

    const challenge = await rawConnect(proxy, `localhost:${receiver.port}`);
    expect(challenge.statusCode).toBe(407);
    expect(challenge.headers['proxy-authenticate']).toBe('Basic realm="test"');
  });

  it('NTLM-only: ProxyAgent reports a bare 407; the challenge headers are only visible on a raw CONNECT', async () => {
    const { receiver, proxy } = await setup({ requireNtlm: true });

    const err = await failure(upload(receiver.url, tinySnapshot(), { dispatcher: via(proxy) }));
    expect(err).toBeInstanceOf(errors.RequestAbortedError);
    expect(err.name).toBe('AbortError');
    expect(err.code).toBe('UND_ERR_ABORTED');
    expect(err.message).toBe('Proxy response (407) !== 200 when HTTP Tunneling');
    expect(err.cause).toBeUndefined();
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toMatch(/NTLM|Negotiate/);
    // Even offering Basic credentials does not help: the proxy wants Windows authentication.
    const withBasic = await failure(ping(receiver.url, { dispatcher: via(proxy, { token: 'Basic dTpw' }) }));
    expect(withBasic.message).toBe('Proxy response (407) !== 200 when HTTP Tunneling');

    const challenge = await rawConnect(proxy, `localhost:${receiver.port}`);
    expect(challenge.statusCode).toBe(407);
    expect(challenge.headers['proxy-authenticate']).toEqual(['NTLM', 'Negotiate']);
    expect(proxy.connects).toHaveLength(3);
    expect(receiver.attempts).toHaveLength(0);
  });

  it('EnvHttpProxyAgent (HTTPS_PROXY) behaves the same: through, and the same bare 407 error', async () => {
    const { receiver, proxy } = await setup();
    const env = new EnvHttpProxyAgent({ httpsProxy: proxy.url, noProxy: '', requestTls: { ca: CA } });
    open.push(env);
    expect((await upload(receiver.url, tinySnapshot(), { dispatcher: env })).status).toBe(202);
    expect(proxy.connects).toEqual([{ target: `localhost:${receiver.port}` }]);

    const ntlm = await startConnectProxy({ requireNtlm: true });
    open.push(ntlm);
    const viaNtlm = new EnvHttpProxyAgent({ httpsProxy: ntlm.url, noProxy: '', requestTls: { ca: CA } });
    open.push(viaNtlm);
    const err = await failure(ping(receiver.url, { dispatcher: viaNtlm }));
    expect(err).toBeInstanceOf(errors.RequestAbortedError);
    expect([err.code, err.message]).toEqual(['UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling']);
  });

  it('refuses every target that is not loopback, without resolving it', async () => {
    const { receiver, proxy } = await setup();
    for (const target of ['example.com:443', '192.0.2.10:443', '10.0.0.1:443', '[2001:db8::1]:443', 'localhost.example.com:443']) {
      expect((await rawConnect(proxy, target)).statusCode, target).toBe(403);
    }
    expect((await rawConnect(proxy, 'localhost')).statusCode).toBe(400);
    expect((await rawConnect(proxy, `127.0.0.1:${receiver.port}`)).statusCode).toBe(200);
    expect(proxy.connects.map((c) => c.target)).toContain('example.com:443');
  });

  it('says 502 when the loopback target does not answer', async () => {
    const { receiver, proxy } = await setup();
    const port = receiver.port;
    await receiver.close();
    const err = await failure(ping(`https://localhost:${port}`, { dispatcher: via(proxy) }));
    expect(err.message).toBe('Proxy response (502) !== 200 when HTTP Tunneling');
  });
});
