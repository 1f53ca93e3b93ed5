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

  const personRows = new Map(rows.persons.map((p) => [p.person_id, p]));
  const persons: RosterPerson[] = decisions.persons
    .filter((d) => d.included)
    .map((d) => {
      const p = personRows.get(d.personId)!;
      const roles: Role[] = [];
      if (d.student?.included) roles.push('student');
      if (d.staff?.included) roles.push('staff');
      const schoolIds = [...new Set([...(d.student?.unitIds ?? []), ...(d.staff?.unitIds ?? [])])].sort();
      return {
        id: d.personId,
        roles,
        givenName: p.given_name ?? '',
        familyName: p.family_name ?? '',
        email: p.email,
        ...(rules.exportPersonalNumber ? { personalNumber: p.personal_number } : {}),
        schoolIds,
      };
    });

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
