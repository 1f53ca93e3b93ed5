/**
 * The privacy fuzz suite (issue 13, Tests). Plants canaries (test/privacy/canaries.ts):
 * protected persons everywhere a person can be, and malformed cells holding
 * personal data. Then drives the error paths of extract, enrich, guard and
 * deliver through the CLI, the wizard's checks and doctor, over a fixture,
 * over SQL (the TDS test server), to the reference receiver and against
 * slapd, and scans every output each command left: stdout, stderr, every file
 * under logDir and stateDir, the event-log commands, the heartbeat bodies,
 * uploaded and written snapshots, the mapping table and the written
 * configuration. A single canary fails the test, naming its kind and the
 * output it was found in.
 *
 * Nothing is taken out before the scan: not even `explain` repeats the
 * query the user typed, which may be a protected person's GUID.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decisions, PersonDecision } from '../../src/decide/decide';
import { ExitCode, type ExitCodeName } from '../../src/errors';
import type { Receiver } from '../receiver/receiver';
import { seedUsers, startSlapd, stopDirectories, type Directory, type SeedUser } from '../ldap/directories';
import { DEMO_DATE, demoFixture, memoryStore, runCli, tempDir } from '../support/cli';
import { ENV, CERTS, Site, closeAll, httpsTarget, receiver, runMain, sqlSource, tdsServer, type MainResult } from '../faults/support';
import {
  ALL_CANARIES,
  ALL_PROTECTED,
  BROKEN,
  GATE_PNR,
  PROTECTED,
  PROTECTED_TEACHER,
  brokenPupil,
  canaryFixture,
  commandOutputs,
  expectNoCanary,
  fileOutputs,
  heartbeatOutputs,
  writings,
  type Fixture,
  type Output,
} from './canaries';

const CA_FILE = join(CERTS, 'ca.crt');
const LDAP_PASSWORD_ENV = 'PROCAPITA_LDAP_PASSWORD';
const AD_OU = 'ou=PrivacyCanaries,dc=test,dc=local';

let rec: Receiver;
let sql: Awaited<ReturnType<typeof tdsServer>>;
let slapd: Directory;

beforeAll(async () => {
  rec = await receiver();
  sql = await tdsServer(canaryFixture());
  slapd = await startSlapd();
  await seedUsers(slapd, adUsers(), AD_OU);
}, 300_000);

afterAll(async () => {
  await closeAll();
  await stopDirectories();
}, 120_000);

// ---- Running a command and collecting what it left ---------------------------------

/** A site delivering to the shared receiver, with the canary register unless told. */
function site(fixture: Fixture = canaryFixture(), config: Record<string, unknown> = {}): Site {
  const s = new Site(fixture, config);
  s.configure({ target: httpsTarget(rec.url) });
  return s;
}

/** One command at a site: its result, and every output it left (printed, logged, stored, sent). */
async function command(s: Site, label: string, args?: readonly string[], extraFolders: readonly string[] = []): Promise<{ r: MainResult; outputs: Output[] }> {
  const heartbeats = rec.heartbeats.length;
  const imports = rec.imports.length;
  const r = await s.run(args ? { args } : {});
  const outputs = [
    ...commandOutputs(label, r),
    ...heartbeatOutputs(label, rec, heartbeats),
    ...rec.imports.slice(imports).map((i, n) => ({ name: `${label}: uploaded snapshot ${n + 1}`, text: JSON.stringify(i.snapshot) })),
    ...fileOutputs(s.dir, [s.logDir, s.stateDir, ...extraFolders]),
  ];
  return { r, outputs };
}


function expectExit(r: { code: number; stderr: string }, name: ExitCodeName): void {
  expect(r.code, r.stderr).toBe(ExitCode[name]);
}

// ---- Class (a): protected persons, on the paths that succeed ----------------------

