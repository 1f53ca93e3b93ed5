/**
 * A small, typed builder for the source rows the rules read.
 *
 *   const b = new FixtureBuilder();                      // no rows at all
 *   const school = b.school({ code: 'KRSK', forms: ['GR'] });
 *   const t = b.staff({ unit: school });
 *   const c = b.class({ unit: school, name: '7B', start: '2026-08-17', end: '2027-06-11', teachers: [t] });
 *   const s = b.student({ cls: c, start: '2026-08-17' });
 *   decide(b.rows, rules(), '2026-08-20');
 *
 * Ids are deterministic lowercase GUIDs: the first block names the kind of
 * row (1 = school unit, 2 = person, 3 = class, ...) and the last block counts
 * every id the builder has handed out, e.g. `00000002-0000-4000-8000-000000000002`.
 *
 * Date defaults (every `start`/`end` may be given, including as `null`):
 * - school unit, employment: 2020-01-01 – open; a school form row copies its unit's dates;
 * - class, group, activity: the school year 2026-08-17 – 2027-06-11;
 * - placement / membership: from the class's / group's start date, open end.
 */
import type { RuleConfig } from '../../src/configure/config';
import {
  CONTRACT,
  QUERY_NAMES,
  type CalendarDate,
  type PersonRow,
  type QueryName,
  type Row,
  type SourceRows,
} from '../../src/extract/contract';

type Rows = { [Q in QueryName]: Row<Q>[] };

/** The JSON fixture shape `fixtureToRows` reads: one array of rows per table name. */
export type Fixture = { [Q in QueryName as (typeof CONTRACT)[Q]['table']]: Row<Q>[] };

export const TERM = { start: '2026-08-17', end: '2027-06-11' } as const;
const LONG_AGO = '2020-01-01';

const KIND = {
  unit: 1,
  person: 2,
  class: 3,
  group: 4,
  activity: 5,
  placement: 6,
  employment: 7,
} as const;

const GIVEN = ['Anna', 'Erik', 'Maja', 'Oskar', 'Ella', 'Lukas', 'Alice', 'Hugo', 'Wilma', 'Liam'];
const FAMILY = ['Svensson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson'];

/** `undefined` means "not given": use the default. `null` is a value (a NULL column). */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

export interface Period {
  readonly start?: CalendarDate | null;
  readonly end?: CalendarDate | null;
}

export interface SchoolFormSpec extends Period {
  readonly form: string;
}

export interface SchoolOptions extends Period {
  readonly code?: string;
  readonly name?: string;
  /** A string is a form row with the unit's own dates. Default ['GR']. */
  readonly forms?: readonly (string | SchoolFormSpec)[];
}

export interface PersonOptions {
  readonly id?: string;
  readonly given?: string | null;
  readonly family?: string | null;
  readonly personalNumber?: string | null;
  readonly email?: string | null;
  /** protected_identity; default 0. `null` is a NULL column. */
  readonly protectedLevel?: number | null;
  readonly deceased?: boolean;
  readonly deregistered?: boolean;
}

export interface StaffOptions extends PersonOptions, Period {
  readonly unit: string;
}

export interface StudentOptions extends PersonOptions, Period {
  readonly cls: string;
}

export interface GroupOptions extends Period {
  readonly unit: string;
  readonly form?: string;
  readonly name?: string;
}

export interface ClassOptions extends GroupOptions {
  readonly teachers?: readonly string[];
}

export interface ActivityOptions extends GroupOptions {
  /** Default 'PORTAL'. */
  readonly notes?: string | null;
  readonly cancelled?: boolean;
  readonly classes?: readonly string[];
  readonly groups?: readonly string[];
  readonly teachers?: readonly string[];
}

export class FixtureBuilder {
  private readonly data: Rows = {
    schoolUnits: [],
    schoolUnitForms: [],
    persons: [],
    classes: [],
    classPlacements: [],
    classStaff: [],
    groups: [],
    groupMemberships: [],
    employments: [],
    activities: [],
    activityClasses: [],
    activityGroups: [],
    activityStaff: [],
  };
  private counter = 0;
  private personCount = 0;

  /** A fresh deterministic id of the given kind. */
  id(kind: keyof typeof KIND): string {
    this.counter += 1;
    return `0000000${KIND[kind]}-0000-4000-8000-${this.counter.toString(16).padStart(12, '0')}`;
  }

  /** A school_unit row and one school_unit_form row per form. Returns the unit id. */
  school(o: SchoolOptions = {}): string {
    const unitId = this.id('unit');
    const code = o.code ?? 'KRSK';
    const start = given(o.start, LONG_AGO);
    const end = given(o.end, null);
    this.data.schoolUnits.push({ unit_id: unitId, unit_code: code, name: o.name ?? `${code}-skolan`, start_date: start, end_date: end });
    for (const f of o.forms ?? ['GR']) {
      if (typeof f === 'string') this.schoolForm(unitId, { form: f, start, end });
      else this.schoolForm(unitId, f);
    }
    return unitId;
  }

  /** One more school_unit_form row for an existing unit. */
  schoolForm(unitId: string, f: SchoolFormSpec): void {
    this.data.schoolUnitForms.push({ unit_id: unitId, school_form: f.form, start_date: given(f.start, LONG_AGO), end_date: given(f.end, null) });
  }

