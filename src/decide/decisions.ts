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

/** A RoleDecision that makes its checks when they are read. */
export class DecidedRole implements RoleDecision {
  readonly #rules: Explains<DecidedRole>;
  readonly #at: number;

  constructor(
    readonly included: boolean,
    readonly reason: Reason | undefined,
    readonly unitIds: readonly string[],
    rules: Explains<DecidedRole>,
    at: number,
  ) {
    this.#rules = rules;
    this.#at = at;
  }

  get checks(): readonly Check[] {
    return this.#rules.checks(this.#at, this);
  }

  /** What JSON shows of it (the golden records hash the decisions): the fields of a RoleDecision, checks included. */
  toJSON(): RoleDecision {
    const { included, reason, checks, unitIds } = this;
    return reason ? { included, reason, checks, unitIds } : { included, checks, unitIds };
  }
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

/** A GroupDecision that makes its checks when they are read. */
export class DecidedGroup implements GroupDecision {
  readonly #rules: Explains<DecidedGroup>;
  readonly #at: number;
  /** A field, not a getter: a copy made by spreading keeps it. */
  readonly included: boolean;

  constructor(
    readonly kind: 'class' | 'teaching',
    readonly id: string,
    readonly name: string,
    readonly unitId: string,
    readonly schoolForm: string,
    readonly startDate: CalendarDate | null,
    readonly endDate: CalendarDate | null,
    readonly reason: Reason | undefined,
    readonly teacherIds: readonly string[],
    readonly studentIds: readonly string[],
    readonly studentsFrom: CalendarDate | null,
    rules: Explains<DecidedGroup>,
    at: number,
  ) {
    this.#rules = rules;
    this.#at = at;
    this.included = reason === undefined;
  }

  get checks(): readonly Check[] {
    return this.#rules.checks(this.#at, this);
  }

  /** What JSON shows of it: the fields of a GroupDecision, in their order, checks included. */
  toJSON(): GroupDecision {
    const { kind, id, name, unitId, schoolForm, startDate, endDate, included, reason, checks, teacherIds, studentIds, studentsFrom } = this;
    return reason
      ? { kind, id, name, unitId, schoolForm, startDate, endDate, included, reason, checks, teacherIds, studentIds, studentsFrom }
      : { kind, id, name, unitId, schoolForm, startDate, endDate, included, checks, teacherIds, studentIds, studentsFrom };
  }
}

export interface Decisions {
  readonly syncDate: CalendarDate;
  readonly schools: readonly SchoolDecision[];
  readonly persons: readonly PersonDecision[];
  readonly groups: readonly GroupDecision[];
  /** Things an admin should look at. Never names a person. */
  readonly warnings: readonly SafeText[];
}
