import type { RuleConfig } from '../configure/config';
import { unitCodeKey } from '../configure/unit-code';
import type { CalendarDate, SourceRows } from '../extract/contract';

/** One school form at one school unit, as ProCapita has it: what the setup wizard lists to pick from. */
export interface SchoolFormOverview {
  readonly unitId: string;
  readonly unitCode: string;
  readonly name: string;
  readonly schoolForm: string;
  /** The unit's dates. */
  readonly unitStart: CalendarDate | null;
  readonly unitEnd: CalendarDate | null;
  /** The school form's dates at this unit (the widest, when ProCapita has more than one period). */
  readonly formStart: CalendarDate | null;
  readonly formEnd: CalendarDate | null;
  /** Both the unit and the school form are active on the sync date. */
  readonly active: boolean;
  /** Distinct students with a class placement active on the sync date, in a class of this unit and form. */
  readonly students: number;
}

const activeOn = (date: CalendarDate, start: CalendarDate | null, end: CalendarDate | null): boolean => start !== null && start <= date && (end === null || end >= date);

/**
 * Every (school unit, school form) pair in ProCapita with its dates and a
 * count of students, sorted by unit code and form. Pure; counts only, no
 * names of persons, so it can be shown to whoever runs the setup.
 */
export function schoolOverview(rows: Pick<SourceRows, 'schoolUnits' | 'schoolUnitForms' | 'classes' | 'classPlacements'>, syncDate: CalendarDate): SchoolFormOverview[] {
  const units = new Map(rows.schoolUnits.map((u) => [u.unit_id, u]));
  const classes = new Map(rows.classes.map((c) => [c.class_id, c]));
  const students = new Map<string, Set<string>>();
  for (const p of rows.classPlacements) {
    if (!activeOn(syncDate, p.start_date, p.end_date)) continue;
    const c = classes.get(p.class_id);
    if (!c) continue;
    const key = `${c.unit_id}|${c.school_form}`;
    const set = students.get(key) ?? new Set<string>();
    set.add(p.person_id);
    students.set(key, set);
  }

  const pairs = new Map<string, { unitId: string; schoolForm: string; periods: { start: CalendarDate | null; end: CalendarDate | null }[] }>();
  for (const f of rows.schoolUnitForms) {
    if (!units.has(f.unit_id)) continue;
    const key = `${f.unit_id}|${f.school_form}`;
    const pair = pairs.get(key) ?? { unitId: f.unit_id, schoolForm: f.school_form, periods: [] };
    pair.periods.push({ start: f.start_date, end: f.end_date });
    pairs.set(key, pair);
  }

  const list: SchoolFormOverview[] = [];
  for (const [key, pair] of pairs) {
    const unit = units.get(pair.unitId)!;
    const starts = pair.periods.map((p) => p.start);
    const ends = pair.periods.map((p) => p.end);
    const formStart = starts.includes(null) ? null : [...(starts as string[])].sort()[0]!;
    const formEnd = ends.includes(null) ? null : [...(ends as string[])].sort().at(-1)!;
    list.push({
      unitId: pair.unitId,
      unitCode: unit.unit_code,
      name: unit.name,
      schoolForm: pair.schoolForm,
      unitStart: unit.start_date,
      unitEnd: unit.end_date,
      formStart,
      formEnd,
      active: activeOn(syncDate, unit.start_date, unit.end_date) && pair.periods.some((p) => activeOn(syncDate, p.start, p.end)),
      students: students.get(key)?.size ?? 0,
    });
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return list.sort((a, b) => byText(a.unitCode.toLowerCase(), b.unitCode.toLowerCase()) || byText(a.schoolForm, b.schoolForm) || byText(a.unitId, b.unitId));
}

/**
 * School units and forms active on the sync date, with students placed in their classes, that the
 * configuration does not name: a new school, noticed before it shows only as "placement-school-not-included".
 */
export function unconfiguredWithStudents(rows: Parameters<typeof schoolOverview>[0], rules: Pick<RuleConfig, 'schools'>, syncDate: CalendarDate): SchoolFormOverview[] {
  const configured = new Set(rules.schools.map((s) => `${unitCodeKey(s.unitCode)}|${s.schoolForm}`));
  return schoolOverview(rows, syncDate).filter((f) => f.active && f.students > 0 && !configured.has(`${unitCodeKey(f.unitCode)}|${f.schoolForm}`));
}
