/**
 * Real directory servers for the LDAP tests: a Samba AD domain controller (real AD schema and AD's
 * bind rules) and an OpenLDAP slapd (AD-like attributes, and AD-like size limits that Samba lacks).
 *
 * The servers live in fixed folders under os.tmpdir()/procapita-test-ldap (or $PROCAPITA_TEST_LDAP_DIR)
 * and are reused: Samba is provisioned once (~13 s), later starts take under a second, and seedUsers
 * only changes what differs. Several test files may share a server: each process holds a lease, and
 * stopDirectories() stops a server only when no other live process holds one.
 *
 * No skipping: a missing samba or slapd makes the start functions throw, locally and in CI
 * (test/run-all.sh installs the Debian packages). Both need root (Samba's ports 389/636 are fixed).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlreadyExistsError, Attribute, Change, Client, NoSuchObjectError } from 'ldapts';

export interface Directory {
  kind: 'samba' | 'slapd';
  ldapsUrl: string;
  ldapUrl: string;
  baseDn: string;
  /** The default OU of seedUsers (created at start, empty until seeded). */
  usersDn: string;
  /** What to bind as: the UPN svc-sync@test.local for Samba, the DN cn=svc-sync,ou=service,dc=test,dc=local for slapd. */
  bindDn: string;
  bindPassword: string;
  /** PEM of the test CA (test/certs/ca.crt) that signed both servers' certificate. */
  ca: string;
}

export interface SeedUser {
  cn: string;
  givenName: string;
  sn: string;
  /** Value for the key attribute. */
  key?: string;
  /** Where key goes; employeeID unless told. */
  keyAttribute?: 'employeeID' | 'employeeNumber' | 'extensionAttribute1';
  mail?: string;
  /** userPrincipalName; none when not given. */
  upn?: string;
  /** userAccountControl 514 instead of 512. */
  disabled?: boolean;
  /** Defaults to one made from cn (at most 20 characters). Samba wants it unique in the whole domain,
   * so give one when the same cn is seeded into two OUs. */
  sAMAccountName?: string;
}

export const SVC_PASSWORD = 'Svc-Sync-Pass-2026!';
const ADMIN_PASSWORD = 'Adm1n-Pass!2026'; // as in samba.sh and slapd.sh (also in DIR/admin.password)
const HERE = fileURLToPath(new URL('.', import.meta.url));
const CA = readFileSync(new URL('../certs/ca.crt', import.meta.url), 'utf8');

/** The folder that holds both servers' state; each server has a subfolder. */
export function directoriesRoot(): string {
  return process.env.PROCAPITA_TEST_LDAP_DIR || join(tmpdir(), 'procapita-test-ldap');
}

export function serverDir(kind: Directory['kind']): string {
  return join(directoriesRoot(), kind);
}

const SAMBA: Directory = {
  kind: 'samba',
  ldapsUrl: 'ldaps://127.0.0.1:636',
  ldapUrl: 'ldap://127.0.0.1:389',
  baseDn: 'DC=test,DC=local',
  usersDn: 'OU=People,DC=test,DC=local',
  bindDn: 'svc-sync@test.local',
  bindPassword: SVC_PASSWORD,
  ca: CA,
};

const SLAPD: Directory = {
  kind: 'slapd',
  ldapsUrl: 'ldaps://127.0.0.1:3636',
  ldapUrl: 'ldap://127.0.0.1:3389',
  baseDn: 'dc=test,dc=local',
  usersDn: 'ou=people,dc=test,dc=local',
  bindDn: 'cn=svc-sync,ou=service,dc=test,dc=local',
  bindPassword: SVC_PASSWORD,
  ca: CA,
};

const started = new Set<Directory['kind']>();

function runScript(kind: Directory['kind'], command: 'start' | 'stop'): Promise<string> {
  const script = join(HERE, `${kind}.sh`);
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, command, serverDir(kind), String(process.pid)],
      { timeout: 240_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const why = `${stderr}`.trim() || `${stdout}`.trim() || error.message;
          reject(new Error(`test/ldap/${kind}.sh ${command} ${serverDir(kind)} failed: ${why}`));
        } else resolve(`${stdout}`);
      },
    );
  });
}

/** A client over LDAPS that trusts the test CA; not yet bound. */
export function ldapsClient(dir: Directory): Client {
  return new Client({ url: dir.ldapsUrl, timeout: 60_000, connectTimeout: 10_000, tlsOptions: { ca: [dir.ca] } });
}