describe('protected persons (levels 1, 2, 3, NULL) appear in no output at all', () => {
  it('a delivered run (upload and --out), status, explain by name, GUID, personnummer in every writing, e-mail and class; a held run (review.txt), approve and the next run', async () => {
    const s = site();
    const out = join(s.dir, 'out');
    const all: Output[] = [];
    const step = async (label: string, args: readonly string[] | undefined, code: ExitCodeName) => {
      const { r, outputs } = await command(s, label, args, [out]);
      expectExit(r, code);
      all.push(...outputs);
      return r;
    };
    const config = ['--config', s.configPath];
    await step('run (upload)', undefined, 'ok');
    await step('run --out', ['run', ...config, '--date', DEMO_DATE, '--out', out], 'ok');
    await step('status', ['status', ...config], 'ok');
    const queries = [
      ...ALL_PROTECTED.flatMap((p) => [p.given, p.family, `${p.given} ${p.family}`, p.id, p.id.toUpperCase(), p.email, ...writings(p.pnr)]),
      '7A',
      '7B',
      'NA26a',
      'Ma 7A',
    ];
    for (const q of queries) {
      const { r, outputs } = await command(s, `explain ${q}`, ['explain', q, ...config, '--date', DEMO_DATE]);
      expectExit(r, 'ok');
      // The user's own query may come back; nothing else.
      all.push(...outputs);
    }
    // Most of EKGY's pupils leave: the deletion guard holds the run, and review.txt lists those who left.
    const f = canaryFixture();
    const ekgy = f.school_unit!.find((u) => u.unit_code === 'EKGY')!.unit_id;
    const classes = new Set(f.school_class!.filter((c) => c.unit_id === ekgy || c.name === '7A').map((c) => c.class_id));
    s.fixture({ ...f, class_placement: f.class_placement!.map((p) => (classes.has(p.class_id) ? { ...p, end_date: '2026-08-31' } : p)) });
    await step('held run', undefined, 'heldByGuard');
    expect(s.state('review.txt')).toMatch(/[A-ZÅÄÖ][a-zåäö]+ [A-ZÅÄÖ][a-zåäö]+/);
    const held = JSON.parse(s.state('held.json')!) as { contentHash: string };
    await step('approve', ['approve', held.contentHash, ...config], 'ok');
    await step('run after approval', undefined, 'ok');
    // The scan can fail: the uploads and snapshots hold the unprotected pupils of the same classes.
    expect(all.filter((o) => o.name.includes('uploaded snapshot')).map((o) => o.text).join()).toContain('Astrid');
    expect(all.filter((o) => o.name.startsWith('out/')).length).toBeGreaterThan(0);
    expectNoCanary(all);
  }, 60_000);

  it('a valid mapping table that gives the protected persons addresses, by GUID and by personnummer: delivered without them', async () => {
    const s = site();
    const table = join(s.dir, 'mapping.csv');
    writeFileSync(table, `key,email\n${ALL_PROTECTED.map((p, i) => `${i % 2 ? p.id : writings(p.pnr)[[2, 3, 5][i % 3]!]},${p.email}`).join('\n')}\n`);
    s.configure({ email: { mappingFile: table } });
    const { r, outputs } = await command(s, 'run with mapping');
    expectExit(r, 'ok');
    expectNoCanary(outputs);
  });
});

// ---- Class (b): malformed cells, extract -------------------------------------------

type Mutation = (f: Fixture) => void;
const pupil = (f: Fixture) => brokenPupil(f);
const placementOf = (f: Fixture, id: string) => f.class_placement!.find((p) => p.person_id === id)!;

const MALFORMED: [string, Mutation][] = [
  ['a personnummer in a date column (class_placement.start_date)', (f) => void (placementOf(f, String(pupil(f).person_id)).start_date = `${BROKEN.pnr.slice(0, 8)}-${BROKEN.pnr.slice(8)}`)],
  ['a protected personnummer in a date column (class_placement.end_date)', (f) => void (placementOf(f, PROTECTED[0]!.id).end_date = PROTECTED[0]!.pnr)],
  ['a name in a bit column (person.deceased)', (f) => void (pupil(f).deceased = BROKEN.name)],
  ['a protected name in a bit column (person.deregistered)', (f) => void (f.person!.find((p) => p.person_id === PROTECTED[1]!.id)!.deregistered = `${PROTECTED[1]!.given} ${PROTECTED[1]!.family}`)],
  ['a name in an int column (person.protected_identity)', (f) => void (pupil(f).protected_identity = BROKEN.name)],
  ['a personnummer in an int column (person.protected_identity)', (f) => void (pupil(f).protected_identity = writings(BROKEN.pnr)[0]!)],
  ['an e-mail address in a date column (school_class.end_date)', (f) => void (f.school_class![0]!.end_date = BROKEN.email)],
  ['a GUID in a bit column (activity.cancelled)', (f) => void (f.activity![0]!.cancelled = BROKEN.guid)],
  ['a name where a row should be (person row is text)', (f) => void (f.person![3] = `${BROKEN.name} ${BROKEN.pnr}` as never)],
  ['a name as a list in a text column (person.given_name)', (f) => void (pupil(f).given_name = [BROKEN.name, BROKEN.email] as never)],
  ['a protected person on two rows that differ (one id, two names)', (f) => void f.person!.push({ ...f.person!.find((p) => p.person_id === PROTECTED[2]!.id)!, given_name: BROKEN.given })],
  ['a protected teacher on two rows that differ (one id, two personnummer)', (f) => void f.person!.push({ ...f.person!.find((p) => p.person_id === PROTECTED_TEACHER.id)!, personal_number: BROKEN.pnr })],
  ['one class GUID on two rows that differ', (f) => void f.school_class!.push({ ...f.school_class![0]!, name: BROKEN.name })],
];

