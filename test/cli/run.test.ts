import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { todayInStockholm } from '../../src/cli/program';
import { DEMO_CONFIG, DEMO_DATE, demoFixture, runCli, snapshotText, spawnCli, tempDir, utf16, writeSetup } from '../support/cli';

describe('run on the demo municipality', () => {
  it('writes the snapshot under its hash and prints the summary per school with reason counts', async () => {
    const out = tempDir();
    const r = await runCli(['run', '--config', DEMO_CONFIG, '--date', DEMO_DATE, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Sync date 2026-09-01');
    expect(lines).toContain('Björkskolan (BJSK)         F, GR        12      4        3                3');
    expect(lines).toContain('Ekdalens gymnasium (EKGY)  GY            3      2        2                2');
    expect(lines).toContain('Total                                   15      6        5                5');
    expect(lines).toContain('    3  protected-identity: protected identity');
    expect(lines).toContain('    1  protected-identity-unknown: protected-identity level unknown (left out to be safe)');
    expect(lines).toContain('    1  school-unit-inactive: school unit not active on the sync date');
    expect(lines).toContain('    1  class-no-teacher: class has no exported teacher');
    expect(lines).toContain('    1  activity-cancelled: activity cancelled');
    expect(r.stdout).toContain('E-mail: 16 from ProCapita, 0 from the mapping table, 5 without an address (1 held an invalid address in ProCapita)');
    expect(r.stdout).toContain('! 1 person has an unknown protected-identity level');
    const roster = JSON.parse(snapshotText(out)!);
    const file = join(out, `${roster.contentHash.slice('sha256:'.length)}.json`);
    expect(r.stdout).toContain(`Snapshot ${roster.contentHash} written to ${file}: 21 persons, 10 groups.`);
    expect(readdirSync(out)).toEqual([`${roster.contentHash.slice('sha256:'.length)}.json`]);
    expect(roster).toMatchObject({ formatVersion: 1, agent: { name: 'procapita-sync' }, generatedAt: '2026-09-01T10:00:00.000Z' });
    expect(roster.syncDate).toBe(DEMO_DATE);
    expect(roster.schools.map((s: { code: string }) => s.code).sort()).toEqual(['BJSK', 'EKGY']);
    expect(roster.persons).toHaveLength(21);
    expect(roster.groups).toHaveLength(10);
    const ida = roster.persons.find((p: { givenName: string }) => p.givenName === 'Ida');
    expect(ida).toMatchObject({ roles: ['student'], familyName: 'Ny', email: 'ida.ny@demo.kommun.se' });
    expect(ida).not.toHaveProperty('personalNumber');
  });

  it('gives the same snapshot twice: same hash, only the generation time differs', async () => {
    const a = tempDir();
    const b = tempDir();
    await runCli(['run', '--config', DEMO_CONFIG, '--date', DEMO_DATE, '--out', a], new Date('2026-01-01T00:00:00Z'));
    await runCli(['run', '--config', DEMO_CONFIG, '--date', DEMO_DATE, '--out', b], new Date('2027-05-05T12:00:00Z'));
    const [x, y] = [JSON.parse(snapshotText(a)!), JSON.parse(snapshotText(b)!)];
    expect(x.contentHash).toBe(y.contentHash);
    expect({ ...x, generatedAt: null }).toEqual({ ...y, generatedAt: null });
    expect(x.generatedAt).not.toBe(y.generatedAt);
  });

  it('defaults the sync date to today in Europe/Stockholm', async () => {
    const out = tempDir();
    // 23:30 UTC on 31 August is already 1 September in Stockholm (UTC+2).
    const r = await runCli(['run', '--config', DEMO_CONFIG, '--out', out], new Date('2026-08-31T23:30:00Z'));
    expect(r.stdout.split('\n')[0]).toBe('Sync date 2026-09-01');
  });

  it('exports personnummer only when the configuration asks for it', async () => {
    const fixture = demoFixture();
    const numbers = fixture.person!.map((p) => p.personal_number as string);
    for (const exportIt of [false, true]) {
      const { configPath } = writeSetup(fixture, { export: { personalNumber: exportIt } });
      const out = tempDir();
      const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', out]);
      expect(r.code).toBe(0);
      const text = snapshotText(out)!;
      const found = numbers.filter((n) => text.includes(n));
      if (exportIt) expect(found.length).toBe(21);
      else expect(found).toEqual([]);
      for (const n of numbers) expect(r.stdout).not.toContain(n);
    }
  });
});

describe('todayInStockholm', () => {
  it.each([
    ['2026-06-30T21:59:00Z', '2026-06-30'],
    ['2026-06-30T22:00:00Z', '2026-07-01'],
    ['2026-12-31T22:59:00Z', '2026-12-31'],
    ['2026-12-31T23:00:00Z', '2027-01-01'],
  ])('%s is %s in Stockholm', (instant, expected) => {
    expect(todayInStockholm(new Date(instant))).toBe(expected);
  });
});

describe('expected failures: one clear line and a documented exit code', () => {
  const demo = ['--config', DEMO_CONFIG];

  it.each([
    ['no arguments', [], 2, /Usage: procapita-sync/],
    ['an unknown command', ['sync'], 2, /unknown command 'sync'/],
    ['no --out and no target', ['run', ...demo], 2, /^error: Nowhere to deliver the snapshot: give --out DIR, or a target in the configuration \(`procapita-sync help configuration`\)\.\n$/],
    ['an impossible date', ['run', ...demo, '--out', '/tmp/x', '--date', '2026-02-30'], 2, /^error: --date 2026-02-30 is not a calendar date\. Use YYYY-MM-DD/],
    ['a date in another format', ['run', ...demo, '--out', '/tmp/x', '--date', '30/08/2026'], 2, /^error: --date 30\/08\/2026 is not a calendar date/],
    ['a missing config file', ['run', '--config', '/nonexistent/config.json', '--out', '/tmp/x'], 3, /^error: Configuration \/nonexistent\/config.json: no such file\. Give the path of the configuration file with --config\./],
  ])('%s', async (_name, args, code, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a config that is not JSON names the line and column, and quotes none of the text', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    writeFileSync(file, '{\n  "schools": [\n    { "unitCode": "Anna Svensson 201003151234" }\n    { }\n  ]\n}\n');
    const r = await runCli(['run', '--config', file, '--out', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: Configuration ${file} is not valid JSON: a missing comma at line 4, column 5.\n`);
  });

  it('a key given twice in the config is refused by its path, exit 3: JSON would silently take the last', async () => {
    const { configPath, dir } = writeSetup(demoFixture());
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    // The second "personalNumber" would win: the admin's "true" would silently be lost.
    const text = JSON.stringify({ ...config, export: { personalNumber: true, allowPersonalNumberInEmail: false } }, null, 2).replace('"allowPersonalNumberInEmail": false', '"allowPersonalNumberInEmail": false,\n    "personalNumber": false');
    writeFileSync(configPath, text);
    const lines = text.split('\n');
    const [first, second] = lines.flatMap((l, i) => (l.includes('"personalNumber"') ? [i + 1] : []));
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: Configuration ${configPath}: the key export.personalNumber appears twice (lines ${first} and ${second}). JSON would silently take the last one; remove one.\n`);
    expect(snapshotText(join(dir, 'out'))).toBeNull();
  });

  it('a key given twice in a fixture row is refused by its line only (a key there could be data), exit 5', async () => {
    const fixture = demoFixture();
    const { configPath, dir } = writeSetup(fixture);
    const text = JSON.stringify(fixture, null, 1).replace(/"given_name": "Hugo",/, '"given_name": "Hugo",\n  "given_name": "Anna 201003151234",');
    writeFileSync(join(dir, 'municipality.json'), text);
    const line = text.split('\n').findIndex((l) => l.includes('Anna 201003151234')) + 1;
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'out')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toBe(`error: Fixture ${join(dir, 'municipality.json')}: a key appears twice in one object (lines ${line - 1} and ${line}). JSON would silently take the last one; remove one.\n`);
  });

  it.each([
    ['UTF-16 LE (Notepad\'s "Unicode")', {}],
    ['UTF-16 BE (Notepad\'s "Unicode big endian")', { bigEndian: true }],
  ])('a config and a fixture saved as %s are read by their byte-order mark: the roster of the UTF-8 files', async (_, o) => {
    const { configPath, dir } = writeSetup(demoFixture());
    const expected = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'utf8')]);
    expect(expected.code).toBe(0);
    // Swedish letters in the config too: a school's code is left as it is, a path gets å.
    writeFileSync(join(dir, 'skolår.json'), utf16(readFileSync(join(dir, 'municipality.json'), 'utf8'), o));
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(configPath, utf16(JSON.stringify({ ...config, source: { type: 'fixture', path: 'skolår.json' } }, null, 2), o));
    const r = await runCli(['run', '--config', configPath, '--date', DEMO_DATE, '--out', join(dir, 'utf16')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(snapshotText(join(dir, 'utf16'))).toBe(snapshotText(join(dir, 'utf8')));
  });

  it('a config in UTF-16 without a byte-order mark: exit 3, save it as UTF-8', async () => {
    const { configPath, dir } = writeSetup(demoFixture());
    writeFileSync(configPath, utf16(readFileSync(configPath, 'utf8'), { bom: false }));
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: Configuration ${configPath} looks like UTF-16 text without a byte-order mark. Save it as UTF-8 (in Notepad: Save as, Encoding UTF-8).\n`);
  });

  it.each([
    [{ schools: [{ unitCode: 'BJSK', schoolForm: 'XX' }] }, /schools\[0\]\.schoolForm: Invalid option: expected one of "PC"\|"FS"/],
    [{ schools: [] }, /schools: list at least one school unit and school form/],
    [{ schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }, { unitCode: 'BJSK', schoolForm: 'GR' }] }, /schools lists BJSK\/GR twice\. Remove one\./],
    // Unit codes compare as the rules match them: trimmed, any case.
    [{ schools: [{ unitCode: 'BJSK', schoolForm: 'GR' }, { unitCode: ' bjsk', schoolForm: 'GR' }] }, /schools lists bjsk\/GR twice\. Remove one\./],
    [{ leadDays: { staff: -1, students: 1 } }, /leadDays\.staff: Too small/],
    [{ target: { type: 'https', url: 'http://upload.example.com/v1/snapshots' } }, /target\.url: give the upload endpoint as an https:\/\/ URL\. See/],
    [{ target: { type: 'https', url: 'https://upload.example.com/v1/snapshots', heartbeatUrl: 'http://upload.example.com/v1/heartbeat' } }, /target\.heartbeatUrl: give the heartbeat endpoint as an https:\/\/ URL\. See/],
    [{ teachingGroups: { select: 'nameSuffix' } }, /teachingGroups\.suffix: Invalid input/],
    [{ scools: [] }, /Unrecognized key: "scools"/],
    [{ source: { type: 'oracle' } }, /source\.type: Invalid discriminator value\. Expected 'fixture' \| 'sql'/],
    [{ source: { type: 'sql' } }, /source\.host: Invalid input: expected string, received undefined \(and 2 more problems\)/],
    [{ source: { type: 'sql', host: 'db', database: 'PC', user: 'u', passwordEnv: 'secret123!' } }, /source\.passwordEnv: name an environment variable/],
    [{ source: { type: 'sql', host: 'db', database: 'PC', user: 'u', passwordEnv: 'P', password: 'x' } }, /source: Unrecognized key: "password"/],
    [{ runDeadlineSeconds: 0 }, /runDeadlineSeconds: Too small/],
    [{ runDeadlineSeconds: 300, target: { type: 'https', url: 'https://import.example.se/v1/snapshots' } }, /target\.deadlineSeconds \(600 s\) is longer than runDeadlineSeconds \(300 s\), which ends the whole run\. Lower the one or raise the other\./],
  ])('a config with %j is refused with exit code 3', async (patch, message) => {
    const { configPath, dir } = writeSetup(demoFixture(), patch);
    const r = await runCli(['run', '--config', configPath, '--out', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/See `procapita-sync help configuration`\.\n$|Remove one\.\n$/);
    expect(r.stderr.split('\n')).toHaveLength(2);
  });

  it('a missing fixture file exits 4 and says where to look', async () => {
    const { configPath, dir } = writeSetup(demoFixture(), { source: { type: 'fixture', path: 'gone.json' } });
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(`error: Fixture ${join(dir, 'gone.json')}: no such file. Check source.path in the configuration.\n`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a fixture missing a table exits 5 and names the table', async () => {
    const fixture = demoFixture();
    delete fixture.class_placement;
    const { configPath, dir } = writeSetup(fixture);
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/lacks table class_placement \(an array of rows; it may be empty\): see `procapita-sync help fixtures`/);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('a fixture row missing a column exits 5 and names table and column', async () => {
    const fixture = demoFixture();
    delete fixture.person![3]!.protected_identity;
    const { configPath, dir } = writeSetup(fixture);
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/table person lacks column protected_identity \(row 4\)/);
  });

  it('a wrong type names row and column but never echoes a text value', async () => {
    const fixture = demoFixture();
    fixture.person![0]!.personal_number = 197804120011;
    fixture.person![1]!.given_name = 42;
    const { configPath, dir } = writeSetup(fixture);
    const r = await runCli(['run', '--config', configPath, '--out', join(dir, 'out')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/table person, row 1, column personal_number: expected text \(found number\)\n$/);
    expect(r.stderr).not.toContain('197804120011');
  });

  it('an output folder that cannot be created exits 6 and leaves nothing behind', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'blocker'), 'a file where the folder should be');
    const r = await runCli(['run', '--config', DEMO_CONFIG, '--date', DEMO_DATE, '--out', join(dir, 'blocker', 'out')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^error: Cannot write the snapshot to .*blocker\/out: a file is in the way of the folder\./);
    expect(r.stdout).not.toContain('written to');
  });
});

describe('the real process', () => {
  it('prints the version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = await spawnCli(['--version']);
    expect(r).toEqual({ code: 0, stdout: `procapita-sync ${pkg.version} (run from source)\n`, stderr: '' });
  });

  it('lists the commands and exit codes in --help', async () => {
    const r = await spawnCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/run \[options\]/);
    expect(r.stdout).toMatch(/explain \[options\] <query>/);
    expect(r.stdout).toMatch(/Exit codes:\n\s+0 {2}ok/);
  });

  it('exits with the documented code and no stack trace on an expected failure', async () => {
    const r = await spawnCli(['run', '--config', 'no-such-config.json', '--out', 'unused']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: Configuration no-such-config.json: no such file. Give the path of the configuration file with --config.\n');
  });
});