/** A client bound over LDAPS as the directory's administrator (Samba's Administrator, slapd's rootdn: no size limits). */
export async function adminClient(dir: Directory): Promise<Client> {
  const client = ldapsClient(dir);
  try {
    await client.bind(dir.kind === 'samba' ? 'Administrator@test.local' : `cn=admin,${dir.baseDn}`, ADMIN_PASSWORD);
  } catch (error) {
    await client.unbind().catch(() => {});
    throw error;
  }
  return client;
}

/** Starts (or reuses) the Samba AD DC and makes sure the service account svc-sync can bind. */
export async function startSamba(): Promise<Directory> {
  await runScript('samba', 'start');
  started.add('samba');
  const dir = { ...SAMBA };
  const admin = await adminClient(dir);
  try {
    if (!(await canBind(dir, dir.bindDn, dir.bindPassword))) {
      const svcDn = `CN=svc-sync,CN=Users,${dir.baseDn}`;
      const password = new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${SVC_PASSWORD}"`, 'utf16le')] });
      const { searchEntries } = await admin.search(dir.baseDn, { scope: 'sub', filter: '(sAMAccountName=svc-sync)', attributes: ['dn'] });
      if (searchEntries.length === 0) {
        await admin.add(svcDn, [
          new Attribute({ type: 'objectClass', values: ['top', 'person', 'organizationalPerson', 'user'] }),
          new Attribute({ type: 'cn', values: ['svc-sync'] }),
          new Attribute({ type: 'sAMAccountName', values: ['svc-sync'] }),
          new Attribute({ type: 'userPrincipalName', values: ['svc-sync@test.local'] }),
          new Attribute({ type: 'userAccountControl', values: ['512'] }),
          password,
        ]);
      } else {
        await admin.modify(searchEntries[0]!.dn, [
          new Change({ operation: 'replace', modification: password }),
          new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }),
        ]);
      }
    }
    await ensureOu(admin, dir, dir.usersDn);
  } finally {
    await admin.unbind();
  }
  return dir;
}

/** Starts (or reuses) slapd on 3389/3636; its svc-sync entry is loaded with the base entries. */
export async function startSlapd(): Promise<Directory> {
  await runScript('slapd', 'start');
  started.add('slapd');
  const dir = { ...SLAPD };
  const admin = await adminClient(dir);
  try {
    await ensureOu(admin, dir, dir.usersDn);
  } finally {
    await admin.unbind();
  }
  return dir;
}

/** Releases this process's lease on each server it started; a server stops when no other live process uses it. */
export async function stopDirectories(): Promise<void> {
  const kinds = [...started];
  started.clear();
  for (const kind of kinds) await runScript(kind, 'stop');
}