describe('malformed cells holding personal data stop the run and appear in no output', () => {
  it.each(MALFORMED)('%s', async (_, mutate) => {
    const f = canaryFixture();
    mutate(f);
    const s = site(f);
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'schemaMismatch');
    const explain = await command(s, 'explain', ['explain', BROKEN.given, '--config', s.configPath, '--date', DEMO_DATE]);
    expectExit(explain.r, 'schemaMismatch');
    expectNoCanary([...outputs, ...explain.outputs]);
  });

  it('a JSON syntax error in the fixture, next to names and numbers', async () => {
    const s = site();
    writeFileSync(join(s.dir, 'municipality.json'), `{"person": [{"person_id": "${PROTECTED[0]!.id}", "given_name": ${PROTECTED[0]!.given} ${PROTECTED[0]!.family}, "personal_number": ${writings(PROTECTED[0]!.pnr)[0]}, "email": "${BROKEN.email}"]}`);
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'schemaMismatch');
    expectNoCanary(outputs);
  });

  it('a fixture of the wrong shape, keyed by names', async () => {
    const s = site();
    writeFileSync(join(s.dir, 'municipality.json'), JSON.stringify({ person: { [BROKEN.name]: BROKEN.pnr, [PROTECTED[0]!.given]: PROTECTED[0]!.email } }));
    const { r, outputs } = await command(s, 'run');
    expect(r.code).not.toBe(0);
    expectNoCanary(outputs);
  });

  it('a JSON syntax error in the configuration, next to a name and a personnummer', async () => {
    const s = site();
    const text = readFileSync(s.configPath, 'utf8').replace('"schools":[', `"schools":[${BROKEN.name} ${writings(BROKEN.pnr)[2]} ${PROTECTED[3]!.email}, `);
    writeFileSync(s.configPath, text);
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'config');
    const d = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { secrets: memoryStore(), platform: 'linux' });
    expect(d.code).not.toBe(0);
    expectNoCanary([...outputs, ...commandOutputs('doctor', d)]);
  });
});

// ---- Enrich: the mapping table ------------------------------------------------------

describe('a broken mapping table stops the run (exit 11) and names no key or address', () => {
  const p = PROTECTED;
  const TABLES: [string, string][] = [
    ['a protected GUID with two addresses', `key,email\n${p[0]!.id},${p[0]!.email}\n${p[0]!.id.toUpperCase()},${p[1]!.email}\n`],
    ['a protected personnummer, in two writings, with two addresses', `key,email\n${writings(p[1]!.pnr)[3]},${p[1]!.email}\n${writings(p[1]!.pnr)[5]},${p[2]!.email}\n`],
    ['an unprotected GUID and personnummer, each with two addresses', `key,email\n${BROKEN.guid},${BROKEN.email}\n${BROKEN.guid},other@elev.example\n${BROKEN.pnr},${BROKEN.email}\n${writings(BROKEN.pnr)[2]},x@elev.example\n`],
    ['a name as the key, and a name as the address', `key,email\n${BROKEN.name},${BROKEN.email}\n${p[2]!.id},${p[2]!.given} ${p[2]!.family}\n`],
    ['a personnummer with a wrong check digit and one with an impossible date', `key,email\n${p[3]!.pnr.slice(0, 11)}${(Number(p[3]!.pnr.slice(11)) + 1) % 10},${p[3]!.email}\n20131301${p[3]!.pnr.slice(8)},${BROKEN.email}\n`],
    ['a line that is not CSV', `key,email\n"${BROKEN.name},${p[0]!.email}\n${p[0]!.id},"${p[0]!.given}\n`],
    ['no header, personal data on the first line', `${p[1]!.id};${p[1]!.email}\n${BROKEN.pnr};${BROKEN.email}\n`],
  ];
  it.each(TABLES)('%s', async (_, csv) => {
    const s = site();
    const table = join(s.dir, 'mapping.csv');
    writeFileSync(table, csv);
    s.configure({ email: { mappingFile: table } });
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'emailMapping');
    expectNoCanary(outputs);
  });
});

