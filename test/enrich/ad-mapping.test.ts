/**
 * The AD mapping against real directory servers (test/ldap/directories.ts):
 * Samba as an AD domain controller for the data and the binds, slapd for
 * AD-like size limits, and a TLS-terminating proxy for broken searches.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client, SizeLimitExceededError } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdConfig } from '../../src/configure/config';
import { buildMapping, formatQualityReport, readAdEntries, type AdEntry } from '../../src/enrich/ad-mapping';
import { AppError } from '../../src/errors';
import type { PersonRow } from '../../src/extract/contract';
import { seedUsers, startSamba, startSlapd, stopDirectories, type Directory, type SeedUser } from '../ldap/directories';
import { withTlsChecksOff } from '../support/cli';
import { buildAdTestData, guid, personalNumber, TODAY, type AdTestData } from './ad-test-data';
import { PROXY_CA_FILE, startLdapsProxy } from './ldaps-proxy';

const CA_FILE = fileURLToPath(new URL('../certs/ca.crt', import.meta.url));
const PASSWORD_ENV = 'PROCAPITA_LDAP_PASSWORD';
const SAMBA_OU = 'OU=AdMapping,DC=test,DC=local';
const SLAPD_OU = 'ou=AdMappingPaging,dc=test,dc=local';
const SLAPD_USERS = 1200;

const lines: string[] = [];
const io = { log: (line: string) => void lines.push(line) };

function adConfig(dir: Directory, overrides: Partial<AdConfig> = {}): AdConfig {
  return {
    url: dir.ldapsUrl,
    startTls: false,
    caFile: CA_FILE,
    bindDn: dir.bindDn,
    passwordEnv: PASSWORD_ENV,
    baseDn: dir.baseDn,
    filter: '(&(objectCategory=person)(objectClass=user))',
    keyAttribute: 'employeeID',
    pageSize: 500,
    timeoutSeconds: 60,
    refresh: 'manual',
    ...overrides,
  };
}

/** The AppError a promise rejects with; fails the test when it resolves or throws anything else. */
async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected an AppError, got a result (${JSON.stringify(outcome.value).slice(0, 100)})`);
  if (!(outcome.error instanceof AppError)) throw outcome.error;
  return outcome.error;
}

/** A level-0 ProCapita person with GUID a…i and no personnummer. */
function slapdPerson(i: number): PersonRow {
  return { person_id: guid('a', i), given_name: null, family_name: null, personal_number: null, email: null, protected_identity: 0, deregistered: false, deceased: false };
}

afterAll(() => stopDirectories(), 120_000);

describe('AD mapping: Samba AD DC with 3000 accounts', () => {
  let samba: Directory;
  let data: AdTestData;

  beforeAll(async () => {
    samba = await startSamba();
    data = buildAdTestData((cn) => `CN=${cn},${SAMBA_OU}`);
    await seedUsers(samba, data.users, SAMBA_OU);
  }, 600_000);

  it('builds the table over LDAPS and over StartTLS: the same table, every number of the report exact', async () => {
    const started = performance.now();
    const entries = await readAdEntries(adConfig(samba, { baseDn: SAMBA_OU, keyAttribute: 'employeeNumber' }), samba.bindPassword, io);
    const read = performance.now();
    const { table, report } = buildMapping(entries, data.persons, TODAY);
    const built = performance.now();
    console.log(
      `AD mapping build for ${entries.length} accounts over LDAPS: ${Math.round(built - started)} ms (directory read ${Math.round(read - started)} ms, buildMapping ${Math.round(built - read)} ms)`,
    );

    expect(entries).toHaveLength(3000);
    expect(table).toHaveLength(2781);
    expect(table).toEqual(data.table);
    expect(report).toEqual(data.report);

    const startTlsEntries = await readAdEntries(adConfig(samba, { url: samba.ldapUrl, startTls: true, baseDn: SAMBA_OU, keyAttribute: 'employeeNumber' }), samba.bindPassword, io);
    const again = buildMapping(startTlsEntries, data.persons, TODAY);
    expect(again.table).toEqual(table);
    expect(again.report).toEqual(report);

    const text = formatQualityReport(report);
    console.log(`Quality report of the Samba test data:\n${text}`);
    // No personnummer in clear: once the masked ones and the GUIDs are taken out, no run of six digits is left.
    expect(text).toMatch(/\d{8}-\*{4}/);
    expect(text.replace(/\d{8}-\*{4}/g, '').replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '')).not.toMatch(/\d{6}/);
    for (const user of data.users) if (user.key && /^\d{6}/.test(user.key)) expect(text).not.toContain(user.key);
    for (const marker of data.protectedMarkers) expect(text).not.toContain(marker);
    for (const d of data.report.duplicateKeys) for (const dn of d.accounts) expect(text).toContain(dn);
    expect(lines.join('\n')).not.toContain(samba.bindPassword);
  }, 300_000);

  it('reads the key from employeeID (the default; personnummer only, AD allows 16 characters) or from extensionAttribute1', async () => {
    const ou = 'OU=AdMappingKeys,DC=test,DC=local';
    const pnrs = Array.from({ length: 8 }, (_, i) => personalNumber(3900 + i));
    const spellings = (pnr: string, i: number) => [pnr, `${pnr.slice(0, 8)}-${pnr.slice(8)}`, `${pnr.slice(2, 8)}-${pnr.slice(8)}`, pnr.slice(2)][i % 4]!;
    await seedUsers(
      samba,
      [
        ...pnrs.map((pnr, i): SeedUser => ({ cn: `Keys pnr ${i}`, givenName: 'Keys', sn: String(i), sAMAccountName: `admapkp${i}`, key: spellings(pnr, i), mail: `kp${i}@skola.example` })),
        ...[0, 1, 2].map((i): SeedUser => ({ cn: `Keys guid ${i}`, givenName: 'Keys', sn: String(i), sAMAccountName: `admapkg${i}`, key: guid('a', 3900 + i), keyAttribute: 'extensionAttribute1', upn: `kg${i}@test.local` })),
      ],
      ou,
    );
    const byEmployeeId = await readAdEntries(adConfig(samba, { baseDn: ou }), samba.bindPassword, io);
    expect(byEmployeeId.filter((e) => e.key !== null).map((e) => e.key).sort()).toEqual(pnrs.map(spellings).sort());
    const byExtension = await readAdEntries(adConfig(samba, { baseDn: ou, keyAttribute: 'extensionAttribute1' }), samba.bindPassword, io);
    expect(byExtension.filter((e) => e.key !== null).map((e) => [e.key, e.email]).sort()).toEqual([0, 1, 2].map((i) => [guid('a', 3900 + i), `kg${i}@test.local`]));
    const persons = [...pnrs.map((pnr, i) => ({ ...slapdPerson(i), person_id: guid('c', i), personal_number: pnr })), ...[0, 1, 2].map((i) => slapdPerson(3900 + i))];
    expect(buildMapping(byEmployeeId, persons, TODAY).report).toMatchObject({ mapped: 8, withoutKey: 3, procapitaWithoutMatch: 3 });
    expect(buildMapping(byExtension, persons, TODAY).report).toMatchObject({ mapped: 3, withoutKey: 8, procapitaWithoutMatch: 8 });
  }, 120_000);

  it('refuses plain ldap:// without StartTLS before it connects, let alone binds', async () => {
    let connections = 0;
    const listener: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as AddressInfo;
    try {
      const err = await appErrorOf(readAdEntries(adConfig(samba, { url: `ldap://127.0.0.1:${port}` }), samba.bindPassword, io));
      expect(err.code).toBe('config');
      expect(err.message).toContain('plain LDAP');
      expect(err.message).toContain('ldaps://127.0.0.1:636');
      expect(err.message).toContain('startTls');
      // Samba's own plain port is refused the same way.
      const samba389 = await appErrorOf(readAdEntries(adConfig(samba, { url: samba.ldapUrl }), samba.bindPassword, io));
      expect(samba389.code).toBe('config');
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
    expect(connections).toBe(0);
  });

  it('a wrong password: access denied, naming the account and the variable, never the password', async () => {
    const wrong = 'Wrong-Secret-9876!';
    const err = await appErrorOf(readAdEntries(adConfig(samba, { baseDn: SAMBA_OU }), wrong, io));
    expect(err.code).toBe('accessDenied');
    expect(err.exitCode).toBe(8);
    expect(err.message).toContain(samba.bindDn);
    expect(err.message).toContain(PASSWORD_ENV);
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(samba.bindPassword);
    console.log(`Wrong password: ${err.message}`);
  });

  it('an empty password is refused: it would make an anonymous bind', async () => {
    const err = await appErrorOf(readAdEntries(adConfig(samba, { baseDn: SAMBA_OU }), '', io));
    expect(err.code).toBe('accessDenied');
    expect(err.message).toContain(PASSWORD_ENV);
  });

  it('an untrusted certificate names email.ad.caFile, over LDAPS and over StartTLS', async () => {
    for (const [url, startTls, where] of [
      [samba.ldapsUrl, false, '127.0.0.1:636'],
      [samba.ldapUrl, true, '127.0.0.1:389'],
    ] as const) {
      const { caFile: _, ...withoutCa } = adConfig(samba, { url, startTls, baseDn: SAMBA_OU });
      const err = await appErrorOf(readAdEntries(withoutCa, samba.bindPassword, io));
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain(where);
      expect(err.message).toContain('email.ad.caFile');
      expect(err.message).toContain('not trusted');
    }
  });

  it('an OU without accounts gives an empty list, not an error', async () => {
    await seedUsers(samba, [], 'AdMappingEmpty');
    expect(await readAdEntries(adConfig(samba, { baseDn: 'OU=AdMappingEmpty,DC=test,DC=local' }), samba.bindPassword, io)).toEqual([]);
  });

  it('a base DN that does not exist: emailMapping naming it', async () => {
    const err = await appErrorOf(readAdEntries(adConfig(samba, { baseDn: 'OU=NoSuchOu,DC=test,DC=local' }), samba.bindPassword, io));
    expect(err.code).toBe('emailMapping');
    expect(err.message).toContain('OU=NoSuchOu,DC=test,DC=local');
  });
});