  /** A person row only: no placement, no employment. Returns the person id. */
  person(o: PersonOptions = {}, bornIn = '19900101'): string {
    const n = this.personCount++;
    const id = o.id ?? this.id('person');
    const givenName = given(o.given, GIVEN[n % GIVEN.length]!);
    const familyName = given(o.family, FAMILY[n % FAMILY.length]!);
    const row: PersonRow = {
      person_id: id,
      given_name: givenName,
      family_name: familyName,
      personal_number: given(o.personalNumber, `${bornIn}${String(n + 1).padStart(4, '0')}`),
      email: given(o.email, `${(givenName ?? 'x').toLowerCase()}.${(familyName ?? 'x').toLowerCase()}.${n + 1}@example.se`),
      protected_identity: given(o.protectedLevel, 0),
      deregistered: o.deregistered ?? false,
      deceased: o.deceased ?? false,
    };
    this.data.persons.push(row);
    return id;
  }

  /** A person with an employment at `unit`. Returns the person id. */
  staff(o: StaffOptions): string {
    const id = this.person(o, '19800101');
    this.employment(id, o);
    return id;
  }

  /** A person with a placement in class `cls`. Returns the person id. */
  student(o: StudentOptions): string {
    const id = this.person(o, '20100315');
    this.placement(id, o);
    return id;
  }

  /** An employment row for an existing person. Returns the employment id. */
  employment(personId: string, o: Period & { readonly unit: string }): string {
    const id = this.id('employment');
    this.data.employments.push({ employment_id: id, person_id: personId, unit_id: o.unit, start_date: given(o.start, LONG_AGO), end_date: given(o.end, null) });
    return id;
  }

  /** A class placement row for an existing person. Returns the placement id. */
  placement(personId: string, o: Period & { readonly cls: string }): string {
    const id = this.id('placement');
    const cls = this.data.classes.find((c) => c.class_id === o.cls);
    this.data.classPlacements.push({
      placement_id: id,
      person_id: personId,
      class_id: o.cls,
      start_date: given(o.start, cls?.start_date ?? TERM.start),
      end_date: given(o.end, null),
    });
    return id;
  }

  class(o: ClassOptions): string {
    const id = this.id('class');
    this.data.classes.push({
      class_id: id,
      unit_id: o.unit,
      school_form: o.form ?? 'GR',
      name: o.name ?? '7B',
      start_date: given(o.start, TERM.start),
      end_date: given(o.end, TERM.end),
    });
    for (const t of o.teachers ?? []) this.classTeacher(id, t);
    return id;
  }

  classTeacher(classId: string, personId: string): void {
    this.data.classStaff.push({ class_id: classId, person_id: personId });
  }

  group(o: GroupOptions): string {
    const id = this.id('group');
    this.data.groups.push({
      group_id: id,
      unit_id: o.unit,
      school_form: o.form ?? 'GR',
      name: o.name ?? 'Sv2 åk 7',
      start_date: given(o.start, TERM.start),
      end_date: given(o.end, TERM.end),
    });
    return id;
  }

  /** A group membership; by default from the group's start date, open end. */
  member(groupId: string, personId: string, o: Period = {}): void {
    const group = this.data.groups.find((g) => g.group_id === groupId);
    this.data.groupMemberships.push({
      group_id: groupId,
      person_id: personId,
      start_date: given(o.start, group?.start_date ?? TERM.start),
      end_date: given(o.end, null),
    });
  }

  activity(o: ActivityOptions): string {
    const id = this.id('activity');
    this.data.activities.push({
      activity_id: id,
      unit_id: o.unit,
      school_form: o.form ?? 'GR',
      name: o.name ?? 'Ma 7B',
      notes: given(o.notes, 'PORTAL'),
      start_date: given(o.start, TERM.start),
      end_date: given(o.end, TERM.end),
      cancelled: o.cancelled ?? false,
    });
    for (const c of o.classes ?? []) this.data.activityClasses.push({ activity_id: id, class_id: c });
    for (const g of o.groups ?? []) this.data.activityGroups.push({ activity_id: id, group_id: g });
    for (const t of o.teachers ?? []) this.activityTeacher(id, t);
    return id;
  }

  activityTeacher(activityId: string, personId: string): void {
    this.data.activityStaff.push({ activity_id: activityId, person_id: personId });
  }

  /** Any contract row as is, for what the helpers above do not cover. */
  raw<Q extends QueryName>(query: Q, ...rows: Row<Q>[]): void {
    (this.data[query] as Row<Q>[]).push(...rows);
  }

  /** The rows as the extract stage yields them (a snapshot: later calls do not change it). */
  get rows(): SourceRows {
    const copy = {} as Rows;
    for (const q of QUERY_NAMES) (copy as Record<QueryName, readonly object[]>)[q] = this.data[q].map((r) => ({ ...r }));
    return copy;
  }

  /** The same data as a JSON fixture (what `fixtureToRows` reads), keyed by table name. */
  fixture(): Fixture {
    const out: Record<string, object[]> = {};
    for (const q of QUERY_NAMES) out[CONTRACT[q].table] = this.data[q].map((r) => ({ ...r }));
    return out as unknown as Fixture;
  }
}

/** The rule configuration the tests start from: KRSK GR, lead days 14/1, PORTAL marker, no personnummer. */
export function rules(overrides: Partial<RuleConfig> = {}): RuleConfig {
  return {
    schools: [{ unitCode: 'KRSK', schoolForm: 'GR' }],
    leadDays: { staff: 14, students: 1 },
    teachingGroups: { select: 'notesMarker' },
    exportPersonalNumber: false,
    allowPersonalNumberInEmail: false,
    requireEmail: false,
    ...overrides,
  };
}