// ---- Guard: personnummer in text ---------------------------------------------------

describe('a personnummer in any writing in an exported text, with export.personalNumber false, stops the run (exit 7) and is not repeated', () => {
  const cases: [string, Mutation][] = [
    ...writings(GATE_PNR).map((w): [string, Mutation] => [`in a name: "${w}"`, (f) => void (pupil(f).family_name = `Svensson ${w}`)]),
    ...writings(GATE_PNR).map((w): [string, Mutation] => [`in a class name: "${w}"`, (f) => void (f.school_class!.find((c) => c.name === '7A')!.name = `7A ${w}`)]),
    ...writings(GATE_PNR).map((w): [string, Mutation] => [`in a teaching group name: "${w}"`, (f) => void (f.activity!.find((a) => a.name === 'Ma 7A')!.name = `Ma ${w}`)]),
    ['in an e-mail local part', (f) => void (pupil(f).email = `${GATE_PNR}@elev.example`)],
    ['a protected person\'s number in an unprotected pupil\'s name', (f) => void (pupil(f).given_name = `Hugo ${writings(PROTECTED[0]!.pnr)[1]}`)],
  ];
  it.each(cases)('%s', async (_, mutate) => {
    const f = canaryFixture();
    mutate(f);
    const s = site(f);
    const imports = rec.imports.length;
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'privacyGate');
    expect(rec.imports.length).toBe(imports);
    expectNoCanary(outputs);
  });
});

describe('the guard stops a rules bug that lets the canaries through, and names none of them', () => {
  /** A rules bug: every protected person decided a student of an included class. */
  const includeProtected = (d: Decisions): Decisions => {
    const ids = new Set(ALL_PROTECTED.map((p) => p.id));
    const cls = d.groups.find((g) => g.kind === 'class' && g.included)!;
    const persons = d.persons.map((p): PersonDecision => {
      if (!ids.has(p.personId)) return p;
      const { reason: _, ...rest } = p;
      return { ...rest, included: true, student: { included: true, checks: [], unitIds: [cls.unitId] } };
    });
    return { ...d, persons, groups: d.groups.map((g) => (g === cls ? { ...g, studentIds: [...g.studentIds, ...ids].sort() } : g)) };
  };
  /** A rules bug: a member no one read, in a group. */
  const strayMember = (d: Decisions): Decisions => {
    const cls = d.groups.find((g) => g.kind === 'class' && g.included)!;
    return { ...d, groups: d.groups.map((g) => (g === cls ? { ...g, studentIds: [...g.studentIds, BROKEN.guid, PROTECTED[0]!.id].sort() } : g)) };
  };
  it.each([
    ['protected persons decided included (export.personalNumber false)', includeProtected, {}, 'privacyGate'],
    ['protected persons decided included (export.personalNumber true)', includeProtected, { export: { personalNumber: true } }, 'privacyGate'],
    ['group members that are not in the snapshot', strayMember, {}, 'consistencyGate'],
  ] as const)('%s', async (_, bug, config, exit) => {
    const s = site(canaryFixture(), config);
    const heartbeats = rec.heartbeats.length;
    const imports = rec.imports.length;
    const r = await s.run({ hooks: { afterDecide: (d) => bug(d) } });
    expectExit(r, exit);
    expect(rec.imports.length).toBe(imports);
    expectNoCanary([...commandOutputs('run', r), ...heartbeatOutputs('run', rec, heartbeats), ...fileOutputs(s.dir, [s.logDir, s.stateDir])]);
  });
});

// ---- Deliver: a service that echoes --------------------------------------------------

