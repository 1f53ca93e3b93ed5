/**
 * The real directory servers behave as the product's LDAP tests need: Samba (AD's bind rules, paging,
 * AD attributes) and slapd (AD-like size limits). Uses ldapts directly, as the product does.
 * Never skipped: a missing server fails these tests (test/run-all.sh installs both).
 */
import {
  Client,
  ConfidentialityRequiredError,
  InvalidCredentialsError,
  SizeLimitExceededError,
  StrongAuthRequiredError,
} from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, type Directory, ldapsClient, seedUsers, type SeedUser, startSamba, startSlapd, stopDirectories } from './directories';

const START_TIMEOUT = 240_000; // a first Samba provision takes ~13 s; waiting for another file's provision may add to it
const SEED_TIMEOUT = 240_000; // 3000 Samba users take ~40 s on 2 cores

function people(count: number, prefix: string): SeedUser[] {
  return Array.from({ length: count }, (_, i) => {
    const n = String(i).padStart(5, '0');
    const user: SeedUser = { cn: `${prefix} ${n}`, givenName: prefix, sn: `Number${n}`, mail: `${prefix.toLowerCase()}.${n}@test.local` };
    if (i % 100 === 7) return { ...user, key: `X${n}`, keyAttribute: 'extensionAttribute1' };
    return { ...user, key: `E${n}`, upn: `${prefix.toLowerCase()}.${n}@test.local`, disabled: i === 13 };
  });
}

async function bound(dir: Directory): Promise<Client> {
  const client = ldapsClient(dir);
  await client.bind(dir.bindDn, dir.bindPassword);
  return client;
}

async function plainClient(dir: Directory): Promise<Client> {
  return new Client({ url: dir.ldapUrl, timeout: 30_000, connectTimeout: 10_000 });
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

describe('Samba AD DC', () => {
  let dir: Directory;

  beforeAll(async () => {
    const t = performance.now();
    dir = await startSamba();
    console.log(`Samba provision (if new) + start: ${seconds(t)}`);
  }, START_TIMEOUT);

  afterAll(() => stopDirectories(), 60_000);

  it('binds over LDAPS as the service account, by UPN', async () => {
    const client = await bound(dir);
    const { searchEntries } = await client.search(dir.baseDn, { scope: 'sub', filter: '(sAMAccountName=svc-sync)', attributes: ['userPrincipalName'] });
    await client.unbind();
    expect(searchEntries.map((e) => e.userPrincipalName)).toEqual(['svc-sync@test.local']);
  });

  it('binds after StartTLS on 389', async () => {
    const client = await plainClient(dir);
    await client.startTLS({ ca: [dir.ca], servername: 'localhost' });
    await client.bind(dir.bindDn, dir.bindPassword);
    const { searchEntries } = await client.search(dir.baseDn, { scope: 'base', attributes: ['dc'] });
    await client.unbind();
    expect(searchEntries[0]?.dc).toBe('test');
  });

  it('refuses a plain simple bind on 389 with code 8, as a hardened AD does', async () => {
    const client = await plainClient(dir);
    const error = await client.bind(dir.bindDn, dir.bindPassword).then(() => null, (e: unknown) => e);
    await client.unbind();
    expect(error).toBeInstanceOf(StrongAuthRequiredError);
    expect((error as StrongAuthRequiredError).code).toBe(8);
  });

  it('refuses a wrong password with code 49', async () => {
    const client = ldapsClient(dir);
    const error = await client.bind(dir.bindDn, 'wrong password').then(() => null, (e: unknown) => e);
    await client.unbind();
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).code).toBe(49);
    // AD's detail: data 52e = unknown user or bad password.
    expect((error as Error).message).toMatch(/data 52e/);
  });

  describe('with 3000 seeded users', () => {
    const ou = 'OU=Paging,DC=test,DC=local';
    const users = people(3000, 'Samba');

    beforeAll(async () => {
      const t = performance.now();
      await seedUsers(dir, users, ou);
      console.log(`Samba: seeding 3000 users (or checking they are there): ${seconds(t)}`);
    }, SEED_TIMEOUT);

    it('returns all 3000 to a paged search (pageSize 500), the last page possibly empty', async () => {
      const client = await bound(dir);
      const all = await client.search(ou, { scope: 'sub', filter: '(objectClass=user)', attributes: ['cn'], paged: { pageSize: 500 } });
      const pages: number[] = [];
      for await (const page of client.searchPaginated(ou, { scope: 'sub', filter: '(objectClass=user)', attributes: ['cn'], paged: { pageSize: 500 } })) {
        pages.push(page.searchEntries.length);
      }
      await client.unbind();
      expect(all.searchEntries).toHaveLength(3000);
      expect(new Set(all.searchEntries.map((e) => e.cn)).size).toBe(3000);
      expect(pages.filter((n) => n > 0)).toEqual([500, 500, 500, 500, 500, 500]);
      expect(pages.slice(6).every((n) => n === 0)).toBe(true);
    });

    it('does not enforce MaxPageSize: an unpaged search returns everything too', async () => {
      const client = await bound(dir);
      const { searchEntries } = await client.search(ou, { scope: 'one', filter: '(objectClass=user)', attributes: ['cn'] });
      await client.unbind();
      expect(searchEntries).toHaveLength(3000);
    });

    it('finds users by employeeID (case-insensitively) and by extensionAttribute1', async () => {
      const client = await bound(dir);
      const byEmployeeId = await client.search(ou, { scope: 'sub', filter: '(employeeID=e00042)', attributes: ['cn', 'employeeID', 'mail', 'userPrincipalName'] });
      const byExtension = await client.search(ou, { scope: 'sub', filter: '(extensionAttribute1=X00107)', attributes: ['cn', 'extensionAttribute1', 'employeeID'] });
      const withExtension = await client.search(ou, { scope: 'sub', filter: '(extensionAttribute1=*)', attributes: ['cn'], paged: { pageSize: 500 } });
      await client.unbind();
      expect(byEmployeeId.searchEntries).toMatchObject([{ cn: 'Samba 00042', employeeID: 'E00042', mail: 'samba.00042@test.local', userPrincipalName: 'samba.00042@test.local' }]);
      expect(byExtension.searchEntries).toMatchObject([{ cn: 'Samba 00107', extensionAttribute1: 'X00107', employeeID: [] }]);
      expect(withExtension.searchEntries).toHaveLength(30);
    });

    it('marks a disabled user with userAccountControl 514, found by the AD bitwise filter', async () => {
      const client = await bound(dir);
      const { searchEntries } = await client.search(ou, { scope: 'sub', filter: '(userAccountControl:1.2.840.113556.1.4.803:=2)', attributes: ['cn', 'userAccountControl'] });
      await client.unbind();
      expect(searchEntries).toMatchObject([{ cn: 'Samba 00013', userAccountControl: '514' }]);
    });

    it('re-seeding changes only what differs', async () => {
      // Samba wants sAMAccountName and UPN unique in the domain: these five live in a second OU too.
      const five = users.slice(0, 5).map((u, i) => ({ ...u, sAMAccountName: `reseed${i}`, upn: `reseed${i}@test.local` }));
      await seedUsers(dir, five.map((u, i) => (i === 0 ? { ...u, mail: 'changed@test.local' } : u)), 'OU=Reseed,DC=test,DC=local');
      await seedUsers(dir, five, 'OU=Reseed,DC=test,DC=local');
      const admin = await adminClient(dir);
      const { searchEntries } = await admin.search('OU=Reseed,DC=test,DC=local', { scope: 'one', filter: '(objectClass=user)', attributes: ['cn', 'mail'] });
      await admin.unbind();
      expect(searchEntries.map((e) => e.mail).sort()).toEqual(users.slice(0, 5).map((u) => u.mail));
    });
  });
});