async function canBind(dir: Directory, dn: string, password: string): Promise<boolean> {
  const client = ldapsClient(dir);
  try {
    await client.bind(dn, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind().catch(() => {});
  }
}

/** Escapes an attribute value for use in a DN (RFC 4514). */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=]/g, (c) => `\\${c}`)
    .replace(/^([ #])/, '\\$1')
    .replace(/ $/, '\\ ');
}

/** A DN from an OU name under the base ('Staff' → OU=Staff,<base>), or a DN as given (when it has '='). */
function resolveOu(dir: Directory, ou: string | undefined): string {
  if (ou === undefined) return dir.usersDn;
  if (ou.includes('=')) return ou;
  return `${dir.kind === 'samba' ? 'OU' : 'ou'}=${escapeDnValue(ou)},${dir.baseDn}`;
}

/** Creates the OU and any missing OU=… parents between it and the base. */
async function ensureOu(client: Client, dir: Directory, ouDn: string): Promise<void> {
  const base = dir.baseDn.toLowerCase();
  if (!ouDn.toLowerCase().endsWith(base)) throw new Error(`${ouDn} is not under ${dir.baseDn}`);
  const rdns = splitDn(ouDn.slice(0, ouDn.length - dir.baseDn.length).replace(/,$/, ''));
  let dn = dir.baseDn;
  for (const rdn of rdns.reverse()) {
    dn = `${rdn},${dn}`;
    const [type, ...rest] = rdn.split('=');
    if (type!.toLowerCase() !== 'ou') throw new Error(`seedUsers: ${dn} is not an OU`);
    try {
      await client.add(dn, { objectClass: ['top', 'organizationalUnit'], ou: unescapeDnValue(rest.join('=')) });
    } catch (error) {
      if (!(error instanceof AlreadyExistsError)) throw error;
    }
  }
}

function splitDn(dn: string): string[] {
  if (!dn) return [];
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i]!;
    if (c === '\\') {
      current += c + (dn[i + 1] ?? '');
      i++;
    } else if (c === ',') {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}

function unescapeDnValue(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}

/** cn without the characters AD forbids in sAMAccountName, at most 20 characters (long ones end in a hash). */
export function samAccountNameFor(cn: string): string {
  const clean = cn.replace(/["/\\[\]:;|=,+*?<>@]/g, '').replace(/\s+/g, '.');
  if (clean.length <= 20 && clean.length > 0) return clean;
  return `${clean.slice(0, 11)}-${createHash('sha1').update(cn).digest('hex').slice(0, 8)}`;
}

const MANAGED = [
  'cn',
  'givenName',
  'sn',
  'displayName',
  'mail',
  'employeeID',
  'employeeNumber',
  'extensionAttribute1',
  'userPrincipalName',
  'sAMAccountName',
  'userAccountControl',
] as const;

function desiredAttributes(user: SeedUser): Record<string, string> {
  const attrs: Record<string, string> = {
    cn: user.cn,
    givenName: user.givenName,
    sn: user.sn,
    displayName: `${user.givenName} ${user.sn}`,
    sAMAccountName: user.sAMAccountName ?? samAccountNameFor(user.cn),
    userAccountControl: user.disabled ? '514' : '512',
  };
  if (user.mail !== undefined) attrs.mail = user.mail;
  if (user.upn !== undefined) attrs.userPrincipalName = user.upn;
  if (user.key !== undefined) attrs[user.keyAttribute ?? 'employeeID'] = user.key;
  return attrs;
}

/**
 * Makes the OU (default: dir.usersDn; an OU name goes under the base, a DN is used as given) hold exactly
 * these users: missing ones are added, differing ones re-created, others deleted. Idempotent, and a
 * repeat with the same users costs one search. Samba: ldapts adds over LDAPS as Administrator
 * (objectClass user, userAccountControl 512 or 514, sAMAccountName, no password); ~13 ms a user.
 * slapd: as its rootdn (objectClass user SUP inetOrgPerson).
 */
export async function seedUsers(dir: Directory, users: SeedUser[], ou?: string): Promise<void> {
  const ouDn = resolveOu(dir, ou);
  const cnKey = (cn: string) => cn.toLowerCase();
  const wanted = new Map<string, Record<string, string>>();
  for (const user of users) {
    if (wanted.has(cnKey(user.cn))) throw new Error(`seedUsers: cn ${user.cn} appears twice`);
    wanted.set(cnKey(user.cn), desiredAttributes(user));
  }
  const client = await adminClient(dir);
  try {
    await ensureOu(client, dir, ouDn);
    const { searchEntries } = await client.search(ouDn, {
      scope: 'one',
      filter: '(objectClass=user)',
      attributes: [...MANAGED],
      paged: { pageSize: 500 },
    });
    const toDelete: string[] = [];
    const toAdd: Record<string, string>[] = [];
    const seen = new Set<string>();
    for (const entry of searchEntries) {
      const cn = String(entry.cn);
      const want = wanted.get(cnKey(cn));
      seen.add(cnKey(cn));
      if (want && sameAttributes(entry, want)) continue;
      toDelete.push(entry.dn);
      if (want) toAdd.push(want);
    }
    for (const [key, want] of wanted) if (!seen.has(key)) toAdd.push(want);

    const objectClass = dir.kind === 'samba' ? ['top', 'person', 'organizationalPerson', 'user'] : ['top', 'person', 'organizationalPerson', 'inetOrgPerson', 'user'];
    const rdn = dir.kind === 'samba' ? 'CN' : 'cn';
    await inParallel(toDelete, 4, async (dn) => {
      try {
        await client.del(dn);
      } catch (error) {
        if (!(error instanceof NoSuchObjectError)) throw error;
      }
    });
    await inParallel(toAdd, 4, async (attrs) => {
      const dn = `${rdn}=${escapeDnValue(attrs.cn!)},${ouDn}`;
      try {
        await client.add(dn, { objectClass, ...attrs });
      } catch (error) {
        const hint = /samAccountName|userPrincipalName/i.test((error as Error).message)
          ? ' (Samba wants sAMAccountName and userPrincipalName unique in the whole domain: give each OU its own)'
          : '';
        throw new Error(`seedUsers: adding ${dn} failed: ${(error as Error).message}${hint}`, { cause: error });
      }
    });
  } finally {
    await client.unbind();
  }
}

function sameAttributes(entry: Record<string, unknown>, want: Record<string, string>): boolean {
  const have = new Map<string, string[]>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const values = (Array.isArray(value) ? value : [value]).map(String);
    have.set(name.toLowerCase(), values);
  }
  for (const name of MANAGED) {
    const values = have.get(name.toLowerCase()) ?? [];
    const expected = want[name];
    if (expected === undefined ? values.length !== 0 : values.length !== 1 || values[0] !== expected) return false;
  }
  return true;
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