describe('the upload service answers an error whose body echoes personal data: the run fails, and repeats none of it', () => {
  const echo = `${PROTECTED[0]!.given} ${PROTECTED[0]!.family} ${PROTECTED[1]!.id} ${writings(PROTECTED[2]!.pnr)[1]} ${PROTECTED[3]!.email} ${BROKEN.name} ${GATE_PNR}`;
  it.each([
    [400, 'uploadRejected'],
    [422, 'uploadRejected'],
    [401, 'accessDenied'],
    [403, 'accessDenied'],
  ] as const)('%i', async (status, exit) => {
    const s = site();
    rec.script({
      status,
      body: { error: { 400: 'bad-request', 422: 'schema-validation', 401: 'unauthorized', 403: 'forbidden' }[status], message: `Rejected ${echo}`, details: [{ path: `/persons/${PROTECTED[1]!.id}/givenName`, message: `must not be "${echo}"` }] },
    });
    const { r, outputs } = await command(s, 'run');
    expectExit(r, exit);
    expectNoCanary(outputs);
  });

  it('200 duplicate for another snapshot, its contentHash and counts echoing: exit 10, and our counts only', async () => {
    const s = site();
    const imports = rec.imports.length;
    rec.script({ kind: 'confirm-other', importId: 'imp_other', contentHash: echo, counts: { persons: echo, [echo]: 1 } });
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'uploadRejected');
    expect(rec.imports.length).toBe(imports);
    expectNoCanary(outputs);
  });
});

// ---- Over SQL: odd data from a site's own query ---------------------------------------

describe('over SQL (TDS test server): wrong-typed columns and duplicate rows from custom queries', () => {
  const COLUMNS = 'p.person_id, p.given_name, p.family_name, p.personal_number, p.email, p.protected_identity, p.deregistered, p.deceased';
  const query = (name: string, text: string) => {
    const file = join(tempDir(), `${name}.sql`);
    writeFileSync(file, text);
    return file;
  };
  const sqlSite = (queries: Record<string, string> = {}) => site(canaryFixture(), { source: sqlSource(sql.port, { queries }) });

  it('the canary register over SQL: a delivered run and explain show no protected person', async () => {
    const s = sqlSite();
    const { r, outputs } = await command(s, 'run over SQL');
    expectExit(r, 'ok');
    const q = PROTECTED[0]!.given;
    const e = await command(s, 'explain over SQL', ['explain', q, '--config', s.configPath, '--date', DEMO_DATE]);
    expectExit(e.r, 'ok');
    expectNoCanary([...outputs, ...e.outputs]);
  });

  const WRONG: [string, string, string][] = [
    ['names in an int column', 'persons', `SELECT p.person_id, p.given_name, p.family_name, p.personal_number, p.email, p.given_name AS protected_identity, p.deregistered, p.deceased FROM person AS p`],
    ['personnummer in a bit column', 'persons', `SELECT p.person_id, p.given_name, p.family_name, p.personal_number, p.email, p.protected_identity, p.personal_number AS deregistered, p.deceased FROM person AS p`],
    ['personnummer in a date column', 'classPlacements', `SELECT cp.placement_id, cp.person_id, cp.class_id, p.personal_number AS start_date, cp.end_date FROM class_placement AS cp JOIN person AS p ON p.person_id = cp.person_id`],
    ['e-mail addresses in a date column', 'groupMemberships', `SELECT gm.group_id, gm.person_id, p.email AS start_date, gm.end_date FROM group_membership AS gm JOIN person AS p ON p.person_id = gm.person_id`],
    ['a protected person on two rows that differ (a JOIN, names from two columns)', 'persons', `SELECT ${COLUMNS} FROM person AS p UNION ALL SELECT p.person_id, p.family_name AS given_name, p.given_name AS family_name, p.personal_number, p.email, p.protected_identity, p.deregistered, p.deceased FROM person AS p WHERE p.protected_identity IS NULL OR p.protected_identity <> 0`],
  ];
  it.each(WRONG)('%s: the run stops (exit 5)', async (_, name, text) => {
    const s = sqlSite({ [name]: query(name, text) });
    const { r, outputs } = await command(s, 'run');
    expectExit(r, 'schemaMismatch');
    expectNoCanary(outputs);
  });

  it("SQL Server's own conversion errors quote the cell (a personnummer in a date column, a name in a uniqueidentifier): the run fails (exit 4) and repeats neither", async () => {
    const broken = await tdsServer(canaryFixture());
    broken.db.pragma('foreign_keys = OFF');
    broken.db.prepare('UPDATE class_placement SET start_date = ? WHERE person_id = ?').run(writings(PROTECTED[0]!.pnr)[5], PROTECTED[0]!.id.toUpperCase());
    broken.db.prepare('UPDATE class_staff SET class_id = ? WHERE person_id = ?').run(BROKEN.name, PROTECTED_TEACHER.id.toUpperCase());
    for (const table of ['class_placement', 'class_staff']) {
      const only = Object.fromEntries(['class_placement', 'class_staff'].filter((t) => t !== table).map((t) => [t === 'class_placement' ? 'classPlacements' : 'classStaff', query(t, `SELECT * FROM ${t} WHERE 1 = 0`)]));
      const s = site(canaryFixture(), { source: sqlSource(broken.port, { queries: only }) });
      const { r, outputs } = await command(s, `run (${table})`);
      expectExit(r, 'sourceUnavailable');
      expect(r.stderr).toContain(`reading ${table}`);
      expectNoCanary(outputs);
    }
  });

  it('a query file with a second statement, names and a personnummer in it: refused, the file not quoted', async () => {
    const s = sqlSite({
      persons: query('persons', `SELECT ${COLUMNS} FROM person AS p WHERE p.given_name <> N'${PROTECTED[0]!.given}'; DELETE FROM person WHERE personal_number = '${writings(PROTECTED[1]!.pnr)[2]}' -- ${BROKEN.name}`),
    });
    const { r, outputs } = await command(s, 'run');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/persons\.sql/);
    expectNoCanary(outputs);
  });

  it('a protected person returned twice by a JOIN, once at level 0: delivered and explained without them', async () => {
    const s = sqlSite({
      persons: query(
        'persons',
        `SELECT ${COLUMNS} FROM person AS p UNION ALL SELECT p.person_id, p.given_name, p.family_name, p.personal_number, p.email, 0 AS protected_identity, p.deregistered, p.deceased FROM person AS p WHERE p.protected_identity IS NULL OR p.protected_identity <> 0`,
      ),
    });
    const out = join(s.dir, 'out');
    const { r, outputs } = await command(s, 'run', ['run', '--config', s.configPath, '--date', DEMO_DATE, '--out', out], [out]);
    expectExit(r, 'ok');
    expect(r.stderr).toMatch(/person ids? appeared on more than one row/);
    const all = [...outputs];
    for (const p of ALL_PROTECTED) {
      for (const q of [p.given, p.id]) {
        const e = await command(s, 'explain', ['explain', q, '--config', s.configPath, '--date', DEMO_DATE]);
        expectExit(e.r, 'ok');
        all.push(...e.outputs);
      }
    }
    expectNoCanary(all);
  });
});

