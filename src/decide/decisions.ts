/** What the rules decide: one decision per configured school, person and group, with the checks that decided it. */
import type { CalendarDate } from '../extract/contract';
import type { SafeText } from '../safe-text';
import type { Check } from './checks';
import type { Reason } from './reasons';

export type { Check } from './checks';

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

export interface Decisions {
  readonly syncDate: CalendarDate;
  readonly schools: readonly SchoolDecision[];
  readonly persons: readonly PersonDecision[];
  readonly groups: readonly GroupDecision[];
  /** Things an admin should look at. Never names a person. */
  readonly warnings: readonly SafeText[];
}
