import type { RuleConfig } from '../configure/config';
import type { CalendarDate, SourceRows } from '../extract/contract';
import type { Decisions, Role } from './decide';

export interface RosterSchool {
  readonly id: string;
  readonly code: string;
  readonly name: string;
  readonly schoolForms: readonly string[];
}

export interface RosterPerson {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly givenName: string;
  readonly familyName: string;
  /** ProCapita's address as read; the enrich stage validates and completes it. */
  readonly email: string | null;
  /** Present only when the configuration exports personnummer. */
  readonly personalNumber?: string | null;
  readonly schoolIds: readonly string[];
}

export interface RosterGroup {
  readonly id: string;
  readonly kind: 'class' | 'teaching';
  readonly name: string;
  readonly schoolId: string;
  readonly schoolForm: string;
  readonly startDate: CalendarDate | null;
  readonly endDate: CalendarDate | null;
  readonly teacherIds: readonly string[];
  readonly studentIds: readonly string[];
}

/** What leaves the building. It holds only included things, and nothing about who was left out. */
export interface Roster {
  readonly syncDate: CalendarDate;
  readonly schools: readonly RosterSchool[];
  readonly persons: readonly RosterPerson[];
  readonly groups: readonly RosterGroup[];
}

// Shared lists: the snapshot only reads them.
const NONE: readonly string[] = Object.freeze([]);
const STUDENT: readonly Role[] = Object.freeze(['student']);
const STAFF: readonly Role[] = Object.freeze(['staff']);
const BOTH: readonly Role[] = Object.freeze(['student', 'staff']);
const NO_ROLES: readonly Role[] = Object.freeze([]);

export function buildRoster(decisions: Decisions, rows: SourceRows, rules: RuleConfig): Roster {
  const units = new Map(rows.schoolUnits.map((u) => [u.unit_id, u]));
  const forms = new Map<string, Set<string>>();
  for (const s of decisions.schools) {
    if (!s.included || s.unitId === null) continue;
    const set = forms.get(s.unitId) ?? new Set<string>();
    set.add(s.schoolForm);
    forms.set(s.unitId, set);
  }
  const schools: RosterSchool[] = [...forms]
    .map(([id, f]) => {
      const unit = units.get(id)!;
      return { id, code: unit.unit_code, name: unit.name, schoolForms: [...f].sort() };
    })
    .sort((a, b) => (a.id < b.id ? -1 : 1));

  // Filled by a loop: no pair array per person (the last row of an id stands for it, as before).
  const personRows = new Map<string, SourceRows['persons'][number]>();
  for (const p of rows.persons) personRows.set(p.person_id, p);
  const persons: RosterPerson[] = [];
  for (const d of decisions.persons) {
    if (!d.included) continue;
    const p = personRows.get(d.personId)!;
    const asStudent = d.student?.included === true;
    const asStaff = d.staff?.included === true;
    const roles = asStudent ? (asStaff ? BOTH : STUDENT) : asStaff ? STAFF : NO_ROLES;
    const fromStudent = d.student?.unitIds ?? NONE;
    const fromStaff = d.staff?.unitIds ?? NONE;
    // Most persons have one unit in one role: that list is already what the snapshot wants.
    const schoolIds =
      fromStaff.length === 0 && fromStudent.length <= 1 ? fromStudent : fromStudent.length === 0 && fromStaff.length <= 1 ? fromStaff : [...new Set([...fromStudent, ...fromStaff])].sort();
    const givenName = p.given_name ?? '';
    const familyName = p.family_name ?? '';
    persons.push(
      rules.exportPersonalNumber
        ? { id: d.personId, roles, givenName, familyName, email: p.email, personalNumber: p.personal_number, schoolIds }
        : { id: d.personId, roles, givenName, familyName, email: p.email, schoolIds },
    );
  }

  const groups: RosterGroup[] = decisions.groups
    .filter((g) => g.included)
    .map((g) => ({
      id: g.id,
      kind: g.kind,
      name: g.name,
      schoolId: g.unitId,
      schoolForm: g.schoolForm,
      startDate: g.startDate,
      endDate: g.endDate,
      teacherIds: g.teacherIds,
      studentIds: g.studentIds,
    }));

  return { syncDate: decisions.syncDate, schools, persons, groups };
}