// ---- Enrich: Active Directory (slapd) ----------------------------------------------------

/**
 * Directory accounts that hold the canaries: one per protected person (its
 * GUID or personnummer as the key, names in cn, the address in mail), a
 * second account for two of their keys, and accounts whose key is a name or
 * an e-mail address (invalid keys).
 */
function adUsers(): SeedUser[] {
  const users: SeedUser[] = ALL_PROTECTED.flatMap((p, i): SeedUser[] => {
    const key = i % 2 ? p.id : writings(p.pnr)[i % 6]!;
    const own: SeedUser = { cn: `${p.given} ${p.family}`, givenName: p.given, sn: p.family, key, mail: p.email, sAMAccountName: `canary${i}` };
    return i < 2 ? [own, { ...own, cn: `${p.given} ${p.family} 2`, mail: `2.${p.email}`, sAMAccountName: `canary${i}b` }] : [own];
  });
  // One unprotected pupil, so that the table is not empty and its scan can fail.
  const astrid = demoFixture().person!.find((p) => p.given_name === 'Astrid')!;
  users.push({ cn: 'Astrid Mattsson', givenName: 'Astrid', sn: 'Mattsson', key: String(astrid.person_id), mail: 'astrid.mattsson@elev.example', sAMAccountName: 'canaryok' });
  users.push(
    { cn: `${BROKEN.name}`, givenName: BROKEN.given, sn: BROKEN.family, key: BROKEN.name, mail: BROKEN.email, sAMAccountName: 'canarybad1' },
    { cn: `Felnyckel ${BROKEN.family}`, givenName: 'Fel', sn: BROKEN.family, key: BROKEN.email, mail: `${BROKEN.pnr}@elev.example`, sAMAccountName: 'canarybad2' },
  );
  return users;
}

