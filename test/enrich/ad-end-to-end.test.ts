import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedUsers, startSamba, stopDirectories, type Directory } from '../ldap/directories';
import { DEMO_DATE, demoFixture, runCli, snapshotText, writeSetup } from '../support/cli';

const OU = 'OU=EndToEnd,DC=test,DC=local';
const fixture = demoFixture();
const person = (given: string) => fixture.person!.find((p) => p.given_name === given)!;

let samba: Directory;
beforeAll(async () => {
  samba = await startSamba();
  // Three of the demo's pupils and one teacher have no address in ProCapita; AD has them, keyed by personnummer.
  await seedUsers(
    samba,
    [
      { cn: 'E2E Sara Nystrom', givenName: 'Sara', sn: 'Nyström', key: person('Sara').personal_number as string, mail: 'sara.nystrom@skola.test.local', sAMAccountName: 'e2e-sara' },
      { cn: 'E2E Maja Carlsson', givenName: 'Maja', sn: 'Carlsson', key: person('Maja').personal_number as string, mail: 'maja.carlsson@skola.test.local', sAMAccountName: 'e2e-maja' },
      { cn: 'E2E Oscar Johansson', givenName: 'Oscar', sn: 'Johansson', key: person('Oscar').personal_number as string, upn: 'oscar.johansson@skola.test.local', sAMAccountName: 'e2e-oscar' },
      { cn: 'E2E Ebba Olsson', givenName: 'Ebba', sn: 'Olsson', key: person('Ebba').personal_number as string, mail: 'ebba.olsson@skola.test.local', disabled: true, sAMAccountName: 'e2e-ebba' },
      { cn: 'E2E Vera', givenName: 'Vera', sn: 'Skydd', key: person('Vera').personal_number as string, mail: 'vera@skola.test.local', sAMAccountName: 'e2e-vera' },
    ],
    OU,
  );
}, 240_000);
afterAll(() => stopDirectories());

describe('AD → mapping table → roster', () => {
  it('persons without a ProCapita address get theirs from the table built from AD; disabled accounts and protected persons stay out of sight', async () => {
    const { configPath, dir } = writeSetup(fixture, {
      email: {
        mappingFile: 'email-mapping.csv',
        ad: { url: samba.ldapsUrl, caFile: 'ca.pem', bindDn: samba.bindDn, passwordEnv: 'PROCAPITA_LDAP_PASSWORD', baseDn: OU, keyAttribute: 'employeeID' },
      },
    });
    writeFileSync(join(dir, 'ca.pem'), samba.ca);
    const env = { PROCAPITA_LDAP_PASSWORD: samba.bindPassword };

    const build = await runCli(['ad-mapping', 'build', '--config', configPath, '--date', DEMO_DATE], undefined, env);
    expect(build.stderr).toContain('Read 5 accounts in 1 page.');
    expect(build.code).toBe(0);
    expect(build.stdout).toContain('Active Directory: 5 accounts read.');
    expect(build.stdout).toContain('1 disabled, skipped');
    expect(build.stdout).toMatch(/Wrote 3 rows to .*email-mapping\.csv \(5 directory accounts read in [\d.]+ s\)\./);
    for (const secret of [samba.bindPassword, 'Vera', 'Skydd', person('Vera').personal_number as string]) expect(build.stdout + build.stderr).not.toContain(secret);
    const table = readFileSync(join(dir, 'email-mapping.csv'), 'utf8');
    expect(table.split('\n')[0]).toBe('key,email');
    expect(table).not.toMatch(/vera|201308080314/i); // a protected person's row is never written

    const run = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('E-mail: 16 from ProCapita, 3 from the mapping table, 2 without an address (1 held an invalid address in ProCapita)');
    const persons = JSON.parse(snapshotText(join(dir, 'out'))!).persons as { givenName: string; email: string | null }[];
    const email = (given: string) => persons.find((p) => p.givenName === given)!.email;
    expect([email('Sara'), email('Maja'), email('Oscar'), email('Ebba')]).toEqual([
      'sara.nystrom@skola.test.local',
      'maja.carlsson@skola.test.local',
      'oscar.johansson@skola.test.local',
      null, // her account is disabled
    ]);
  });

  it('a base DN with no accounts keeps the existing table: exit 11', async () => {
    const { configPath, dir } = writeSetup(fixture, {
      email: { mappingFile: 'email-mapping.csv', ad: { url: samba.ldapsUrl, caFile: 'ca.pem', bindDn: samba.bindDn, passwordEnv: 'P', baseDn: samba.usersDn, filter: '(employeeID=no-such-key)' } },
    });
    writeFileSync(join(dir, 'ca.pem'), samba.ca);
    writeFileSync(join(dir, 'email-mapping.csv'), 'key,email\n');
    const r = await runCli(['ad-mapping', 'build', '--config', configPath, '--date', DEMO_DATE], undefined, { P: samba.bindPassword });
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/found no accounts\. Check email\.ad\.baseDn and email\.ad\.filter; the existing table .*email-mapping\.csv was kept\./);
    expect(existsSync(join(dir, 'email-mapping.csv'))).toBe(true);
  });

  it('accounts of which none gives an entry (a key attribute none of them has) keep the existing table: exit 11, since the run refuses a table with no entries', async () => {
    const { configPath, dir } = writeSetup(fixture, {
      email: { mappingFile: 'email-mapping.csv', ad: { url: samba.ldapsUrl, caFile: 'ca.pem', bindDn: samba.bindDn, passwordEnv: 'P', baseDn: OU, keyAttribute: 'department' } },
    });
    writeFileSync(join(dir, 'ca.pem'), samba.ca);
    const good = `key,email\n${person('Sara').personal_number as string},sara.nystrom@skola.test.local\n`;
    writeFileSync(join(dir, 'email-mapping.csv'), good);
    const r = await runCli(['ad-mapping', 'build', '--config', configPath, '--date', DEMO_DATE], undefined, { P: samba.bindPassword });
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/None of the 5 directory accounts gave a table entry \(see the report above\)\. Check email\.ad\.keyAttribute; the existing table .*email-mapping\.csv was kept\./);
    expect(readFileSync(join(dir, 'email-mapping.csv'), 'utf8')).toBe(good);
  });
});
