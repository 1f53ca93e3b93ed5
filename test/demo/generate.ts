/**
 * A seeded generator of fake Swedish municipal school registers: the same
 * thirteen tables a fixture holds (docs/fixtures.md), for a made-up kommun,
 * with the awkward cases the rules must handle (docs/rules.md).
 *
 *   const { fixture, schools, syncDate } = generateMunicipality('medium', 1);
 *
 * Same size and seed → the same fixture, byte for byte (JSON.stringify equal).
 * No clock and no Math.random: everything comes from two mulberry32 streams,
 * one for ids and one for the data.
 *
 * The sync date is 2026-09-01, in the autumn term 2026-08-17 – 2027-06-11.
 * The register also holds history: the classes, placements, groups and
 * activities of the two previous school years (2024/25 and 2025/26), the
 * graduates of 2025 and 2026, staff who left, and a school unit that closed
 * in 2025. Rows that ended before 2025-09-01 fall outside the SQL source's
 * history window (sync date − 365 days), so the source has something to filter.
 *
 * The model, by school form:
 * - GR (grundskola): a class follows its pupils through a stage (1–3, 4–6,
 *   7–9) and carries the current grade in its name ("8B", 2025-08-18 – 2028-06-09);
 *   F (förskoleklass) classes last one year. Pupils move on at a stage's end:
 *   F → 1, 3 → 4, 6 → 7 (at the same unit, or from an F–6 school to a 7–9
 *   school), 9 → gymnasium. Language choices (moderna språk, åk 6–9) and
 *   Sv2 are groups.
 * - GY (gymnasieskola): program classes named by start year ("NA26A", three
 *   years), electives as groups; an introduction class that starts in October.
 * - FS (förskola), PC (pedagogisk omsorg): departments as one-year classes, no activities.
 * - SF, KV, SV (vuxenutbildning): classes per term; komvux courses as groups.
 * - S, GS (anpassad grund-/gymnasieskola): small classes at some GR/GY units.
 * - FK (fritidshem): a form at F–6/F–9 units and fritidsklubbar, staff only.
 */
import type { Row } from '../../src/extract/contract';
import type { Fixture } from '../support/builder';
import {
  BOYS,
  DEPARTMENTS,
  FAMILY,
  GIRLS,
  MEN,
  MUNICIPALITIES,
  PLACE,
  PRESCHOOL_ENDING,
  SCHOOL_ENDING,
  WOMEN,
  fold,
  personalNumber,
} from './names';
import { Rng, streamSeed } from './random';

export type Size = 'small' | 'medium' | 'large' | 'xlarge';
export const SIZES: readonly Size[] = ['small', 'medium', 'large', 'xlarge'];

/** The sync date D every generated municipality is made for. */
export const SYNC_DATE = '2026-09-01';

export interface ConfiguredSchool {
  readonly unitCode: string;
  readonly schoolForm: string;
}