describe('ad-mapping build against slapd with canaries in the directory', () => {
  const adSite = (ad: Record<string, unknown> = {}) => {
    const s = site();
    s.configure({
      email: {
        mappingFile: join(s.dir, 'mapping', 'email-mapping.csv'),
        ad: { url: slapd.ldapsUrl, caFile: CA_FILE, bindDn: slapd.bindDn, passwordEnv: LDAP_PASSWORD_ENV, baseDn: AD_OU, filter: '(objectClass=user)', keyAttribute: 'employeeID', ...ad },
      },
    });
    return s;
  };
  const build = async (s: Site, password = slapd.bindPassword) => {
    const r = await runMain(['ad-mapping', 'build', '--config', s.configPath, '--date', DEMO_DATE], { env: { ...ENV, [LDAP_PASSWORD_ENV]: password } });
    return { r, outputs: [...commandOutputs('ad-mapping build', r), ...fileOutputs(s.dir, [s.logDir, s.stateDir, join(s.dir, 'mapping')])] };
  };

  it('builds: protected persons\' keys, addresses and accounts are in neither the report nor the table', async () => {
    const s = adSite();
    const { r, outputs } = await build(s);
    expectExit(r, 'ok');
    expect(r.stdout).toMatch(/Active Directory: \d+ accounts read/);
    expect(r.stdout).toMatch(/ 1 written to the mapping table/);
    expect(readFileSync(join(s.dir, 'mapping', 'email-mapping.csv'), 'utf8')).toContain('astrid.mattsson@elev.example');
    const run = await command(s, 'run with the built table');
    expectExit(run.r, 'ok');
    expectNoCanary([...outputs, ...run.outputs]);
  });

  it.each([
    ['a search that finds no account', { baseDn: `ou=Nobody,${AD_OU}` }, undefined],
    ['a wrong bind password', {}, 'Wrong-Bind-Pass-1'],
    ['a filter that cannot be parsed', { filter: `(cn=${BROKEN.name}` }, undefined],
  ] as const)('fails on %s and says nothing from the directory', async (_, ad, password) => {
    const s = adSite(ad);
    const { r, outputs } = await build(s, password ?? slapd.bindPassword);
    expect(r.code).not.toBe(0);
    expectNoCanary(outputs, ALL_CANARIES.filter((c) => !(ad as { filter?: string }).filter?.includes(c.value)));
  });
});

// ---- The wizard and doctor ------------------------------------------------------------

