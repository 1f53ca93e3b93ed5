/**
 * The column contract: the named queries the extract stage runs and the
 * exact columns each returns. The rules read only these rows, so a site
 * with another ProCapita version swaps a query, never the code.
 * docs/procapita-schema.md documents the same table; a test keeps the two in step.
 */

import { given, safe, type SafeText } from '../safe-text';

/** `?` marks a column that may be NULL. */
export type ColumnType = 'id' | 'text' | 'text?' | 'date?' | 'int?' | 'bit';

interface QuerySpec {
  /** The table of our schema model that the default query reads. */
  readonly table: string;
  readonly columns: Readonly<Record<string, ColumnType>>;
}

export const CONTRACT = {
  schoolUnits: {
    table: 'school_unit',
    columns: { unit_id: 'id', unit_code: 'text', name: 'text', start_date: 'date?', end_date: 'date?' },
  },
  schoolUnitForms: {
    table: 'school_unit_form',
    columns: { unit_id: 'id', school_form: 'text', start_date: 'date?', end_date: 'date?' },
  },
  persons: {
    table: 'person',
    columns: {
      person_id: 'id',
      given_name: 'text?',
      family_name: 'text?',
      personal_number: 'text?',
      email: 'text?',
      protected_identity: 'int?',
      deregistered: 'bit',
      deceased: 'bit',
    },
  },
  classes: {
    table: 'school_class',
    columns: { class_id: 'id', unit_id: 'id', school_form: 'text', name: 'text', start_date: 'date?', end_date: 'date?' },
  },
  classPlacements: {
    table: 'class_placement',
    columns: { placement_id: 'id', person_id: 'id', class_id: 'id', start_date: 'date?', end_date: 'date?' },
  },
  classStaff: {
    table: 'class_staff',
    columns: { class_id: 'id', person_id: 'id' },
  },
  groups: {
    table: 'student_group',
    columns: { group_id: 'id', unit_id: 'id', school_form: 'text', name: 'text', start_date: 'date?', end_date: 'date?' },
  },
  groupMemberships: {
    table: 'group_membership',
    columns: { group_id: 'id', person_id: 'id', start_date: 'date?', end_date: 'date?' },
  },
  employments: {
    table: 'employment',
    columns: { employment_id: 'id', person_id: 'id', unit_id: 'id', start_date: 'date?', end_date: 'date?' },
  },
  activities: {
    table: 'activity',
    columns: {
      activity_id: 'id',
      unit_id: 'id',
      school_form: 'text',
      name: 'text',
      notes: 'text?',
      start_date: 'date?',
      end_date: 'date?',
      cancelled: 'bit',
    },
  },
  activityClasses: {
    table: 'activity_class',
    columns: { activity_id: 'id', class_id: 'id' },
  },
  activityGroups: {
    table: 'activity_group',
    columns: { activity_id: 'id', group_id: 'id' },
  },
  activityStaff: {
    table: 'activity_staff',
    columns: { activity_id: 'id', person_id: 'id' },
  },
} as const satisfies Record<string, QuerySpec>;

export type QueryName = keyof typeof CONTRACT;
export const QUERY_NAMES = Object.keys(CONTRACT) as QueryName[];

/** Where a query's rows come from, for messages: the site's own query file, or the table our default query reads. */
export const queryPlace = (query: QueryName, file: string | undefined): SafeText =>
  file ? safe`Query ${query} (${given(file)})` : safe`ProCapita table ${CONTRACT[query].table}`;

/** A calendar date, `YYYY-MM-DD`. Plain strings compare in date order. */
export type CalendarDate = string;

type ValueOf<T> = T extends 'id' | 'text'
  ? string
  : T extends 'text?'
    ? string | null
    : T extends 'date?'
      ? CalendarDate | null
      : T extends 'int?'
        ? number | null
        : T extends 'bit'
          ? boolean
          : never;

export type Row<Q extends QueryName> = {
  readonly [C in keyof (typeof CONTRACT)[Q]['columns']]: ValueOf<(typeof CONTRACT)[Q]['columns'][C]>;
};

/** Everything the rules read: one array of contract rows per named query. */
export type SourceRows = { readonly [Q in QueryName]: readonly Row<Q>[] };

export type SchoolUnitRow = Row<'schoolUnits'>;
export type SchoolUnitFormRow = Row<'schoolUnitForms'>;
export type PersonRow = Row<'persons'>;
export type ClassRow = Row<'classes'>;
export type ClassPlacementRow = Row<'classPlacements'>;
export type GroupRow = Row<'groups'>;
export type GroupMembershipRow = Row<'groupMemberships'>;
export type EmploymentRow = Row<'employments'>;
export type ActivityRow = Row<'activities'>;

/** School-type codes used by Tietoevry's ProCapita API contracts. */
export const SCHOOL_FORMS = ['PC', 'FS', 'F', 'FK', 'GR', 'S', 'GY', 'GS', 'SF', 'SV', 'KV', 'YH'] as const;
export type SchoolForm = (typeof SCHOOL_FORMS)[number];
