/** What the rules decide: one decision per configured school, person and group, with the checks that decided it. */
import type { CalendarDate } from '../extract/contract';
import type { SafeText } from '../safe-text';
import type { Check } from './checks';
import type { Reason } from './reasons';

export type { Check } from './checks';

/**
 * How a role's or a group's checks are made when they are read: the rules of
 * its section run again for that one thing, with a list to record into
 * (src/decide/checks.ts). `at` is the person's or the group's row position.
 */
export interface Explains<D> {
  checks(at: number, decision: D): Check[];
}

export type Role = 'student' | 'staff';

export interface SchoolDecision {
  readonly unitCode: string;
  readonly schoolForm: string;
  /** Null when no unit with this code exists in ProCapita. */
  readonly unitId: string | null;
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
}

export interface RoleDecision {
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
  /** Units the person belongs to in this role. */
  readonly unitIds: readonly string[];
}

export interface PersonDecision {
  readonly personId: string;
  /** Any protected-identity level but 0, unknown included. Such a person is shown by GUID only. */
  readonly protected: boolean;
  readonly included: boolean;
  /** Set when the person is left out as a whole: protected, or neither student nor staff. */
  readonly reason?: Reason;
  /** Present when the person has class placements. */
  readonly student?: RoleDecision;
  /** Present when the person has employments. */
  readonly staff?: RoleDecision;
}

export interface GroupDecision {
  readonly kind: 'class' | 'teaching';
  readonly id: string;
  readonly name: string;
  readonly unitId: string;
  readonly schoolForm: string;
  readonly startDate: CalendarDate | null;
  readonly endDate: CalendarDate | null;
  readonly included: boolean;
  readonly reason?: Reason;
  readonly checks: readonly Check[];
  readonly teacherIds: readonly string[];
  readonly studentIds: readonly string[];
  /** When students join: start − the student lead time. Null when the group has no start date. */
  readonly studentsFrom: CalendarDate | null;
}


/*
 * The decisions decide() makes hold their checks as a way to make them: a
 * getter on a shared prototype, and the two values it needs (`explains`, the
 * section's rules, and `at`, the row position). They are object literals with
 * that prototype: V8 makes 200,000 literals several times faster than
 * instances of a class (it allocates them where long-lived objects go, so the
 * young generation's collector does not copy them). toJSON gives what JSON
 * shows (the golden records hash it): the interface's fields in their order,
 * checks included. A copy made by spreading has no getters: give it what it
 * needs, as the tests' hooks do.
 */

interface Made<D> {
  readonly explains: Explains<D>;
  readonly at: number;
}

const ROLE = {
  get checks(): readonly Check[] {
    const self = this as unknown as RoleDecision & Made<RoleDecision>;
    return self.explains.checks(self.at, self);
  },
  toJSON(): RoleDecision {
    const { included, reason, checks, unitIds } = this as unknown as RoleDecision;
    return reason ? { included, reason, checks, unitIds } : { included, checks, unitIds };
  },
};

/** A RoleDecision whose checks `explains` makes for the person at row position `at`. */
export function roleDecision(reason: Reason | undefined, unitIds: readonly string[], explains: Explains<RoleDecision>, at: number): RoleDecision {
  return { __proto__: ROLE, included: reason === undefined, reason, unitIds, explains, at } as unknown as RoleDecision;
}

const GROUP = {
  get checks(): readonly Check[] {
    const self = this as unknown as GroupDecision & Made<GroupDecision>;
    return self.explains.checks(self.at, self);
  },
  toJSON(): GroupDecision {
    const { kind, id, name, unitId, schoolForm, startDate, endDate, included, reason, checks, teacherIds, studentIds, studentsFrom } = this as unknown as GroupDecision;
    return reason
      ? { kind, id, name, unitId, schoolForm, startDate, endDate, included, reason, checks, teacherIds, studentIds, studentsFrom }
      : { kind, id, name, unitId, schoolForm, startDate, endDate, included, checks, teacherIds, studentIds, studentsFrom };
  },
};

/** A GroupDecision whose checks `explains` makes for row position `at`. */
export function groupDecision(
  kind: 'class' | 'teaching',
  row: { readonly name: string; readonly unit_id: string; readonly school_form: string; readonly start_date: CalendarDate | null; readonly end_date: CalendarDate | null },
  id: string,
  reason: Reason | undefined,
  teacherIds: readonly string[],
  studentIds: readonly string[],
  studentsFrom: CalendarDate | null,
  explains: Explains<GroupDecision>,
  at: number,
): GroupDecision {
  return {
    __proto__: GROUP,
    kind,
    id,
    name: row.name,
    unitId: row.unit_id,
    schoolForm: row.school_form,
    startDate: row.start_date,
    endDate: row.end_date,
    included: reason === undefined,
    reason,
    teacherIds,
    studentIds,
    studentsFrom,
    explains,
    at,
  } as unknown as GroupDecision;
}

export interface Decisions {
  readonly syncDate: CalendarDate;
  readonly schools: readonly SchoolDecision[];
  readonly persons: readonly PersonDecision[];
  readonly groups: readonly GroupDecision[];
  /** Things an admin should look at. Never names a person. */
  readonly warnings: readonly SafeText[];
}
