/**
 * Canaries for the privacy fuzz suite (canaries.test.ts): values that must
 * never come out of procapita-sync, and a scanner that looks for them in
 * everything a command left behind.
 *
 * Two classes. Protected persons (protected_identity 1, 2, 3 and NULL) sit
 * wherever a person can be; they may appear in no output at all, not in a
 * snapshot, review.txt or explain either. Malformed cells put personal data
 * where it breaks something (a personnummer in a date column, a name in a
 * bit column); the runs they break fail, so they too may appear nowhere.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { luhnOk } from '../../src/personal-number';
import type { EventCommand } from '../../src/report/event-log';
import type { Receiver } from '../receiver/receiver';
import { demoFixture } from '../support/cli';

export type CanaryKind = 'name' | 'guid' | 'personnummer' | 'email';

export interface Canary {
  readonly kind: CanaryKind;
  /** Who or what it belongs to, for the failure message. */
  readonly owner: string;
  readonly value: string;
}

/** A 12-digit personnummer born on `yyyymmdd` with serial `nnn` and the Luhn check digit. */
export function personnummer(yyyymmdd: string, nnn: string): string {
  for (let d = 0; d < 10; d++) if (luhnOk(`${yyyymmdd.slice(2)}${nnn}${d}`)) return `${yyyymmdd}${nnn}${d}`;
  throw new Error('unreachable');
}

/** Every common writing of a 12-digit personnummer. */
export function writings(pnr: string): string[] {
  const [cc, ymd, four] = [pnr.slice(0, 2), pnr.slice(2, 8), pnr.slice(8)];
  const date = `${cc}${ymd}`;
  return [
    `${date} ${four}`,
    `${date.slice(0, 4)}.${date.slice(4, 6)}.${date.slice(6)}-${four}`,
    `${ymd}-${four}`,
    `${date}${four}`,
    `${ymd}+${four}`,
    `${date}-${four}`,
  ];
}

export interface ProtectedPerson {
  readonly id: string;
  readonly given: string;
  readonly family: string;
  readonly pnr: string;
  readonly email: string;
  readonly level: number | null;
}

/** Four protected persons, one per level: 1, 2, 3 and NULL (NULL counts as protected). */
export const PROTECTED: readonly ProtectedPerson[] = [1, 2, 3, null].map((level, i) => ({
  id: `c0a7c0a7-5eed-4bad-8a11-00000000000${i + 1}`,
  given: ['Zelmira', 'Quirina', 'Ysolde', 'Wendeline'][i]!,
  family: ['Kanariesson', 'Gruvfågel', 'Dolksdotter', 'Skyddberg'][i]!,
  pnr: personnummer(`2013070${i + 1}`, `03${i}`),
  email: `${['zelmira', 'quirina', 'ysolde', 'wendeline'][i]}.hemlig@skyddad.example`,
  level,
}));

/** A protected teacher of running classes and activities, also a pupil. */
export const PROTECTED_TEACHER: ProtectedPerson = {
  id: 'c0a7c0a7-5eed-4bad-8a11-0000000000aa',
  given: 'Ottiliana',
  family: 'Lärarskydd',
  pnr: personnummer('19800229', '117'),
  email: 'ottiliana.larare@skyddad.example',
  level: 2,
};

export const ALL_PROTECTED = [...PROTECTED, PROTECTED_TEACHER];

export function canariesOf(p: ProtectedPerson): Canary[] {
  const owner = `protected person (level ${p.level ?? 'NULL'})`;
  return [
    { kind: 'name', owner, value: p.given },
    { kind: 'name', owner, value: p.family },
    { kind: 'guid', owner, value: p.id },
    { kind: 'personnummer', owner, value: p.pnr },
    { kind: 'email', owner, value: p.email },
  ];
}

export const PROTECTED_CANARIES: readonly Canary[] = ALL_PROTECTED.flatMap(canariesOf);

/** Values of an unprotected person that go where they break something. */
export const BROKEN = {
  name: 'Brutusina Felcellsdotter',
  given: 'Brutusina',
  family: 'Felcellsdotter',
  pnr: personnummer('20130201', '015'),
  guid: 'b0b0cafe-0bad-4ce1-9e11-0000000000b1',
  email: 'brutusina.felcell@elev.example',
} as const;

export const BROKEN_CANARIES: readonly Canary[] = [
  { kind: 'name', owner: 'malformed cell', value: BROKEN.given },
  { kind: 'name', owner: 'malformed cell', value: BROKEN.family },
  { kind: 'personnummer', owner: 'malformed cell', value: BROKEN.pnr },
  { kind: 'guid', owner: 'malformed cell', value: BROKEN.guid },
  { kind: 'email', owner: 'malformed cell', value: BROKEN.email },
];

/** A personnummer in a non-protected person's name or a group name (the privacy gate must stop the run). */
export const GATE_PNR = personnummer('20130707', '030');
export const GATE_CANARIES: readonly Canary[] = [{ kind: 'personnummer', owner: 'personnummer in a text field', value: GATE_PNR }];

export const ALL_CANARIES: readonly Canary[] = [...PROTECTED_CANARIES, ...BROKEN_CANARIES, ...GATE_CANARIES];

// ---- Where they sit ------------------------------------------------------------

export type Fixture = ReturnType<typeof demoFixture>;