describe('OpenLDAP slapd', () => {
  let dir: Directory;

  beforeAll(async () => {
    const t = performance.now();
    dir = await startSlapd();
    console.log(`slapd start: ${seconds(t)}`);
  }, START_TIMEOUT);

  afterAll(() => stopDirectories(), 60_000);

  it('refuses a plain simple bind with code 13', async () => {
    const client = await plainClient(dir);
    const error = await client.bind(dir.bindDn, dir.bindPassword).then(() => null, (e: unknown) => e);
    await client.unbind();
    expect(error).toBeInstanceOf(ConfidentialityRequiredError);
    expect((error as ConfidentialityRequiredError).code).toBe(13);
  });

  it('binds over LDAPS, and after StartTLS, as the ordinary service entry', async () => {
    const client = await bound(dir);
    await client.unbind();
    const tls = await plainClient(dir);
    await tls.startTLS({ ca: [dir.ca], servername: 'localhost' });
    await tls.bind(dir.bindDn, dir.bindPassword);
    const { searchEntries } = await tls.search(dir.bindDn, { scope: 'base', attributes: ['cn'] });
    await tls.unbind();
    expect(searchEntries[0]?.cn).toBe('svc-sync');
  });

  it('refuses a wrong password with code 49', async () => {
    const client = ldapsClient(dir);
    const error = await client.bind(dir.bindDn, 'wrong password').then(() => null, (e: unknown) => e);
    await client.unbind();
    expect(error).toBeInstanceOf(InvalidCredentialsError);
    expect((error as InvalidCredentialsError).code).toBe(49);
  });

  describe('with 1,200 seeded users', () => {
    const ou = 'ou=limits,dc=test,dc=local';

    beforeAll(async () => {
      const t = performance.now();
      await seedUsers(dir, people(1200, 'Slapd'), ou);
      console.log(`slapd: seeding 1200 users: ${seconds(t)}`);
    }, SEED_TIMEOUT);

    it('fails an unpaged search over 1000 entries with code 4, and a paged one returns all 1,200', async () => {
      const client = await bound(dir);
      const error = await client.search(ou, { scope: 'sub', filter: '(objectClass=user)', attributes: ['cn'] }).then(() => null, (e: unknown) => e);
      const paged = await client.search(ou, { scope: 'sub', filter: '(objectClass=user)', attributes: ['cn'], paged: { pageSize: 500 } });
      await client.unbind();
      expect(error).toBeInstanceOf(SizeLimitExceededError);
      expect((error as SizeLimitExceededError).code).toBe(4);
      expect(paged.searchEntries).toHaveLength(1200);
    });

    it('matches employeeID case-insensitively, and the AD bitwise filter on userAccountControl', async () => {
      const client = await bound(dir);
      const byEmployeeId = await client.search(ou, { scope: 'sub', filter: '(employeeID=e00042)', attributes: ['cn', 'employeeID', 'userPrincipalName'] });
      const disabled = await client.search(ou, { scope: 'sub', filter: '(userAccountControl:1.2.840.113556.1.4.803:=2)', attributes: ['cn', 'userAccountControl'] });
      const byExtension = await client.search(ou, { scope: 'sub', filter: '(extensionAttribute1=x00107)', attributes: ['cn'] });
      await client.unbind();
      expect(byEmployeeId.searchEntries).toMatchObject([{ cn: 'Slapd 00042', employeeID: 'E00042', userPrincipalName: 'slapd.00042@test.local' }]);
      expect(disabled.searchEntries).toMatchObject([{ cn: 'Slapd 00013', userAccountControl: '514' }]);
      expect(byExtension.searchEntries).toMatchObject([{ cn: 'Slapd 00107' }]);
    });
  });
});