describe('AD mapping: slapd with AD-like size limits, and broken searches', () => {
  let slapd: Directory;
  const users: SeedUser[] = Array.from({ length: SLAPD_USERS }, (_, i) => ({
    cn: `Paging ${String(i).padStart(4, '0')}`,
    givenName: 'Paging',
    sn: String(i),
    key: guid('a', i),
    mail: `paging${i}@skola.example`,
  }));
  const persons: PersonRow[] = users.map((_, i) => slapdPerson(i));
  const config = (overrides: Partial<AdConfig> = {}) => adConfig(slapd, { baseDn: SLAPD_OU, filter: '(objectClass=user)', ...overrides });

  beforeAll(async () => {
    slapd = await startSlapd();
    await seedUsers(slapd, users, SLAPD_OU);
  }, 300_000);

  it('the server enforces its size limit on an unpaged search (the premise of the next test)', async () => {
    const client = new Client({ url: slapd.ldapsUrl, timeout: 60_000, connectTimeout: 10_000, tlsOptions: { ca: [slapd.ca] } });
    try {
      await client.bind(slapd.bindDn, slapd.bindPassword);
      await expect(client.search(SLAPD_OU, { scope: 'sub', filter: '(objectClass=user)', attributes: ['cn'] })).rejects.toBeInstanceOf(SizeLimitExceededError);
    } finally {
      await client.unbind();
    }
  });

  it('every one of 1200 accounts comes back: the search is paged', async () => {
    for (const pageSize of [500, 1000, 100]) {
      const entries = await readAdEntries(config({ pageSize }), slapd.bindPassword, io);
      expect(entries).toHaveLength(SLAPD_USERS);
      expect(new Set(entries.map((e) => e.dn)).size).toBe(SLAPD_USERS);
      const { table, report } = buildMapping(entries, persons, TODAY);
      expect(table).toHaveLength(SLAPD_USERS);
      expect(report.mapped).toBe(SLAPD_USERS);
      expect(report.procapitaWithoutMatch).toBe(0);
    }
  }, 120_000);

  it('a connection cut in the middle of the search: emailMapping, and nothing is returned', async () => {
    const proxy = await startLdapsProxy({ host: '127.0.0.1', port: Number(new URL(slapd.ldapsUrl).port), ca: slapd.ca }, { cutAfterEntries: 350 });
    try {
      const err = await appErrorOf(readAdEntries(config({ url: proxy.url, caFile: PROXY_CA_FILE, pageSize: 100 }), slapd.bindPassword, io));
      expect(proxy.entriesPassed).toBe(350);
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain('lost during the search');
      expect(err.message).toContain('Nothing was written');
      console.log(`Cut mid-search: ${err.message}`);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a page without entries that promises more (which ldapts stops at): emailMapping, not a short list', async () => {
    const proxy = await startLdapsProxy({ host: '127.0.0.1', port: Number(new URL(slapd.ldapsUrl).port), ca: slapd.ca }, { dropEntriesOfPage: 3 });
    try {
      const err = await appErrorOf(readAdEntries(config({ url: proxy.url, caFile: PROXY_CA_FILE, pageSize: 100 }), slapd.bindPassword, io));
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain('after 200 accounts');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a certificate for another host name: emailMapping, saying so', async () => {
    const proxy = await startLdapsProxy({ host: '127.0.0.1', port: Number(new URL(slapd.ldapsUrl).port), ca: slapd.ca }, { wrongHostCertificate: true });
    try {
      const err = await appErrorOf(readAdEntries(config({ url: proxy.url, caFile: PROXY_CA_FILE }), slapd.bindPassword, io));
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain('does not name 127.0.0.1');
      expect(err.message).toContain('email.ad.caFile');
    } finally {
      await proxy.close();
    }
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment: a certificate no configured CA signed is still refused, over LDAPS and over StartTLS', async () => {
    for (const [url, startTls, where] of [
      [slapd.ldapsUrl, false, '127.0.0.1:3636'],
      [slapd.ldapUrl, true, '127.0.0.1:3389'],
    ] as const) {
      const { caFile: _, ...withoutCa } = config({ url, startTls });
      const err = await withTlsChecksOff(() => appErrorOf(readAdEntries(withoutCa, slapd.bindPassword, io)));
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain(`The TLS certificate of the directory at ${where} is not trusted`);
      expect(err.message).toContain('email.ad.caFile');
    }
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment: a certificate for another host name is still refused', async () => {
    const proxy = await startLdapsProxy({ host: '127.0.0.1', port: Number(new URL(slapd.ldapsUrl).port), ca: slapd.ca }, { wrongHostCertificate: true });
    try {
      const err = await withTlsChecksOff(() => appErrorOf(readAdEntries(config({ url: proxy.url, caFile: PROXY_CA_FILE }), slapd.bindPassword, io)));
      expect(err.code).toBe('emailMapping');
      expect(err.message).toContain('does not name 127.0.0.1');
    } finally {
      await proxy.close();
    }
  });

  it('no matching accounts gives an empty list, not an error', async () => {
    expect(await readAdEntries(config({ baseDn: 'ou=service,dc=test,dc=local' }), slapd.bindPassword, io)).toEqual([]);
  });

  it('a port where nothing listens: emailMapping with host:port and the firewall hint', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const err = await appErrorOf(readAdEntries(config({ url: `ldaps://127.0.0.1:${port}` }), slapd.bindPassword, io));
    expect(err.code).toBe('emailMapping');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('connection refused');
    expect(err.message).toContain('firewall');
  });

  it('plain binds refused by the server are never attempted: StartTLS on slapd works', async () => {
    const entries = await readAdEntries(config({ url: slapd.ldapUrl, startTls: true }), slapd.bindPassword, io);
    expect(entries).toHaveLength(SLAPD_USERS);
  }, 60_000);
});

describe('AD mapping: a server that accepts connections and never answers', () => {
  it('times out with emailMapping, over LDAPS and over StartTLS', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const dir = { ldapsUrl: `ldaps://127.0.0.1:${port}`, bindDn: 'cn=svc', baseDn: 'dc=test' } as Directory;
    try {
      const ldaps = await appErrorOf(readAdEntries(adConfig(dir, { timeoutSeconds: 1 }), 'secret-pw', io));
      expect(ldaps.code).toBe('emailMapping');
      expect(ldaps.message).toContain(`127.0.0.1:${port}`);
      expect(ldaps.message).toContain('no answer within 1 s');
      const startTls = await appErrorOf(readAdEntries(adConfig(dir, { url: `ldap://127.0.0.1:${port}`, startTls: true, timeoutSeconds: 1 }), 'secret-pw', io));
      expect(startTls.code).toBe('emailMapping');
      expect(startTls.message).toContain('did not answer the StartTLS request within 1 s');
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('buildMapping and formatQualityReport (pure)', () => {
  const person = (id: number, pnr: string | null, level: number | null = 0): PersonRow => ({
    person_id: guid('a', id),
    given_name: 'Anna',
    family_name: 'Svensson',
    personal_number: pnr,
    email: null,
    protected_identity: level,
    deregistered: false,
    deceased: false,
  });
  const entry = (dn: string, key: string | null, email: string | null = `${dn}@skola.example`, disabled = false): AdEntry => ({ dn, key, email, disabled });

  it('counts each account once, in order: no key, invalid key, duplicate, disabled, no address, unmatched, mapped', () => {
    const persons = [person(1, '20100101-0006'), person(2, null), person(3, null)];
    const entries = [
      entry('CN=nokey', null, null, true),
      entry('CN=badkey', '20100101-0009', null, true),
      entry('CN=z', guid('a', 2), 'z@skola.example', true),
      entry('CN=y', guid('a', 2).toUpperCase(), null),
      entry('CN=x', guid('a', 2), 'x@skola.example'),
      entry('CN=disabled', guid('a', 3), 'd@skola.example', true),
      entry('CN=pnr', '100101-0006', 'p@skola.example'),
      entry('CN=stranger', guid('b', 9), 's@skola.example'),
    ];
    const { table, report } = buildMapping(entries, persons, TODAY);
    expect(table).toEqual([
      { key: '201001010006', email: 'p@skola.example' },
      { key: guid('a', 2), email: 'x@skola.example' },
    ]);
    expect(report).toEqual({
      entries: 8,
      mapped: 2,
      disabledAccounts: 1,
      withoutKey: 1,
      withoutAddress: 0,
      invalidKeys: 1,
      unmatchedInProCapita: 1,
      procapitaWithoutMatch: 1,
      duplicateKeys: [{ key: guid('a', 2), accounts: ['CN=x', 'CN=y', 'CN=z'], kept: 'CN=x' }],
    });
  });

  it('never writes or lists the key or the accounts of a person with a protected or unknown identity level', () => {
    const persons = [person(1, '20100101-0006', 2), person(2, null, null), person(3, null, 0)];
    const entries = [entry('CN=secret-a', '201001010006'), entry('CN=secret-b', '20100101-0006'), entry('CN=unknown-a', guid('a', 2)), entry('CN=unknown-b', guid('a', 2))];
    const { table, report } = buildMapping(entries, persons, TODAY);
    expect(table).toEqual([]);
    expect(report.unmatchedInProCapita).toBe(2);
    expect(report.duplicateKeys).toEqual([]);
    expect(report.procapitaWithoutMatch).toBe(1);
    const text = formatQualityReport(report);
    expect(text).not.toMatch(/secret|unknown-|20100101/);
  });

  it('masks personnummer keys and caps the list of duplicates', () => {
    const entries: AdEntry[] = [];
    for (let i = 0; i < 30; i++) {
      const key = guid('b', i);
      entries.push(entry(`CN=a${i}`, key), entry(`CN=b${i}`, key));
    }
    entries.push(entry('CN=p1', '201001010006'), entry('CN=p2', '1001010006'), entry('CN=x1', guid('c', 999)), entry('CN=x2', guid('c', 999)));
    // Listed only for keys of ProCapita persons who are not protected: guid('c', 999) matches no one read.
    const persons = [...Array.from({ length: 30 }, (_, i) => ({ ...person(i, null), person_id: guid('b', i) })), person(100, '201001010006')];
    const { report } = buildMapping(entries, persons, TODAY);
    expect(report.duplicateKeys[0]).toEqual({ key: '20100101-****', accounts: ['CN=p1', 'CN=p2'], kept: 'CN=p1' });
    const text = formatQualityReport(report);
    expect(text).toContain('20100101-****');
    expect(text).not.toContain('201001010006');
    expect(text).toContain('and 6 more');
    expect(text).toContain('31 not used because another account has the same key');
    expect(text).not.toContain('CN=x');
  });
});