export interface Municipality {
  readonly fixture: Fixture;
  /** The configuration's school list: the (unit code, school form) pairs to sync. */
  readonly schools: ConfiguredSchool[];
  readonly syncDate: string;
  /** The made-up kommun, e.g. "Sjöbacka", and its mail domain, e.g. "sjobacka.se". */
  readonly name: string;
  readonly domain: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type UnitRow = Mutable<Row<'schoolUnits'>>;
type UnitFormRow = Mutable<Row<'schoolUnitForms'>>;
type PersonRow = Mutable<Row<'persons'>>;
type ClassRow = Mutable<Row<'classes'>>;
type PlacementRow = Mutable<Row<'classPlacements'>>;
type GroupRow = Mutable<Row<'groups'>>;
type MembershipRow = Mutable<Row<'groupMemberships'>>;
type EmploymentRow = Mutable<Row<'employments'>>;
type ActivityRow = Mutable<Row<'activities'>>;

// ---- Calendar ---------------------------------------------------------------

const D = SYNC_DATE;

function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** School years by the calendar year they start in: first Monday of term – last Friday of term. */
const SCHOOL_YEAR: Readonly<Record<number, { readonly start: string; readonly end: string }>> = {
  2022: { start: '2022-08-22', end: '2023-06-09' },
  2023: { start: '2023-08-21', end: '2024-06-14' },
  2024: { start: '2024-08-19', end: '2025-06-13' },
  2025: { start: '2025-08-18', end: '2026-06-12' },
  2026: { start: '2026-08-17', end: '2027-06-11' },
  2027: { start: '2027-08-16', end: '2028-06-09' },
  2028: { start: '2028-08-21', end: '2029-06-15' },
};

function schoolYear(y: number): { start: string; end: string } {
  const sy = SCHOOL_YEAR[y];
  if (!sy) throw new Error(`no school year ${y}`);
  return sy;
}

const NOW = 2026;
const THIS_YEAR = schoolYear(NOW);
const LAST_YEAR = schoolYear(NOW - 1);

/** Terms for adult education. */
const TERM = {
  vt25: { label: 'Vt25', start: '2025-01-20', end: '2025-06-13' },
  ht25: { label: 'Ht25', start: '2025-08-18', end: '2026-01-16' },
  vt26: { label: 'Vt26', start: '2026-01-19', end: '2026-06-12' },
  ht26: { label: 'Ht26', start: '2026-08-17', end: '2027-01-15' },
  vt27: { label: 'Vt27', start: '2027-01-18', end: '2027-06-11' },
} as const;
type Term = (typeof TERM)[keyof typeof TERM];

/** The day a closed unit shut. */
const CLOSED = '2025-06-30';

// ---- Curriculum -------------------------------------------------------------

const LETTERS = 'ABCDEFGH';

/** The stage (first and last grade) a grade belongs to; F is grade 0. */
function stageOf(grade: number): [number, number] {
  if (grade === 0) return [0, 0];
  if (grade <= 3) return [1, 3];
  if (grade <= 6) return [4, 6];
  return [7, 9];
}

interface Subject {
  readonly name: string;
  /** Only one term: 'ht' ends 2027-01-15, 'vt' starts 2027-01-18 (not yet started on D). */
  readonly term?: 'ht' | 'vt';
}

const SUBJECTS: Readonly<Record<string, readonly Subject[]>> = {
  F: [{ name: 'Förskoleklass' }, { name: 'Idrott' }],
  '1-3': ['Sv', 'Ma', 'En', 'NO', 'SO', 'Idh', 'Bild', 'Mu', 'Sl'].map((name) => ({ name })),
  '4-6': [
    ...['Sv', 'Ma', 'En', 'NO', 'SO', 'Idh', 'Mu', 'Sl', 'Tk'].map((name) => ({ name })),
    { name: 'Bild', term: 'ht' },
    { name: 'Hkk', term: 'vt' },
  ],
  '7-9': [
    ...['Sv', 'Ma', 'En', 'Bi', 'Fy', 'Ke', 'Ge', 'Hi', 'Re', 'Sh', 'Tk', 'Idh', 'Mu', 'Sl'].map((name) => ({ name })),
    { name: 'Bild', term: 'ht' },
    { name: 'Hkk', term: 'vt' },
  ],
  S: ['Svenska', 'Matematik', 'Idrott och hälsa'].map((name) => ({ name })),
};
const CORE = ['Sv', 'Ma', 'En'];
/** The activities of last year that the register still holds, by the grade then. */
const lastYearSubjects = (grade: number): string[] => [...CORE, 'Idh', grade >= 7 ? 'Bi' : 'NO'];

const PROGRAMS: Readonly<Record<string, readonly string[]>> = {
  NA: ['Bi1', 'Fy1a', 'Ke1', 'Bi2', 'Fy2', 'Ke2'],
  SA: ['Sh1b', 'Ps1', 'Ge1', 'Sh2', 'Fi1', 'Sh3'],
  TE: ['Tek1', 'Fy1a', 'Ke1', 'Prrprr01', 'Cad1', 'Tek2'],
  EK: ['Fek', 'Pri', 'Juri', 'Fint', 'Ent', 'Mark'],
  ES: ['Estkom', 'Konst1', 'Mu1', 'Dans1', 'Teater1', 'Bild2'],
  BF: ['Pedag', 'Hälsa1', 'Ledsam', 'Skapa', 'Fritid1', 'Pedag2'],
  EE: ['Elteknik', 'Elsys1', 'Datorteknik', 'Elinst', 'Automat', 'Elsys2'],
  VO: ['Vård1', 'Anat', 'Omv1', 'Psyk1', 'Vård2', 'Hälsa2'],
  HA: ['Hand1', 'Serv1', 'Pers1', 'Entr', 'Hand2', 'Serv2'],
  FT: ['Fordon1', 'Fordon2', 'Motor', 'Chassi', 'Lack', 'Fordon3'],
  BA: ['Bygg1', 'Husbyggnad', 'Trä', 'Betong', 'Mur', 'Bygg2'],
  IN: ['Industri1', 'Cnc1', 'Svets1', 'Prod', 'Under', 'Cnc2'],
};
const GY_COMMON: Readonly<Record<number, readonly string[]>> = {
  1: ['Sv1', 'En5', 'Ma1c', 'Idh1', 'Hi1a1'],
  2: ['Sv2', 'En6', 'Ma2c', 'Idh2'],
  3: ['Sv3', 'Gymnasiearbete'],
};
const LANGUAGES = ['Spanska', 'Franska', 'Tyska'];
const ELECTIVES = ['Psykologi 1', 'Filosofi 1', 'Entreprenörskap', 'Matematik 5', 'Programmering 1', 'Körsång'];
const VUX_COURSES = [
  'Engelska 5', 'Matematik 1a', 'Svenska 1', 'Samhällskunskap 1b', 'Naturkunskap 1a1', 'Historia 1a1',
  'Svenska som andraspråk 1', 'Vård och omsorg 1', 'Datorkunskap', 'Psykologi 1',
];
const NOTES = [
  ['marker', 70],
  ['lower', 4],
  ['title', 3],
  ['room', 3],
  ['none', 10],
  ['roomOnly', 7],
  ['nearMiss', 1.5],
  ['noTeams', 1.5],
] as const;
const ROOMS = ['A101', 'A204', 'B12', 'B204', 'C3', 'Aulan', 'Idrottshallen', 'Musiksalen', 'Slöjdsalen', 'NO-salen'];

// ---- Plan -------------------------------------------------------------------

type Kind = 'FS' | 'PC' | 'F6' | 'F9' | '79' | 'RS' | 'GY' | 'VUX' | 'FK' | 'ADM';

interface UnitSpec {
  readonly kind: Kind;
  /** In the configuration (all its forms but FK). */
  readonly configured: boolean;
  /** Closed on 2025-06-30. */
  readonly closed?: boolean;
  /** Classes per grade (GR), per program and year (GY), departments (FS), classes per form and term (VUX). */
  readonly parallels: number;
  readonly programs?: number;
  /** Runs S (F6/F9) or GS (GY). */
  readonly special?: boolean;
  /** Ran S until 2024 and is still configured with it (school-form-inactive). */
  readonly formEnded?: boolean;
  /** Configured with GS, which it does not run (school-form-missing). */
  readonly formMissing?: boolean;
}

interface Tuning {
  /** Mean class sizes. */
  readonly gr: number;
  readonly gy: number;
  readonly fs: number;
  readonly vux: number;
  /** Staff at the administration unit. */
  readonly admin: number;
  /** Pupils per teacher. */
  readonly ratio: number;
  /** Other staff per teacher (fritids, elevhälsa, assistants, office). */
  readonly others: number;
}

const TUNING: Readonly<Record<Size, Tuning>> = {
  small: { gr: 18, gy: 24, fs: 16, vux: 12, admin: 2, ratio: 11, others: 0.45 },
  medium: { gr: 23, gy: 28, fs: 17, vux: 18, admin: 12, ratio: 10.5, others: 0.5 },
  large: { gr: 27, gy: 30, fs: 18, vux: 22, admin: 90, ratio: 9.5, others: 0.6 },
  // Twice large (test/bench): the same classes, twice the units.
  xlarge: { gr: 27, gy: 30, fs: 18, vux: 22, admin: 90, ratio: 9.5, others: 0.6 },
};

function repeat(n: number, make: (i: number) => UnitSpec): UnitSpec[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

function plan(size: Size, rng: Rng): UnitSpec[] {
  switch (size) {
    case 'small':
      return [
        { kind: 'F9', configured: true, parallels: 1, formEnded: true },
        { kind: 'GY', configured: true, parallels: 1, programs: 2, formMissing: true },
        { kind: 'FS', configured: false, parallels: 2 },
        { kind: 'RS', configured: false, parallels: 1 },
        { kind: 'F6', configured: true, parallels: 1, closed: true },
      ];
    case 'medium':
      return [
        ...repeat(8, (i) => ({ kind: 'FS', configured: i === 0, parallels: rng.int(2, 4) })),
        { kind: 'PC', configured: false, parallels: 1 },
        ...repeat(9, (i) => ({ kind: 'F6', configured: true, parallels: rng.int(1, 2), special: i === 0 })),
        ...repeat(4, (i) => ({ kind: 'F9', configured: true, parallels: rng.int(1, 2), formEnded: i === 0 })),
        ...repeat(3, () => ({ kind: '79', configured: true, parallels: rng.int(3, 4) })),
        { kind: 'RS', configured: false, parallels: 1 },
        { kind: 'GY', configured: true, parallels: 1, programs: rng.int(4, 5), formMissing: true },
        { kind: 'GY', configured: true, parallels: 1, programs: rng.int(3, 4), special: true },
        { kind: 'GY', configured: false, parallels: 1, programs: 3 },
        { kind: 'VUX', configured: true, parallels: 2 },
        { kind: 'FK', configured: false, parallels: 1 },
        { kind: 'ADM', configured: false, parallels: 1 },
        { kind: 'F6', configured: true, parallels: 1, closed: true },
        { kind: 'FS', configured: false, parallels: 2, closed: true },
      ];
    case 'large': {
      const units = [
        ...repeat(105, (i) => ({ kind: 'FS' as const, configured: i < 12, parallels: rng.int(2, 4) })),
        ...repeat(2, () => ({ kind: 'PC' as const, configured: false, parallels: 1 })),
        ...repeat(90, (i) => ({ kind: 'F6' as const, configured: i >= 6, parallels: rng.int(1, 3), special: rng.chance(0.15) })),
        ...repeat(50, (i) => ({ kind: 'F9' as const, configured: i >= 3, parallels: rng.int(2, 3), formEnded: i === 10, special: i !== 10 && rng.chance(0.2) })),
        ...repeat(35, (i) => ({ kind: '79' as const, configured: i >= 2, parallels: rng.int(3, 5) })),
        ...repeat(8, () => ({ kind: 'RS' as const, configured: false, parallels: 1 })),
        ...repeat(28, (i) => ({
          kind: 'GY' as const,
          configured: i >= 3,
          parallels: rng.int(1, 2),
          programs: rng.int(3, 6),
          formMissing: i === 5,
          special: i !== 5 && rng.chance(0.3),
        })),
        ...repeat(8, (i) => ({ kind: 'VUX' as const, configured: i >= 1, parallels: rng.int(2, 3) })),
        ...repeat(17, () => ({ kind: 'FK' as const, configured: false, parallels: 1 })),
        { kind: 'ADM', configured: false, parallels: 1 },
        { kind: 'F6', configured: true, parallels: 2, closed: true },
        { kind: 'F6', configured: false, parallels: 1, closed: true },
        ...repeat(4, () => ({ kind: 'FS' as const, configured: false, parallels: 2, closed: true })),
      ] satisfies UnitSpec[];
      return units;
    }
    case 'xlarge':
      // Twice large: the largest municipalities in 2026 reach about 110,000 pupils, so this is headroom (test/bench).
      return [...plan('large', rng), ...plan('large', rng)];
  }
}

// ---- The generator ----------------------------------------------------------

interface Member {
  readonly person: PersonRow;
  readonly placement: PlacementRow;
}

type ClassKind = 'gr' | 's' | 'rs' | 'fs' | 'pc' | 'gy' | 'gs' | 'im' | 'vux';

interface ClassInfo {
  readonly unit: Unit;
  readonly row: ClassRow;
  readonly kind: ClassKind;
  /** Grade now (GR), year (GY), 0 otherwise. */
  readonly grade: number;
  readonly letter: string;
  readonly program?: string;
  readonly members: Member[];
}

interface GroupInfo {
  readonly unit: Unit;
  readonly row: GroupRow;
  readonly members: PersonRow[];
}

interface Unit {
  readonly spec: UnitSpec;
  readonly row: UnitRow;
  /** Forms it runs now. */
  readonly forms: string[];
  /** Forms listed in the configuration. */
  readonly configuredForms: string[];
  /** Configured and active: its classes can be created. */
  readonly included: boolean;
  readonly teachers: PersonRow[];
  cursor: number;
  readonly classes: ClassInfo[];
  readonly history: ClassInfo[];
  readonly groups: GroupInfo[];
  /** Current activities (not history). */
  readonly activities: ActivityRow[];
}

type Role = 'student' | 'staff' | 'other';

interface PersonOptions {
  readonly year: number;
  readonly role: Role;
  /** Latest birth month in `year` (for the youngest preschool children). */
  readonly lastMonth?: number;
  readonly samordning?: number;
  readonly email?: number;
}

class Generator {
  private readonly rng: Rng;
  private readonly ids: Rng;
  private readonly tune: Tuning;
  readonly name: string;
  readonly domain: string;
  private readonly pnrs = new Set<number>();
  /** Addresses handed out, by given name and family name. */
  private readonly emails = new Map<string, Map<string, { readonly local: string; n: number }>>();
  private readonly unitCodes = new Set<string>();
  private readonly unitNames = new Set<string>();
  /** Pupils of the unit that closed in 2025: they joined their next class in August 2025. */
  private readonly moved = new Set<PersonRow>();
  readonly units: Unit[] = [];

  readonly school_unit: UnitRow[] = [];
  readonly school_unit_form: UnitFormRow[] = [];
  readonly person: PersonRow[] = [];
  readonly school_class: ClassRow[] = [];
  readonly class_placement: PlacementRow[] = [];
  class_staff: { class_id: string; person_id: string }[] = [];
  readonly student_group: GroupRow[] = [];
  readonly group_membership: MembershipRow[] = [];
  readonly employment: EmploymentRow[] = [];
  readonly activity: ActivityRow[] = [];
  readonly activity_class: { activity_id: string; class_id: string }[] = [];
  readonly activity_group: { activity_id: string; group_id: string }[] = [];
  activity_staff: { activity_id: string; person_id: string }[] = [];

  constructor(size: Size, seed: number) {
    this.rng = new Rng(streamSeed(seed, 'data'));
    this.ids = new Rng(streamSeed(seed, 'ids'));
    this.tune = TUNING[size];
    this.name = this.rng.pick(MUNICIPALITIES);
    this.domain = `${fold(this.name)}.se`;
  }

  // ---- Rows ------------------------------------------------------------------

  private around(mean: number, spread = 3): number {
    return Math.max(1, mean + this.rng.int(-spread, spread));
  }

  private dateBetween(from: string, to: string): string {
    return addDays(from, this.rng.int(0, Math.max(0, daysBetween(from, to))));
  }

  makePerson(o: PersonOptions): PersonRow {
    const rng = this.rng;
    const male = rng.chance(0.5);
    const child = o.year >= 2004;
    let given = rng.pick(child ? (male ? BOYS : GIRLS) : male ? MEN : WOMEN);
    if (!child && rng.chance(0.04)) given = `${given} ${rng.pick(male ? MEN : WOMEN)}`;
    let family = rng.pick(FAMILY);
    if (rng.chance(0.04)) family = `${family} ${rng.pick(FAMILY)}`;
    const samordning = rng.chance(o.samordning ?? 0.01);
    const pnr = personalNumber(rng, o.year, male, samordning, this.pnrs, o.lastMonth);
    const emailRate = o.email ?? (o.role === 'staff' ? 0.99 : o.role === 'student' ? 0.97 : 0.8);
    const row: PersonRow = {
      person_id: this.ids.guid(),
      given_name: given,
      family_name: family,
      personal_number: pnr,
      email: rng.chance(emailRate) ? this.email(given, family) : null,
      protected_identity: 0,
      deregistered: false,
      deceased: false,
    };
    this.person.push(row);
    return row;
  }

  /** fornamn.efternamn@<kommun>.se, ASCII-folded; a number when the address is taken. */
  private email(given: string, family: string): string {
    let byFamily = this.emails.get(given);
    if (!byFamily) this.emails.set(given, (byFamily = new Map()));
    let entry = byFamily.get(family);
    if (!entry) byFamily.set(family, (entry = { local: `${fold(given.split(' ')[0]!)}.${fold(family)}`, n: 0 }));
    entry.n += 1;
    return entry.n === 1 ? `${entry.local}@${this.domain}` : `${entry.local}${entry.n}@${this.domain}`;
  }

  private unitName(kind: Kind): { name: string; code: string } {
    const rng = this.rng;
    for (let attempt = 0; ; attempt++) {
      const place = rng.pick(PLACE);
      const pre = rng.pick(PRESCHOOL_ENDING);
      const ending = rng.pick(SCHOOL_ENDING);
      const stem = place.toLowerCase().slice(0, 3);
      if (pre.startsWith(stem) || ending.startsWith(stem)) continue; // no "Daldalsskolan"
      let name: string;
      let suffix: string;
      switch (kind) {
        case 'FS':
          name = `${place}${pre}s förskola`;
          suffix = 'FS';
          break;
        case 'PC':
          name = `Pedagogisk omsorg ${place}${pre}`;
          suffix = 'PO';
          break;
        case 'GY':
          name = `${place}${rng.pick(['dals', 'viks', 'backe', 'skogs', 'hamns', 'ås'])}gymnasiet`;
          suffix = 'GY';
          break;
        case 'VUX':
          name = `Lärcentrum ${place}${pre}`;
          suffix = 'VX';
          break;
        case 'FK':
          name = `Fritidsklubben ${place}${pre}`;
          suffix = 'FK';
          break;
        case 'RS':
          name = `Resursskolan ${place}${pre}`;
          suffix = 'RS';
          break;
        case 'ADM':
          name = attempt === 0 ? 'Barn- och utbildningsförvaltningen' : `Barn- och utbildningsförvaltningen ${attempt + 1}`;
          suffix = 'BUF';
          break;
        default:
          name = `${place}${ending}`;
          name = name[0]! + name.slice(1).toLowerCase();
          suffix = 'SK';
      }
      if (this.unitNames.has(name)) continue;
      this.unitNames.add(name);
      const letters = (fold(place).replace(/[^a-z]/g, '') + 'x').slice(0, 2).toUpperCase();
      let code = kind === 'ADM' ? 'BUF' : `${letters}${suffix}`;
      for (let n = 2; this.unitCodes.has(code); n++) code = `${letters}${suffix}${n}`;
      this.unitCodes.add(code);
      return { name, code };
    }
  }

  klass(unit: Unit, kind: ClassKind, form: string, name: string, start: string | null, end: string | null, grade = 0, letter = 'A', program?: string): ClassInfo {
    const row: ClassRow = { class_id: this.ids.guid(), unit_id: unit.row.unit_id, school_form: form, name, start_date: start, end_date: end };
    this.school_class.push(row);
    const info: ClassInfo = { unit, row, kind, grade, letter, members: [], ...(program ? { program } : {}) };
    return info;
  }

  place(person: PersonRow, cls: ClassInfo, start: string | null, end: string | null): Member {
    const placement: PlacementRow = { placement_id: this.ids.guid(), person_id: person.person_id, class_id: cls.row.class_id, start_date: start, end_date: end };
    this.class_placement.push(placement);
    const m = { person, placement };
    cls.members.push(m);
    return m;
  }

  group(unit: Unit, form: string, name: string, start: string, end: string): GroupInfo {
    const row: GroupRow = { group_id: this.ids.guid(), unit_id: unit.row.unit_id, school_form: form, name, start_date: start, end_date: end };
    this.student_group.push(row);
    const g = { unit, row, members: [] };
    unit.groups.push(g);
    return g;
  }

  member(group: GroupInfo, person: PersonRow, start: string | null, end: string | null): MembershipRow {
    const row: MembershipRow = { group_id: group.row.group_id, person_id: person.person_id, start_date: start, end_date: end };
    this.group_membership.push(row);
    group.members.push(person);
    return row;
  }

  employ(person: PersonRow, unit: Unit, start: string | null, end: string | null): EmploymentRow {
    const row: EmploymentRow = { employment_id: this.ids.guid(), person_id: person.person_id, unit_id: unit.row.unit_id, start_date: start, end_date: end };
    this.employment.push(row);
    return row;
  }

  /** Notes (övrigt) as admins write them: mostly the PORTAL marker, sometimes other text or nothing. */
  private notes(): string | null {
    const rng = this.rng;
    switch (rng.weighted(NOTES)) {
      case 'marker':
        return 'PORTAL';
      case 'lower':
        return 'portal';
      case 'title':
        return 'Portal; Teams-grupp för klassen';
      case 'room':
        return `PORTAL, sal ${rng.pick(ROOMS)}`;
      case 'none':
        return null;
      case 'roomOnly':
        return `Sal ${rng.pick(ROOMS)}`;
      case 'nearMiss':
        return 'Se PORTALEN';
      case 'noTeams':
        return 'Ingen Teams-grupp';
    }
  }

  makeActivity(
    unit: Unit,
    form: string,
    name: string,
    start: string | null,
    end: string | null,
    links: { classes?: readonly ClassInfo[]; groups?: readonly GroupInfo[]; teachers?: readonly PersonRow[]; notes?: string | null; current?: boolean },
  ): ActivityRow {
    const row: ActivityRow = {
      activity_id: this.ids.guid(),
      unit_id: unit.row.unit_id,
      school_form: form,
      name,
      notes: links.notes === undefined ? this.notes() : links.notes,
      start_date: start,
      end_date: end,
      cancelled: false,
    };
    this.activity.push(row);
    for (const c of links.classes ?? []) this.activity_class.push({ activity_id: row.activity_id, class_id: c.row.class_id });
    for (const g of links.groups ?? []) this.activity_group.push({ activity_id: row.activity_id, group_id: g.row.group_id });
    for (const t of new Set(links.teachers ?? [])) this.activity_staff.push({ activity_id: row.activity_id, person_id: t.person_id });
    if (links.current !== false) unit.activities.push(row);
    return row;
  }

  private teacher(unit: Unit): PersonRow {
    const t = unit.teachers[unit.cursor % unit.teachers.length]!;
    unit.cursor += 1 + (this.rng.chance(0.3) ? 1 : 0);
    return t;
  }

  private teachersFor(unit: Unit): PersonRow[] {
    const first = this.teacher(unit);
    if (!this.rng.chance(0.1)) return [first];
    const second = this.teacher(unit);
    return second === first ? [first] : [first, second];
  }

  // ---- Units -------------------------------------------------------------------

  makeUnit(spec: UnitSpec): Unit {
    const rng = this.rng;
    const { name, code } = this.unitName(spec.kind);
    const startYear = spec.closed ? rng.int(1955, 1975) : spec.kind === 'FS' ? rng.int(1975, 2020) : rng.int(1950, 2018);
    const start = `${startYear}-${spec.kind === 'FS' ? '01-07' : '08-01'}`;
    const end = spec.closed ? CLOSED : null;
    const row: UnitRow = { unit_id: this.ids.guid(), unit_code: code, name, start_date: start, end_date: end };
    this.school_unit.push(row);
    const formsByKind: Record<Kind, string[]> = {
      FS: ['FS'],
      PC: ['PC'],
      F6: ['F', 'FK', 'GR'],
      F9: ['F', 'FK', 'GR'],
      '79': ['GR'],
      RS: ['GR'],
      GY: ['GY'],
      VUX: ['SF', 'KV', 'SV'],
      FK: ['FK'],
      ADM: [],
    };
    const forms = [...formsByKind[spec.kind]];
    if (spec.special && (spec.kind === 'F6' || spec.kind === 'F9')) forms.push('S');
    if (spec.special && spec.kind === 'GY') forms.push('GS');
    for (const f of forms) {
      // Fritidshem and anpassad skola came later at some units.
      const formStart = (f === 'FK' || f === 'S' || f === 'GS') && startYear < 2000 ? '2000-08-01' : start;
      this.school_unit_form.push({ unit_id: row.unit_id, school_form: f, start_date: formStart, end_date: end });
    }
    const configuredForms = spec.configured ? forms.filter((f) => f !== 'FK') : [];
    if (spec.formEnded) {
      this.school_unit_form.push({ unit_id: row.unit_id, school_form: 'S', start_date: '2001-08-01', end_date: '2024-06-14' });
      if (spec.configured) configuredForms.push('S');
    }
    if (spec.formMissing && spec.configured) configuredForms.push('GS');
    const unit: Unit = {
      spec,
      row,
      forms,
      configuredForms,
      included: spec.configured && !spec.closed,
      teachers: [],
      cursor: 0,
      classes: [],
      history: [],
      groups: [],
      activities: [],
    };
    this.units.push(unit);
    return unit;
  }

  /** Current classes and their pupils. */
  populate(unit: Unit): void {
    const rng = this.rng;
    const t = this.tune;
    const p = unit.spec.parallels;
    if (unit.spec.closed) return; // its classes are history
    switch (unit.spec.kind) {
      case 'F6':
      case 'F9':
      case '79': {
        const grades = unit.spec.kind === 'F6' ? [0, 1, 2, 3, 4, 5, 6] : unit.spec.kind === 'F9' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] : [7, 8, 9];
        for (const g of grades) {
          for (let l = 0; l < p; l++) {
            const letter = LETTERS[l]!;
            const [first, last] = stageOf(g);
            const startYear = NOW - (g - first);
            const start = schoolYear(startYear).start;
            const end = schoolYear(startYear + (last - first)).end;
            const cls = this.klass(unit, 'gr', g === 0 ? 'F' : 'GR', g === 0 ? `F${letter}` : `${g}${letter}`, start, end, g, letter);
            const n = this.around(g === 0 ? t.gr - 2 : t.gr);
            for (let i = 0; i < n; i++) {
              const person = this.makePerson({ year: 2020 - g, role: 'student', email: g === 0 ? 0.6 : 0.97 });
              const joined = start < THIS_YEAR.start && rng.chance(0.06) ? this.dateBetween(addDays(start, 20), '2026-08-28') : start;
              this.place(person, cls, joined, rng.chance(0.3) ? end : null);
            }
            unit.classes.push(cls);
          }
        }
        if (unit.forms.includes('S')) {
          const bands: [string, number, number][] = unit.spec.kind === 'F9' ? [['1–6', 2014, 2019], ['7–9', 2011, 2013]] : [['1–6', 2014, 2019]];
          for (const [band, from, to] of bands) {
            const cls = this.klass(unit, 's', 'S', `Anpassad ${band}`, THIS_YEAR.start, THIS_YEAR.end);
            const n = rng.int(5, 9);
            for (let i = 0; i < n; i++) this.place(this.makePerson({ year: rng.int(from, to), role: 'student', email: 0.5 }), cls, THIS_YEAR.start, null);
            unit.classes.push(cls);
          }
        }
        break;
      }
      case 'RS': {
        for (const [band, from, to] of [['4–6', 2014, 2016], ['7–9', 2011, 2013]] as const) {
          const cls = this.klass(unit, 'rs', 'GR', `Resurs ${band}`, THIS_YEAR.start, THIS_YEAR.end);
          const n = rng.int(5, 8);
          for (let i = 0; i < n; i++) this.place(this.makePerson({ year: rng.int(from, to), role: 'student' }), cls, THIS_YEAR.start, null);
          unit.classes.push(cls);
        }
        break;
      }
      case 'GY': {
        const programs = rng.shuffle(Object.keys(PROGRAMS)).slice(0, unit.spec.programs ?? 3);
        for (const prog of programs) {
          for (let year = 1; year <= 3; year++) {
            for (let l = 0; l < p; l++) {
              const startYear = NOW - (year - 1);
              const letter = LETTERS[l]!;
              const start = schoolYear(startYear).start;
              const end = schoolYear(startYear + 2).end;
              const cls = this.klass(unit, 'gy', 'GY', `${prog}${startYear % 100}${letter}`, start, end, year, letter, prog);
              const n = this.around(t.gy);
              for (let i = 0; i < n; i++) {
                const person = this.makePerson({ year: 2010 - (year - 1), role: 'student' });
                this.place(person, cls, start, rng.chance(0.5) ? end : null);
              }
              unit.classes.push(cls);
            }
          }
        }
        if (unit.forms.includes('GS')) {
          for (let year = 1; year <= 3; year++) {
            const startYear = NOW - (year - 1);
            const cls = this.klass(unit, 'gs', 'GS', `ANP${startYear % 100}`, schoolYear(startYear).start, schoolYear(startYear + 2).end, year);
            const n = rng.int(4, 8);
            for (let i = 0; i < n; i++) this.place(this.makePerson({ year: 2010 - (year - 1), role: 'student', email: 0.7 }), cls, cls.row.start_date, null);
            unit.classes.push(cls);
          }
        }
        // Språkintroduktion for newly arrived pupils: starts in October, so not created yet on D.
        const im = this.klass(unit, 'im', 'GY', 'IMSPR Okt26', '2026-10-05', THIS_YEAR.end);
        const n = rng.int(5, 9);
        for (let i = 0; i < n; i++) this.place(this.makePerson({ year: rng.int(2008, 2010), role: 'student', samordning: 0.4, email: 0.3 }), im, '2026-10-05', null);
        unit.classes.push(im);
        break;
      }
      case 'FS': {
        const names = rng.shuffle([...DEPARTMENTS]);
        for (let l = 0; l < p; l++) {
          const cls = this.klass(unit, 'fs', 'FS', `Avd ${names[l % names.length]!}`, THIS_YEAR.start, THIS_YEAR.end);
          const n = this.around(t.fs, 2);
          for (let i = 0; i < n; i++) {
            const year = rng.int(2021, 2025);
            const person = this.makePerson({ year, role: 'student', email: 0, ...(year === 2025 ? { lastMonth: 6 } : {}) });
            this.place(person, cls, rng.chance(0.85) ? THIS_YEAR.start : this.dateBetween(THIS_YEAR.start, '2026-08-31'), null);
          }
          unit.classes.push(cls);
        }
        break;
      }
      case 'PC': {
        const cls = this.klass(unit, 'pc', 'PC', `Dagbarnvårdare ${rng.pick(FAMILY)}`, THIS_YEAR.start, THIS_YEAR.end);
        for (let i = 0; i < 5; i++) this.place(this.makePerson({ year: rng.int(2021, 2024), role: 'student', email: 0 }), cls, THIS_YEAR.start, null);
        unit.classes.push(cls);
        break;
      }
      case 'VUX': {
        for (const [cls] of this.vuxTerm(unit, TERM.ht26, p, 'current')) unit.classes.push(cls);
        // Admitted for the spring: classes and placements that start 2027-01-18.
        for (const [cls] of this.vuxTerm(unit, TERM.vt27, 1, 'future')) unit.classes.push(cls);
        break;
      }
      case 'FK':
      case 'ADM':
        break;
    }
  }

  /** One term of adult-education classes: SFI, komvux and särvux. */
  private vuxTerm(unit: Unit, term: Term, parallels: number, when: 'current' | 'future' | 'past', continuing: PersonRow[] = []): [ClassInfo, 'SF' | 'KV' | 'SV'][] {
    const rng = this.rng;
    const out: [ClassInfo, 'SF' | 'KV' | 'SV'][] = [];
    const specs: ['SF' | 'KV' | 'SV', string, number][] = [
      ...Array.from({ length: parallels }, (_, i): ['SF', string, number] => ['SF', `SFI ${rng.pick(['B', 'C', 'D'])} ${term.label} ${i + 1}`, this.tune.vux]),
      ...Array.from({ length: Math.max(1, parallels - 1) }, (_, i): ['KV', string, number] => ['KV', `Komvux ${term.label} ${i + 1}`, this.tune.vux + 4]),
      ['SV', `Särvux ${term.label}`, 6],
    ];
    for (const [form, name, mean] of specs) {
      const cls = this.klass(unit, 'vux', form, name, term.start, term.end, 0, 'A');
      const n = when === 'future' ? Math.max(3, Math.round(mean / 2)) : this.around(mean);
      for (let i = 0; i < n; i++) {
        const back = when === 'past' && rng.chance(0.4) ? rng.take(continuing) : undefined;
        const person = back ?? this.makePerson({ year: rng.int(1962, 2006), role: 'student', samordning: form === 'SF' ? 0.3 : 0.02, email: 0.9 });
        const deregister = when === 'past' && !back && rng.chance(0.08);
        if (deregister) person.deregistered = true;
        this.place(person, cls, term.start, term.end);
      }
      out.push([cls, form]);
    }
    return out;
  }

  /** Teachers and other staff for a unit, sized by its pupils. */
  staff(unit: Unit): void {
    const rng = this.rng;
    const pupils = unit.classes.reduce((s, c) => s + c.members.length, 0);
    const ratios: Record<string, number> = { FS: 5, PC: 5, RS: 3, VUX: 16, GY: this.tune.ratio + 1 };
    const ratio = ratios[unit.spec.kind] ?? this.tune.ratio;
    let teachers = unit.spec.kind === 'FK' || unit.spec.kind === 'ADM' ? 0 : Math.max(2, Math.ceil(pupils / ratio));
    let others = Math.ceil(teachers * this.tune.others);
    if (unit.spec.kind === 'FK') others = rng.int(6, 14);
    if (unit.spec.kind === 'ADM') others = this.tune.admin;
    if (unit.spec.closed) {
      // A closed unit: its staff left on closing day; half of them work elsewhere now (added later).
      teachers = unit.spec.kind === 'FS' ? rng.int(3, 6) : Math.max(2, Math.ceil((unit.spec.parallels * 7 * this.tune.gr) / this.tune.ratio));
      others = Math.ceil(teachers * 0.3);
    }
    const unitStartYear = Number(unit.row.start_date!.slice(0, 4));
    const hire = (): PersonRow => {
      const year = rng.int(1960, 2000);
      const person = this.makePerson({ year, role: 'staff' });
      const from = Math.max(unitStartYear, year + 23, 1985);
      const y = rng.int(Math.min(from, NOW), NOW);
      const start = `${y}-${rng.chance(0.7) ? '08-01' : '01-08'}`;
      const end = unit.spec.closed ? CLOSED : rng.chance(0.04) ? rng.pick(['2026-12-31', '2027-06-30']) : null;
      this.employ(person, unit, start > (end ?? '9999') ? addDays(end!, -300) : start, end);
      return person;
    };
    for (let i = 0; i < teachers; i++) unit.teachers.push(hire());
    for (let i = 0; i < others; i++) hire();
    // Staff who left: ended last summer (in the history window) or the summer before (outside it).
    if (!unit.spec.closed) {
      const left = Math.ceil((teachers + others) * 0.08);
      for (let i = 0; i < left; i++) {
        const person = this.makePerson({ year: rng.int(1955, 1998), role: 'staff' });
        const end = rng.chance(0.5) ? '2026-06-30' : '2025-06-30';
        this.employ(person, unit, `${rng.int(1995, 2023)}-08-01`, end);
      }
    }
    rng.shuffle(unit.teachers);
  }

  /** Mentors, groups and this year's activities (and last year's for classes that continue). */
  teach(unit: Unit): void {
    const rng = this.rng;
    if (unit.teachers.length === 0) return;
    for (const cls of unit.classes) {
      const mentors = rng.chance(0.4) ? [this.teacher(unit), this.teacher(unit)] : [this.teacher(unit)];
      for (const m of new Set(mentors)) this.class_staff.push({ class_id: cls.row.class_id, person_id: m.person_id });
    }
    const year = THIS_YEAR;
    const termDates = (s: Subject): [string, string] =>
      s.term === 'ht' ? [TERM.ht26.start, TERM.ht26.end] : s.term === 'vt' ? [TERM.vt27.start, TERM.vt27.end] : [year.start, year.end];
    for (const cls of unit.classes) {
      const form = cls.row.school_form;
      switch (cls.kind) {
        case 'gr': {
          const [first, last] = stageOf(cls.grade);
          const subjects = SUBJECTS[cls.grade === 0 ? 'F' : `${first}-${last}`]!;
          const classTeacher = this.teacher(unit);
          for (const s of subjects) {
            const teachers = cls.grade <= 6 && rng.chance(0.6) ? [classTeacher] : this.teachersFor(unit);
            this.makeActivity(unit, form, `${s.name} ${cls.row.name}`, ...termDates(s), { classes: [cls], teachers });
          }
          if (cls.grade >= 1) this.makeActivity(unit, form, `Mentorstid ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: [classTeacher] });
          if (cls.grade >= 7) this.makeActivity(unit, form, `Elevens val ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: this.teachersFor(unit) });
          // Last year's activities of a class that continues through its stage: ended.
          if (cls.row.start_date! < year.start) {
            for (const s of lastYearSubjects(cls.grade - 1)) this.makeActivity(unit, form, `${s} ${cls.grade - 1}${cls.letter}`, LAST_YEAR.start, LAST_YEAR.end, { classes: [cls], teachers: [this.teacher(unit)], current: false });
          }
          break;
        }
        case 's':
        case 'rs':
          for (const s of SUBJECTS.S!) this.makeActivity(unit, form, `${s.name} ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: this.teachersFor(unit) });
          break;
        case 'gy': {
          const courses = [...GY_COMMON[cls.grade]!, ...PROGRAMS[cls.program!]!.slice((cls.grade - 1) * 2, cls.grade * 2)];
          for (const c of courses) this.makeActivity(unit, form, `${c} ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: this.teachersFor(unit) });
          this.makeActivity(unit, form, `Mentorstid ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: this.teachersFor(unit) });
          if (cls.grade > 1) {
            for (const c of GY_COMMON[cls.grade - 1]!) {
              this.makeActivity(unit, form, `${c} ${cls.row.name}`, LAST_YEAR.start, LAST_YEAR.end, { classes: [cls], teachers: [this.teacher(unit)], current: false });
            }
          }
          break;
        }
        case 'gs':
          for (const c of ['Svenska', 'Matematik', 'Idrott och hälsa']) this.makeActivity(unit, form, `${c} ${cls.row.name}`, year.start, year.end, { classes: [cls], teachers: this.teachersFor(unit) });
          break;
        case 'im':
          this.makeActivity(unit, form, `Svenska som andraspråk ${cls.row.name}`, cls.row.start_date, cls.row.end_date, { classes: [cls], teachers: this.teachersFor(unit) });
          break;
        case 'vux':
          if (form !== 'KV') this.makeActivity(unit, form, cls.row.name, cls.row.start_date, cls.row.end_date, { classes: [cls], teachers: this.teachersFor(unit) });
          break;
        case 'fs':
        case 'pc':
          break;
      }
    }
    this.currentGroups(unit);
  }

  /** Language choices and Sv2 (GR), electives (GY), courses (komvux), with their activities. */
  private currentGroups(unit: Unit): void {
    const rng = this.rng;
    const year = THIS_YEAR;
    const kind = unit.spec.kind;
    if (kind === 'F6' || kind === 'F9' || kind === '79') {
      const byGrade = new Map<number, ClassInfo[]>();
      for (const c of unit.classes) {
        if (c.kind !== 'gr') continue;
        const list = byGrade.get(c.grade);
        if (list) list.push(c);
        else byGrade.set(c.grade, [c]);
      }
      for (const [g, classes] of byGrade) {
        if (g < 6) continue;
        const pupils = classes.flatMap((c) => c.members.map((m) => m.person));
        const choices = ['Spanska', 'Franska', 'Tyska', 'Språkval sv/en'];
        const groups = choices.map((lang) => this.group(unit, 'GR', `${lang} åk ${g}`, year.start, year.end));
        const histories = g >= 7 && (kind === 'F9' || g >= 8) ? choices.map((lang) => this.group(unit, 'GR', `${lang} åk ${g - 1}`, LAST_YEAR.start, LAST_YEAR.end)) : [];
        for (const person of pupils) {
          const i = rng.weighted([[0, 45], [1, 20], [2, 20], [3, 15]] as const);
          this.member(groups[i]!, person, year.start, rng.chance(0.5) ? year.end : null);
          const h = histories[i];
          if (h) this.member(h, person, LAST_YEAR.start, LAST_YEAR.end);
        }
        for (const grp of groups) this.makeActivity(unit, 'GR', grp.row.name, year.start, year.end, { groups: [grp], teachers: this.teachersFor(unit) });
        for (const grp of histories) this.makeActivity(unit, 'GR', grp.row.name, LAST_YEAR.start, LAST_YEAR.end, { groups: [grp], teachers: [this.teacher(unit)], current: false });
      }
      for (const [first, last] of [[1, 3], [4, 6], [7, 9]] as const) {
        const pupils = [...byGrade].filter(([g]) => g >= first && g <= last).flatMap(([, cs]) => cs.flatMap((c) => c.members.map((m) => m.person)));
        if (pupils.length === 0) continue;
        const grp = this.group(unit, 'GR', `Sv2 åk ${first}–${last}`, year.start, year.end);
        for (const person of pupils) if (rng.chance(0.08)) this.member(grp, person, year.start, null);
        this.makeActivity(unit, 'GR', grp.row.name, year.start, year.end, { groups: [grp], teachers: this.teachersFor(unit) });
      }
    }
    if (kind === 'GY') {
      for (let y = 1; y <= 3; y++) {
        const pupils = unit.classes.filter((c) => c.kind === 'gy' && c.grade === y).flatMap((c) => c.members.map((m) => m.person));
        const options = [...LANGUAGES.map((l) => `${l} ${y + 1}`), ...(y > 1 ? rng.shuffle([...ELECTIVES]).slice(0, 2) : [])];
        const groups = options.map((o) => this.group(unit, 'GY', `${o} åk ${y}`, year.start, year.end));
        for (const person of pupils) {
          if (rng.chance(0.6)) this.member(rng.pick(groups.slice(0, 3)), person, year.start, year.end);
          if (y > 1 && rng.chance(0.5)) this.member(rng.pick(groups.slice(3)), person, year.start, year.end);
        }
        for (const grp of groups) this.makeActivity(unit, 'GY', grp.row.name, year.start, year.end, { groups: [grp], teachers: this.teachersFor(unit) });
      }
    }
    if (kind === 'VUX') this.vuxCourses(unit, TERM.ht26, unit.classes.filter((c) => c.row.school_form === 'KV' && c.row.start_date === TERM.ht26.start), true);
  }

  private vuxCourses(unit: Unit, term: Term, classes: ClassInfo[], current: boolean): void {
    const rng = this.rng;
    const pupils = classes.flatMap((c) => c.members.map((m) => m.person));
    const courses = rng.shuffle([...VUX_COURSES]).slice(0, current ? 6 : 4);
    const groups = courses.map((c) => this.group(unit, 'KV', `${c} ${term.label}`, term.start, term.end));
    for (const person of pupils) {
      const picks = rng.shuffle([...groups]).slice(0, rng.int(1, 2));
      for (const g of picks) this.member(g, person, term.start, term.end);
    }
    for (const grp of groups) this.makeActivity(unit, 'KV', grp.row.name, term.start, term.end, { groups: [grp], teachers: [this.teacher(unit)], current });
  }

  // ---- History -----------------------------------------------------------------

  /** Classes that ended in June 2026 (and 2025 for gymnasium), with the pupils who moved on or left. */
  history(unit: Unit, pools: { grade7: PersonRow[]; gy1: PersonRow[]; byGrade: Map<number, PersonRow[]> }): void {
    const rng = this.rng;
    const t = this.tune;
    const kind = unit.spec.kind;
    const historyClass = (form: string, name: string, start: string, end: string, grade: number, letter: string, sources: PersonRow[], bornIn: number, target: number): ClassInfo => {
      const cls = this.klass(unit, form === 'GY' ? 'gy' : 'gr', form, name, start, end, grade, letter);
      for (const person of sources) this.place(person, cls, this.moved.has(person) && start < LAST_YEAR.start ? LAST_YEAR.start : start, end);
      // Pupils who left: moved away, to a friskola, or abroad.
      for (let i = cls.members.length; i < target; i++) {
        const person = this.makePerson({ year: bornIn, role: 'student' });
        if (rng.chance(0.1)) person.deregistered = true;
        this.place(person, cls, start, end);
      }
      unit.history.push(cls);
      if (unit.teachers.length > 0) this.class_staff.push({ class_id: cls.row.class_id, person_id: this.teacher(unit).person_id });
      return cls;
    };
    const sameUnit = (grade: number, letter: string): PersonRow[] =>
      (unit.classes.find((c) => c.kind === 'gr' && c.grade === grade && c.letter === letter)?.members ?? []).map((m) => m.person).filter(() => rng.chance(0.92));
    const fromPool = (pool: PersonRow[], n: number): PersonRow[] => {
      const out: PersonRow[] = [];
      for (let i = 0; i < n; i++) {
        const p = rng.take(pool);
        if (!p) break;
        out.push(p);
      }
      return out;
    };

    if (unit.spec.closed && kind === 'F6') {
      // Closed in June 2025: its last classes, whose pupils are now two grades up elsewhere.
      for (let g = 0; g <= 6; g++) {
        for (let l = 0; l < unit.spec.parallels; l++) {
          const letter = LETTERS[l]!;
          const [first] = stageOf(g);
          const start = schoolYear(NOW - 2 - (g - first)).start;
          const target = this.around(t.gr - 3);
          const moved = fromPool(pools.byGrade.get(g + 2) ?? [], Math.round(target * 0.8));
          const cls = historyClass(g === 0 ? 'F' : 'GR', g === 0 ? `F${letter}` : `${g}${letter}`, start, '2025-06-13', g, letter, moved, 2018 - g, target);
          for (const person of moved) this.moved.add(person);
          for (const s of g === 0 ? ['Förskoleklass'] : CORE) this.makeActivity(unit, cls.row.school_form, `${s} ${cls.row.name}`, schoolYear(2024).start, '2025-06-13', { classes: [cls], teachers: [this.teacher(unit)], current: false });
        }
      }
      return;
    }
    if (kind === 'F6' || kind === 'F9' || kind === '79') {
      const ends = kind === 'F6' ? [0, 6] : kind === 'F9' ? [0, 6, 9] : [9];
      for (const e of ends) {
        for (let l = 0; l < unit.spec.parallels; l++) {
          const letter = LETTERS[l]!;
          const start = e === 0 ? LAST_YEAR.start : schoolYear(NOW - 3).start;
          const target = this.around(t.gr);
          const sources =
            e === 0 || (e === 6 && kind === 'F9')
              ? sameUnit(e + 1, letter)
              : e === 6
                ? fromPool(pools.grade7, Math.round(target * 0.85))
                : fromPool(pools.gy1, Math.round(target * 0.75));
          const cls = historyClass(e === 0 ? 'F' : 'GR', e === 0 ? `F${letter}` : `${e}${letter}`, start, LAST_YEAR.end, e, letter, sources, 2019 - e, Math.max(target, sources.length));
          for (const s of e === 0 ? ['Förskoleklass', 'Idrott'] : lastYearSubjects(e)) this.makeActivity(unit, cls.row.school_form, `${s} ${cls.row.name}`, LAST_YEAR.start, LAST_YEAR.end, { classes: [cls], teachers: [this.teacher(unit)], current: false });
        }
      }
    }
    if (kind === 'GY') {
      const programs = [...new Set(unit.classes.filter((c) => c.kind === 'gy').map((c) => c.program!))];
      for (const prog of programs) {
        for (const startYear of [NOW - 4, NOW - 3]) {
          for (let l = 0; l < unit.spec.parallels; l++) {
            const letter = LETTERS[l]!;
            const sy = schoolYear(startYear);
            const end = schoolYear(startYear + 2).end;
            const cls = historyClass('GY', `${prog}${startYear % 100}${letter}`, sy.start, end, 3, letter, [], startYear - 16, this.around(t.gy - 2));
            const last = schoolYear(startYear + 2);
            this.makeActivity(unit, 'GY', `Gymnasiearbete ${cls.row.name}`, last.start, last.end, { classes: [cls], teachers: [this.teacher(unit)], current: false });
            // Their language course in the last year: a group with memberships that ended at graduation.
            const lang = this.group(unit, 'GY', `${rng.pick(LANGUAGES)} 4 ${cls.row.name}`, last.start, last.end);
            for (const m of cls.members) if (rng.chance(0.3)) this.member(lang, m.person, last.start, last.end);
            this.makeActivity(unit, 'GY', lang.row.name, last.start, last.end, { groups: [lang], teachers: [this.teacher(unit)], current: false });
          }
        }
      }
    }
    if (kind === 'VUX') {
      const continuing = unit.classes.filter((c) => c.row.start_date === TERM.ht26.start).flatMap((c) => c.members.map((m) => m.person));
      rng.shuffle(continuing);
      for (const term of [TERM.vt25, TERM.ht25, TERM.vt26]) {
        const classes = this.vuxTerm(unit, term, unit.spec.parallels, 'past', continuing);
        for (const [cls, form] of classes) {
          unit.history.push(cls);
          this.class_staff.push({ class_id: cls.row.class_id, person_id: this.teacher(unit).person_id });
          if (form !== 'KV') this.makeActivity(unit, form, cls.row.name, term.start, term.end, { classes: [cls], teachers: [this.teacher(unit)], current: false });
        }
        this.vuxCourses(unit, term, classes.filter(([, f]) => f === 'KV').map(([c]) => c), false);
      }
    }
  }

  // ---- The awkward cases ---------------------------------------------------------

  awkward(): void {
    const rng = this.rng;
    const included = this.units.filter((u) => u.included);
    const teachingKinds = new Set<ClassKind>(['gr', 'gy', 's', 'gs', 'vux']);
    /** Current classes at included units that are created on D (started, with dates and a teacher). */
    const running = included.flatMap((u) => u.classes.filter((c) => teachingKinds.has(c.kind) && c.row.start_date! <= D && c.row.end_date! >= D));
    const pupils = running.reduce((s, c) => s + c.members.length, 0);
    const n = (rate: number, min = 1) => Math.max(min, Math.round(rate * pupils));

    // Classes: no teacher, no end date.
    const pool = rng.shuffle([...running]);
    const noTeacher = new Set<string>();
    const c = (rate: number) => Math.max(1, Math.round(rate * running.length));
    // Never the only class of its school form at its unit: that school would export no students, and the deletion guard would hold every run.
    const perForm = new Map<string, number>();
    const formOf = (cls: ClassInfo) => `${cls.unit.row.unit_id}|${cls.row.school_form}`;
    for (const cls of running) perForm.set(formOf(cls), (perForm.get(formOf(cls)) ?? 0) + 1);
    const notSole = (): ClassInfo => pool.splice(pool.findLastIndex((cls) => perForm.get(formOf(cls))! > 1), 1)[0]!;
    for (let i = 0; i < c(0.003); i++) noTeacher.add(notSole().row.class_id);
    for (let i = 0; i < c(0.002); i++) notSole().row.end_date = null;
    const usable = pool; // classes that stay created

    // Pupils with an active placement in a created class.
    const eligible: { cls: ClassInfo; m: Member }[] = usable.flatMap((cls) =>
      cls.members.filter((m) => m.placement.start_date! <= D && (m.placement.end_date === null || m.placement.end_date >= D)).map((m) => ({ cls, m })),
    );
    const takePupil = () => {
      const x = rng.take(eligible);
      if (!x) throw new Error('the generator ran out of pupils for the awkward cases');
      return x;
    };
    for (const [level, rate] of [[1, 0.002], [2, 0.001], [3, 0.0005], [null, 0.0005], [4, 0.0001]] as const) {
      for (let i = 0; i < n(rate); i++) takePupil().m.person.protected_identity = level;
    }
    for (let i = 0; i < n(0.0002); i++) takePupil().m.person.deceased = true;
    for (let i = 0; i < n(0.003); i++) takePupil().m.person.deregistered = true;
    // Moved away in August: the only placement ended before D.
    for (let i = 0; i < n(0.004); i++) {
      const { m } = takePupil();
      const end = addDays(D, -rng.int(1, 14));
      m.placement.end_date = end < m.placement.start_date! ? m.placement.start_date : end;
    }
    // Changed class: the old placement ended, a new one began.
    for (let i = 0; i < n(0.004); i++) {
      const { cls, m } = takePupil();
      const target = usable.find((c) => c.unit === cls.unit && c !== cls && c.kind === cls.kind && c.grade === cls.grade) ?? usable.find((c) => c.unit === cls.unit && c !== cls);
      if (!target) continue;
      m.placement.end_date = m.placement.start_date! > '2026-08-28' ? m.placement.start_date : '2026-08-28';
      this.place(m.person, target, '2026-08-31', null);
    }
    // Leaves on the sync date itself: still active on D.
    for (let i = 0; i < n(0.001); i++) takePupil().m.placement.end_date = D;
    // Newly arrived pupils: starting D+1 (within the student lead), D+2 and D+20 (not yet).
    const arrivals = rng.shuffle(usable.filter((c) => c.kind === 'gr' || c.kind === 'gy'));
    let a = 0;
    for (const [offset, rate] of [[1, 0.002], [2, 0.002], [20, 0.001]] as const) {
      for (let i = 0; i < n(rate); i++) {
        const cls = arrivals[a++ % arrivals.length]!;
        const year = cls.kind === 'gy' ? 2010 - (cls.grade - 1) : 2020 - cls.grade;
        // Newly arrived from abroad: the first has a samordningsnummer, whatever the seed.
        this.place(this.makePerson({ year, role: 'student', samordning: i === 0 ? 1 : 0.3 }), cls, addDays(D, offset), null);
      }
    }
    // A gymnasium pupil who also works extra at the school: both roles.
    const working = eligible.filter((x) => x.cls.kind === 'gy');
    for (let i = 0; i < n(0.0005) && working.length > 0; i++) {
      const x = rng.take(working)!;
      this.employ(x.m.person, x.cls.unit, '2026-08-17', '2026-12-31');
    }

    // Group memberships that ended, and one that starts after the lead time.
    const memberships = this.group_membership.filter((m) => m.start_date === THIS_YEAR.start && m.end_date === null);
    for (let i = 0; i < n(0.001) && memberships.length > 0; i++) rng.take(memberships)!.end_date = addDays(D, -rng.int(1, 10));
    for (let i = 0; i < n(0.0005) && memberships.length > 0; i++) rng.take(memberships)!.start_date = addDays(D, 2);

    // E-mail addresses that are not addresses, on pupils who are exported.
    const invalid = [
      (e: string) => e.replace(/@.*/, '@'),
      (e: string) => e.replace('@', ' @'),
      (e: string) => e.replace('@', '.'),
      (e: string) => e.replace(/@.*/, `@${fold(this.name)}`),
    ];
    for (let i = 0; i < n(0.0008, 4); ) {
      const p = takePupil().m.person;
      if (p.email === null) continue;
      p.email = invalid[i % invalid.length]!(p.email);
      i++;
    }

    // ---- Staff -----------------------------------------------------------------
    const includedIds = new Set(included.map((u) => u.row.unit_id));
    const staffByClass = index(this.class_staff, (l) => l.class_id, (l) => l.person_id);
    const staffByActivity = index(this.activity_staff, (l) => l.activity_id, (l) => l.person_id);
    const classesOf = index(this.class_staff, (l) => l.person_id, (l) => l.class_id);
    const activitiesOf = index(this.activity_staff, (l) => l.person_id, (l) => l.activity_id);

    const staffCount = new Set(this.employment.map((e) => e.person_id)).size;
    const s = (rate: number, min = 1) => Math.max(min, Math.round(rate * staffCount));
    const linkedTeachers = included.flatMap((u) => u.teachers.filter((t) => classesOf.has(t.person_id) && activitiesOf.has(t.person_id)).map((t) => ({ t, u })));
    const unexportable = new Set<string>();
    const takeTeacher = () => {
      const x = rng.take(linkedTeachers);
      if (!x) throw new Error('the generator ran out of teachers for the awkward cases');
      unexportable.add(x.t.person_id);
      return x;
    };
    const protectedTeachers: { t: PersonRow; u: Unit }[] = [];
    for (const [level, rate] of [[1, 0.002], [2, 0.001], [3, 0.0005], [null, 0.0005]] as const) {
      for (let i = 0; i < s(rate); i++) {
        const x = takeTeacher();
        x.t.protected_identity = level;
        protectedTeachers.push(x);
      }
    }
    for (let i = 0; i < s(0.0003); i++) takeTeacher().t.deceased = true;

    // Activities running now, linked only to classes that stay created (or to groups), marked PORTAL.
    const usableIds = new Set(usable.map((c) => c.row.class_id));
    const classesOfActivity = index(this.activity_class, (l) => l.activity_id, (l) => l.class_id);
    const sound = (x: ActivityRow) =>
      x.notes === 'PORTAL' &&
      !x.cancelled &&
      x.start_date === THIS_YEAR.start &&
      x.end_date === THIS_YEAR.end &&
      (classesOfActivity.get(x.activity_id) ?? []).every((id) => usableIds.has(id));
    const candidates = rng.shuffle(included.flatMap((u) => u.activities.filter(sound)));
    const acts = candidates.length;
    const k = (rate: number) => Math.max(1, Math.round(rate * acts));
    const pickActivity = () => {
      const x = candidates.pop();
      if (!x) throw new Error('the generator ran out of activities for the awkward cases');
      return x;
    };

    // The first protected teacher is the only teacher of one activity (activity-no-teacher);
    // some activities have no teacher at all.
    const first = protectedTeachers[0]!;
    const solo = pickActivity();
    const soleActivities = new Set([solo.activity_id]);
    this.activity_staff.push({ activity_id: solo.activity_id, person_id: first.t.person_id });
    const noStaff = new Set<string>();
    for (let i = 0; i < k(0.001); i++) noStaff.add(pickActivity().activity_id);

    // Every other class and activity at an included school keeps an exported teacher.
    const byId = new Map(this.units.map((u) => [u.row.unit_id, u]));
    const coTeacher = (unit: Unit): PersonRow => {
      for (let tries = 0; tries < unit.teachers.length * 3; tries++) {
        const t = this.teacher(unit);
        if (!unexportable.has(t.person_id)) return t;
      }
      throw new Error(`no exported teacher left at ${unit.row.unit_code}`);
    };
    for (const cls of running) {
      if (noTeacher.has(cls.row.class_id)) continue;
      const linked = staffByClass.get(cls.row.class_id) ?? [];
      if (linked.length > 0 && linked.every((id) => unexportable.has(id))) this.class_staff.push({ class_id: cls.row.class_id, person_id: coTeacher(cls.unit).person_id });
    }
    for (const x of this.activity) {
      if (!includedIds.has(x.unit_id) || soleActivities.has(x.activity_id) || noStaff.has(x.activity_id)) continue;
      const linked = staffByActivity.get(x.activity_id) ?? [];
      if (linked.length > 0 && linked.every((id) => unexportable.has(id))) this.activity_staff.push({ activity_id: x.activity_id, person_id: coTeacher(byId.get(x.unit_id)!).person_id });
    }

    // New staff: starting within the staff lead (D+5, D+14) and after it (D+15, D+45).
    for (const [offset, rate] of [[5, 0.001], [14, 0], [15, 0], [45, 0.001]] as const) {
      for (let i = 0; i < s(rate); i++) {
        const unit = rng.pick(included.filter((u) => u.teachers.length > 0));
        const person = this.makePerson({ year: rng.int(1975, 2001), role: 'staff' });
        this.employ(person, unit, addDays(D, offset), null);
        if (offset <= 14 && unit.activities.length > 0) this.activity_staff.push({ activity_id: rng.pick(unit.activities).activity_id, person_id: person.person_id });
      }
    }
    // Staff of the closed units: half of them work at another unit now.
    for (const unit of this.units.filter((u) => u.spec.closed)) {
      const open = this.units.filter((u) => !u.spec.closed && u.spec.kind === (unit.spec.kind === 'FS' ? 'FS' : 'F6'));
      for (const t of unit.teachers) if (rng.chance(0.5) && open.length > 0) this.employ(t, rng.pick(open), '2025-08-01', null);
    }

    // ---- Activities ------------------------------------------------------------
    // Every spelling of the marker, and its near miss.
    pickActivity().notes = 'portal';
    pickActivity().notes = 'Portal; Teams-grupp för klassen';
    pickActivity().notes = 'Ämnesgrupp (PORTAL)';
    for (let i = 0; i < k(0.001); i++) pickActivity().notes = 'PORTALEN';
    for (let i = 0; i < k(0.005); i++) pickActivity().cancelled = true;
    for (let i = 0; i < k(0.0005); i++) pickActivity().start_date = null;
    for (let i = 0; i < k(0.0005); i++) pickActivity().end_date = D; // ends on D: not strictly later, so ended
    // Open-ended activities linked to last year's class only, or to nothing.
    const withHistory = included.filter((u) => u.history.length > 0 && u.teachers.length > 0);
    for (let i = 0; i < k(0.0005); i++) {
      const unit = rng.pick(withHistory);
      const old = rng.pick(unit.history);
      this.makeActivity(unit, old.row.school_form, `Mentorstid ${old.row.name}`, LAST_YEAR.start, null, { classes: [old], teachers: [coTeacher(unit)], notes: 'PORTAL' });
      const other = rng.pick(included.filter((u) => u.teachers.length > 0));
      this.makeActivity(other, other.configuredForms.find((f) => other.forms.includes(f))!, 'Studieteknik', THIS_YEAR.start, THIS_YEAR.end, { teachers: [coTeacher(other)], notes: 'PORTAL' });
    }

    // Drop the teacher links of the classes and activities chosen to have none.
    this.class_staff = this.class_staff.filter((l) => !noTeacher.has(l.class_id));
    this.activity_staff = dedupe(
      this.activity_staff.filter((l) => !noStaff.has(l.activity_id) && (!soleActivities.has(l.activity_id) || l.person_id === first.t.person_id)),
      (l) => `${l.activity_id}|${l.person_id}`,
    );

    // ---- Others: guardians (no role), one of them protected, one deceased. -------
    const students = this.class_placement.length;
    for (let i = 0; i < Math.max(3, Math.round(students * 0.02)); i++) {
      const g = this.makePerson({ year: rng.int(1965, 1998), role: 'other' });
      if (i === 0) g.protected_identity = 2;
      if (i === 1) g.deceased = true;
    }
  }

  fixture(): Fixture {
    return {
      school_unit: this.school_unit,
      school_unit_form: this.school_unit_form,
      person: this.person,
      school_class: this.school_class,
      class_placement: this.class_placement,
      class_staff: dedupe(this.class_staff, (l) => `${l.class_id}|${l.person_id}`),
      student_group: this.student_group,
      group_membership: this.group_membership,
      employment: this.employment,
      activity: this.activity,
      activity_class: this.activity_class,
      activity_group: this.activity_group,
      activity_staff: this.activity_staff,
    };
  }

  schools(): ConfiguredSchool[] {
    return this.units.flatMap((u) => u.configuredForms.map((schoolForm) => ({ unitCode: u.row.unit_code, schoolForm })));
  }
}

function index<T>(rows: readonly T[], key: (row: T) => string, value: (row: T) => string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(value(row));
    else map.set(k, [value(row)]);
  }
  return map;
}

function dedupe<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const k = key(r);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * A fake municipality of the given size. small: 2 configured schools (plus a
 * closed one in the configuration), about 300 pupils; medium: about 20
 * configured schools, about 5,000 pupils exported; large: 350 school units,
 * about 120,000 pupils, 20,000 staff, 5,000 classes and 60,000 activities;
 * xlarge: twice large (700 school units), for the benchmark.
 */
export function generateMunicipality(size: Size, seed = 1): Municipality {
  if (!SIZES.includes(size)) throw new Error(`unknown size ${String(size)}: use small, medium, large or xlarge`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`the seed must be a whole number 0 or more, not ${seed}`);
  const gen = new Generator(size, seed);
  const specs = plan(size, new Rng(streamSeed(seed, `plan-${size}`)));
  const units = specs.map((spec) => gen.makeUnit(spec));
  for (const unit of units) gen.populate(unit);
  for (const unit of units) gen.staff(unit);
  for (const unit of units) gen.teach(unit);

  // Pupils who moved on in June 2026: F–6 school leavers are now in grade 7 at a 7–9 school, year-9 leavers in gymnasium year 1.
  const current = units.filter((u) => !u.spec.closed);
  const pupilsOf = (filter: (c: ClassInfo) => boolean) => current.flatMap((u) => u.classes.filter(filter).flatMap((c) => c.members.map((m) => m.person)));
  const rng = new Rng(streamSeed(seed, `pools-${size}`));
  const pools = {
    grade7: rng.shuffle(pupilsOf((c) => c.kind === 'gr' && c.grade === 7 && c.unit.spec.kind === '79')),
    gy1: rng.shuffle(pupilsOf((c) => c.kind === 'gy' && c.grade === 1)),
    byGrade: new Map([2, 3, 4, 5, 6, 7, 8].map((g) => [g, rng.shuffle(pupilsOf((c) => c.kind === 'gr' && c.grade === g))])),
  };
  // The closed units first: their pupils' later classes start when they moved, in August 2025.
  for (const unit of [...units.filter((u) => u.spec.closed), ...units.filter((u) => !u.spec.closed)]) gen.history(unit, pools);
  gen.awkward();
  return { fixture: gen.fixture(), schools: gen.schools(), syncDate: SYNC_DATE, name: gen.name, domain: gen.domain };
}
