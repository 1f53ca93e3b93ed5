import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { formatMappingTable, parseMappingTable, writeMappingTable } from '../../src/enrich/mapping-table';
import { DEMO_DATE, demoFixture, runCli, snapshotText, tempDir, utf16, writeSetup } from '../support/cli';

const TODAY = '2026-09-01';
const GUID = '3F2504E0-4F89-11D3-9A0C-0305E82C3301';

function problem(text: string): AppError {
  try {
    parseMappingTable(text, 'map.csv', TODAY);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected the table to be refused');
}

describe('mapping table CSV', () => {
  it('reads commas or semicolons, a BOM, padded values; keys by GUID and normalised personnummer', () => {
    const table = parseMappingTable(`\uFEFFkey;email\n ${GUID} ; anna@skola.se \n130201-0044;hugo@skola.se\n811288-9863;samord@skola.se\n`, 'map.csv', TODAY);
    expect([...table.byGuid]).toEqual([[GUID.toLowerCase(), 'anna@skola.se']]);
    expect([...table.byPersonalNumber]).toEqual([
      ['201302010044', 'hugo@skola.se'],
      ['198112889863', 'samord@skola.se'],
    ]);
    expect(parseMappingTable('key,email\n201302010044,hugo@skola.se\n201302010044,HUGO@skola.se\n', 'm', TODAY).byPersonalNumber.size).toBe(1);
  });

  it('names every bad line, and quotes no key, no personnummer and no address: exits 11', () => {
    const err = problem(
      [
        'key,email',
        `${GUID},ok@skola.se`,
        '20130201-0045,a@skola.se', // wrong check digit
        '20130230-0046,b@skola.se', // no such date
        'elev-17,c@skola.se', // neither GUID nor personnummer
        '201302010044,not-an-address', // bad e-mail
        `${GUID.toLowerCase()},other@skola.se`, // same key, another address
      ].join('\n'),
    );
    expect(err.exitCode).toBe(11);
    expect(err.message).toBe(
      `E-mail mapping map.csv has 5 problems: line 3: the key is a personnummer with a wrong check digit; line 4: the key is a personnummer with an impossible date; line 5: the key is neither a GUID nor a personnummer; line 6: the e-mail address is not valid; line 7: the key of line 2 again, with a different address. Fix the file; nothing was delivered.`,
    );
    expect(err.message).not.toMatch(/0045|0046|20130|not-an-address|other@|elev-17/i);
    expect(err.message.toLowerCase()).not.toContain(GUID.toLowerCase());
  });

  it('refuses a file without the key,email header', () => {
    expect(problem('guid,mail\nx,y\n').message).toBe('E-mail mapping map.csv: the first line must be the header key,email.');
  });
});

describe('mapping table for Excel: no cell runs as a formula', () => {
  it('prefixes every cell that starts with = + - @ TAB or CR with \', keys included, and quotes what needs it', () => {
    const text = formatMappingTable([
      { key: '=HYPERLINK("http://x")', email: '+46701234567@x.se' },
      { key: '-1', email: '@SUM(A1)' },
      { key: '\tkey', email: '\rmail' },
      { key: "'=already", email: "'plain" },
      { key: GUID, email: 'anna@skola.se' },
    ]);
    expect(text.split('\n')).toEqual([
      'key,email',
      `"'=HYPERLINK(""http://x"")",'+46701234567@x.se`,
      "'-1,'@SUM(A1)",
      "'\tkey,\"'\rmail\"",
      "''=already,'plain",
      `${GUID},anna@skola.se`,
      '',
    ]);
  });

  it('reads back exactly what was written: the prefix is stripped once, other apostrophes stay', async () => {
    const entries = [
      { key: GUID.toLowerCase(), email: '=1+2@x.se' },
      { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3302', email: '+cmd@x.se' },
      { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3303', email: '-2+3@x.se' },
      { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3304', email: "'=x@x.se" },
      { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3305', email: "''+x@x.se" },
      { key: '3f2504e0-4f89-11d3-9a0c-0305e82c3306', email: "'plain@x.se" },
      { key: '201302010044', email: "o'brien@x.se" },
    ];
    const file = join(tempDir(), 'map.csv');
    await writeMappingTable(file, entries);
    expect(readFileSync(file, 'utf8')).toContain(`\n${GUID.toLowerCase()},'=1+2@x.se\n`);
    const table = parseMappingTable(readFileSync(file, 'utf8'), file, TODAY);
    expect([...table.byGuid, ...table.byPersonalNumber]).toEqual(entries.map((e) => [e.key, e.email]));
  });
});

describe('e-mail addresses end to end', () => {
  const fixture = demoFixture();
  const person = (given: string) => fixture.person!.find((p) => p.given_name === given)!;
  const table = [
    'key;email',
    `${person('Sara').person_id};sara.nystrom@demo.kommun.se`, // staff without an address, by GUID
    `${person('Maja').personal_number};maja.carlsson@demo.kommun.se`, // 12 digits
    `${(person('Oscar').personal_number as string).slice(2, 8)}-${(person('Oscar').personal_number as string).slice(8)};oscar.j@demo.kommun.se`, // 10 digits with a dash
    `${person('Nora').person_id};nora.fel@demo.kommun.se`, // ProCapita's address is invalid
    `${person('Hugo').person_id};not-used@demo.kommun.se`, // ProCapita's own address wins
  ].join('\n');

  function setup(email: Record<string, unknown>) {
    const { configPath, dir } = writeSetup(fixture, { email });
    writeFileSync(join(dir, 'map.csv'), table);
    return { configPath, dir };
  }

  it('persons without a ProCapita address get theirs from the table; the summary counts each source', async () => {
    const { configPath, dir } = setup({ mappingFile: 'map.csv' });
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 4 from the mapping table, 1 without an address (1 held an invalid address in ProCapita)');
    const persons = JSON.parse(snapshotText(join(dir, 'out'))!).persons as { givenName: string; email: string | null }[];
    const email = (given: string) => persons.find((p) => p.givenName === given)!.email;
    expect([email('Sara'), email('Maja'), email('Oscar'), email('Nora'), email('Hugo'), email('Ebba')]).toEqual([
      'sara.nystrom@demo.kommun.se',
      'maja.carlsson@demo.kommun.se',
      'oscar.j@demo.kommun.se',
      'nora.fel@demo.kommun.se',
      'hugo.dahl@demo.kommun.se',
      null,
    ]);
  });

  it('requireEmail leaves out persons without an address, with their own reason, shown by explain', async () => {
    const { configPath, dir } = setup({ mappingFile: 'map.csv', requireEmail: true });
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('    1  no-email: no e-mail address, and the configuration requires one');
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 4 from the mapping table, 0 without an address');
    const ebba = await runCli(['explain', 'Ebba', '--config', configPath, '--date', DEMO_DATE]);
    expect(ebba.stdout).toContain('  excluded as student: no e-mail address, and the configuration requires one (no-email)');
    expect(ebba.stdout).toContain('    ✗ has no valid e-mail address in ProCapita or the mapping table, and requireEmail is on');
    const maja = await runCli(['explain', 'Maja', '--config', configPath, '--date', DEMO_DATE]);
    expect(maja.stdout).toContain('    ✓ has an e-mail address from the mapping table');
  });

  it.each([
    ["Excel's \"Unicode text\" (UTF-16 LE with BOM, TAB-separated)", utf16(table.replace(/;/g, '\t'))],
    ['UTF-16 BE with BOM, commas', utf16(table.replace(/;/g, ','), { bigEndian: true })],
    ['UTF-8 with BOM, TAB-separated', Buffer.from(`\uFEFF${table.replace(/;/g, '\t')}`)],
  ])('a table saved as %s gives the addresses the UTF-8 one gives', async (_, bytes) => {
    const { configPath, dir } = writeSetup(fixture, { email: { mappingFile: 'map.csv' } });
    writeFileSync(join(dir, 'map.csv'), bytes);
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 4 from the mapping table, 1 without an address (1 held an invalid address in ProCapita)');
  });

  it.each([
    ['UTF-16 without a byte-order mark', utf16(table, { bom: false }), / looks like UTF-16 text without a byte-order mark\. Save it as UTF-8 \(in Notepad: Save as, Encoding UTF-8\), or as Excel's "CSV UTF-8"\.\n$/],
    ['an empty file', Buffer.from(''), / is empty\. It needs the header key,email and a line per person; rebuild it with "ad-mapping build", or check email\.mappingFile in the configuration\. Nothing was delivered\.\n$/],
    ['a file of blank lines and a BOM', Buffer.from('\uFEFF\r\n\r\n'), / is empty\. It needs the header key,email/],
    ['only the header', Buffer.from('key;email\r\n'), / has no entries, only the first line\. It needs the header key,email and a line per person/],
    ['only the header, in UTF-16', utf16('key\temail\n'), / has no entries, only the first line\./],
  ])('%s: exit 11 before anything is written, naming the file', async (_, bytes, message) => {
    const { configPath, dir } = writeSetup(fixture, { email: { mappingFile: 'map.csv' } });
    writeFileSync(join(dir, 'map.csv'), bytes);
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.code).toBe(11);
    expect(r.stderr).toContain(`error: E-mail mapping ${join(dir, 'map.csv')}`);
    expect(r.stderr).toMatch(message);
    expect(snapshotText(join(dir, 'out'))).toBeNull();
  });

  it('a broken table stops the run before anything is written: exit 11', async () => {
    const { configPath, dir } = writeSetup(fixture, { email: { mappingFile: 'map.csv' } });
    writeFileSync(join(dir, 'map.csv'), 'key,email\nnonsense,x\n');
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/has 2 problems: line 2: the key is neither a GUID nor a personnummer; line 2: the e-mail address is not valid|has 1 problem: line 2: the key is neither a GUID nor a personnummer/);
    expect(snapshotText(join(dir, 'out'))).toBeNull();
    const missing = writeSetup(fixture, { email: { mappingFile: 'gone.csv' } });
    const m = await runCli(['run', '--config', missing.configPath, '--date', DEMO_DATE, '--out', tempDir()]);
    expect(m.code).toBe(11);
    expect(m.stderr).toMatch(/gone\.csv: no such file\. Check email\.mappingFile in the configuration, or build it with "ad-mapping build"\./);
  });
});