/**
 * The demo municipality with the protected persons everywhere a person can
 * be: pupils of running classes, group members, and a protected teacher of a
 * class and an activity who is also a pupil.
 */
export function canaryFixture(): Fixture {
  const f = demoFixture();
  const classId = (name: string) => f.school_class!.find((c) => c.name === name)!.class_id as string;
  const groupId = f.student_group![0]!.group_id as string;
  const activityId = (name: string) => f.activity!.find((a) => a.name === name)!.activity_id as string;
  const unitId = f.school_unit!.find((u) => u.unit_code === 'BJSK')!.unit_id as string;
  const personRow = (p: ProtectedPerson) => ({
    person_id: p.id,
    given_name: p.given,
    family_name: p.family,
    personal_number: p.pnr,
    email: p.email,
    protected_identity: p.level,
    deregistered: false,
    deceased: false,
  });
  PROTECTED.forEach((p, i) => {
    f.person!.push(personRow(p));
    f.class_placement!.push({ placement_id: p.id.replace('c0a7c0a7', 'b1acebe0'), person_id: p.id, class_id: classId(i % 2 === 0 ? '7A' : '7B'), start_date: '2026-08-17', end_date: null });
    f.group_membership!.push({ group_id: groupId, person_id: p.id, start_date: '2026-08-17', end_date: null });
  });
  const t = PROTECTED_TEACHER;
  f.person!.push(personRow(t));
  f.employment!.push({ employment_id: t.id.replace('c0a7c0a7', 'e3b10e3e'), person_id: t.id, unit_id: unitId, start_date: '2015-01-01', end_date: null });
  f.class_staff!.push({ class_id: classId('7A'), person_id: t.id });
  f.activity_staff!.push({ activity_id: activityId('Ma 7A'), person_id: t.id });
  f.class_placement!.push({ placement_id: t.id.replace('c0a7c0a7', 'b1acebe0'), person_id: t.id, class_id: classId('NA26a'), start_date: '2026-08-17', end_date: null });
  return f;
}

/** An unprotected pupil of the demo register whose row a test may break. */
export function brokenPupil(f: Fixture): Record<string, unknown> {
  const p = f.person!.find((x) => x.given_name === 'Hugo' || x.person_id === BROKEN.guid)!;
  const old = p.person_id;
  for (const rows of Object.values(f)) for (const row of rows) if (row.person_id === old) row.person_id = BROKEN.guid;
  Object.assign(p, { given_name: BROKEN.given, family_name: BROKEN.family, personal_number: BROKEN.pnr, email: BROKEN.email });
  return p;
}

// ---- What a command left behind -------------------------------------------------

export interface Output {
  /** Which output: "stdout", "stderr", "event log", "heartbeat", or a file path relative to the site. */
  readonly name: string;
  readonly text: string;
}

export function filesUnder(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every file under the folders, named relative to `base`. */
export function fileOutputs(base: string, folders: readonly string[]): Output[] {
  return folders.flatMap(filesUnder).map((f) => ({ name: relative(base, f), text: readFileSync(f, 'utf8') }));
}

export function commandOutputs(label: string, r: { stdout: string; stderr: string; events?: readonly EventCommand[] }): Output[] {
  return [
    { name: `${label}: stdout`, text: r.stdout },
    { name: `${label}: stderr`, text: r.stderr },
    ...(r.events ?? []).map((e, i) => ({ name: `${label}: event log command ${i + 1}`, text: [e.file, ...e.args].join(' ') })),
  ];
}

/** The heartbeats a receiver got from index `from` on. */
export function heartbeatOutputs(label: string, rec: Receiver, from: number): Output[] {
  return rec.heartbeats.slice(from).map((h, i) => ({ name: `${label}: heartbeat ${i + 1}`, text: JSON.stringify(h.body) }));
}

// ---- The scan -------------------------------------------------------------------

export interface Finding {
  readonly output: string;
  readonly kind: CanaryKind;
  readonly owner: string;
  readonly value: string;
}

/**
 * Where the canaries are found. Case-insensitive; a personnummer is found in
 * any writing, also with its separators removed (the output's digits alone,
 * looked for the last 10 digits); a GUID in either case.
 */
export function findCanaries(outputs: readonly Output[], canaries: readonly Canary[]): Finding[] {
  const found: Finding[] = [];
  for (const o of outputs) {
    const lower = o.text.toLowerCase();
    const digits = o.text.replace(/\D/g, '');
    for (const c of canaries) {
      const hit =
        c.kind === 'personnummer'
          ? writings(c.value).some((w) => lower.includes(w)) || digits.includes(c.value.replace(/\D/g, '').slice(-10))
          : lower.includes(c.value.toLowerCase());
      if (hit) found.push({ output: o.name, kind: c.kind, owner: c.owner, value: c.value });
    }
  }
  return found;
}

/** Fails on a single canary, saying which kind of canary was found in which output. */
export function expectNoCanary(outputs: readonly Output[], canaries: readonly Canary[] = ALL_CANARIES): void {
  expect(outputs.length, 'outputs to scan').toBeGreaterThan(0);
  const found = findCanaries(outputs, canaries);
  expect(
    found.map((f) => `${f.kind} of a ${f.owner} in ${f.output} (${f.value})`),
    'canaries found in the outputs',
  ).toEqual([]);
}