describe('the wizard (setup --non-interactive) and doctor, with the canaries', () => {
  const answers = (email: Record<string, unknown>, port = sql.port) => ({
    sql: { host: '127.0.0.1', port, database: 'ProCapita', user: 'procapita_reader', password: { fromEnv: 'PROCAPITA_SQL_PASSWORD' }, caFile: CA_FILE },
    schools: ['BJSK/GR', 'EKGY/GY'],
    privacy: { requireEmail: false },
    email,
    target: { url: rec.url, apiKey: { fromEnv: 'PROCAPITA_API_KEY' }, caFile: CA_FILE },
    schedule: { time: '19:05' },
  });
  const setup = async (email: Record<string, unknown>, port?: number) => {
    const dir = tempDir();
    const answersPath = join(dir, 'answers.json');
    const configPath = join(dir, 'config.json');
    writeFileSync(answersPath, JSON.stringify(answers(email, port)));
    const r = await runCli(['setup', '--non-interactive', '--answers', answersPath, '--config', configPath, '--lang', 'en'], undefined, { ...ENV, [LDAP_PASSWORD_ENV]: slapd.bindPassword }, { secrets: memoryStore(), platform: 'linux' });
    return { r, outputs: [...commandOutputs('setup', r), ...fileOutputs(dir, [dir]).filter((o) => o.name !== 'answers.json')] };
  };

  /** The e-mail answers for a mapping table built from the directory into `dir`. */
  const fromDirectory = (dir: string, keyAttribute: string) => ({
    source: 'ad',
    mappingFile: join(dir, 'email-mapping.csv'),
    ad: { url: slapd.ldapsUrl, caFile: CA_FILE, bindDn: slapd.bindDn, password: { fromEnv: LDAP_PASSWORD_ENV }, baseDn: AD_OU, filter: '(objectClass=user)', keyAttribute },
  });

  it('setup over the canary register, with a mapping table built from the directory: the preview, the report and the written files hold no canary', async () => {
    const dir = tempDir();
    const { r, outputs } = await setup(fromDirectory(dir, 'employeeID'));
    expectExit(r, 'ok');
    expect(r.stdout).toContain('Active Directory: 10 accounts read.');
    // The scan can fail: the preview names unprotected persons of the same classes.
    expect(r.stdout).toMatch(/The first 5 of \d+ persons:\n  [A-ZÅÄÖ]/);
    expectNoCanary([...outputs, ...fileOutputs(dir, [dir])]);
  });

  it('setup with a key attribute no account has: the table would map no one, so it is refused and not written, nothing repeated', async () => {
    const dir = tempDir();
    const { r, outputs } = await setup(fromDirectory(dir, 'departmentNumber'));
    expectExit(r, 'emailMapping');
    expect(r.stdout).toContain('None of the 10 accounts gave a table entry (see the report above). Check the key attribute.');
    expect(existsSync(join(dir, 'email-mapping.csv'))).toBe(false);
    expectNoCanary([...outputs, ...fileOutputs(dir, [dir])]);
  });

  it('setup with a mapping table that has conflicting protected keys and a name as a key: refused, nothing repeated', async () => {
    const dir = tempDir();
    const table = join(dir, 'mapping.csv');
    const p = PROTECTED;
    writeFileSync(table, `key,email\n${p[0]!.id},${p[0]!.email}\n${p[0]!.id},${p[1]!.email}\n${BROKEN.name},${BROKEN.email}\n${writings(p[2]!.pnr)[0]},${p[2]!.email}\n${writings(p[2]!.pnr)[4]},${p[3]!.email}\n`);
    const { r, outputs } = await setup({ source: 'file', mappingFile: table });
    expectExit(r, 'emailMapping');
    expect(r.stdout).toContain('✗ E-mail mapping');
    expectNoCanary(outputs);
  });

  it('setup and doctor against a database whose cells SQL Server cannot convert (a personnummer in a date column): they fail and repeat nothing', async () => {
    const broken = await tdsServer(canaryFixture());
    broken.db.prepare('UPDATE class_placement SET start_date = ? WHERE person_id = ?').run(writings(PROTECTED[1]!.pnr)[3], PROTECTED[1]!.id.toUpperCase());
    const { r, outputs } = await setup({ source: 'procapita' }, broken.port);
    expect(r.code).not.toBe(0);
    expectExit(r, 'sourceUnavailable');
    expect(r.stdout).toContain('✗ SQL Server at 127.0.0.1');
    const s = site(canaryFixture(), { source: sqlSource(broken.port) });
    const d = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { secrets: memoryStore(), platform: 'linux' });
    expect(d.stdout).toContain('login and schema check passed');
    expectNoCanary([...outputs, ...commandOutputs('doctor', d), ...fileOutputs(s.dir, [s.logDir, s.stateDir])]);
  });

  it('doctor over the canary register, with a wrong-typed custom query, a broken mapping table and the canary directory', async () => {
    const s = site(canaryFixture(), {
      source: sqlSource(sql.port, { queries: { persons: (() => {
        const file = join(tempDir(), 'persons.sql');
        writeFileSync(file, 'SELECT p.person_id, p.given_name, p.family_name, p.personal_number, p.email, p.given_name AS protected_identity, p.deregistered, p.deceased FROM person AS p');
        return file;
      })() } }),
    });
    const table = join(s.dir, 'mapping.csv');
    writeFileSync(table, `key,email\n${PROTECTED[0]!.id},${PROTECTED[0]!.email}\n${PROTECTED[0]!.id},${BROKEN.email}\n`, { mode: 0o600 });
    s.configure({
      email: { mappingFile: table, ad: { url: slapd.ldapsUrl, caFile: CA_FILE, bindDn: slapd.bindDn, passwordEnv: LDAP_PASSWORD_ENV, baseDn: AD_OU, filter: '(objectClass=user)', keyAttribute: 'employeeID' } },
    });
    const r = await runCli(['doctor', '--config', s.configPath], undefined, { ...ENV, [LDAP_PASSWORD_ENV]: slapd.bindPassword }, { secrets: memoryStore(), platform: 'linux' });
    expectExit(r, 'ok');
    expect(r.stdout).toContain('login and schema check passed');
    expect(r.stdout).toContain(`read of ${AD_OU} passed`);
    expectNoCanary([...commandOutputs('doctor', r), ...fileOutputs(s.dir, [s.logDir, s.stateDir])]);
  });

  it('doctor with a fixture source holding a JSON syntax error next to personal data', async () => {
    const s = site();
    writeFileSync(join(s.dir, 'municipality.json'), `{"person": [{"given_name": "${BROKEN.given}" "${BROKEN.family}", "personal_number": ${BROKEN.pnr}}]}`);
    const r = await runCli(['doctor', '--config', s.configPath], undefined, ENV, { secrets: memoryStore(), platform: 'linux' });
    expect(r.code).not.toBe(0);
    expectNoCanary(commandOutputs('doctor', r));
  });
});
