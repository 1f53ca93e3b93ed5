/**
 * docs/rules.md, "School": a configured (school unit, school form) pair is an
 * included school when the unit exists, is active on D, and has that form,
 * active on D. The other rules ask here whether a unit or a pair is included.
 */
import type { RuleConfig } from '../configure/config';
import { unitCodeKey } from '../configure/unit-code';
import type { SourceRows } from '../extract/contract';
import { given, safe, type SafeText } from '../safe-text';
import { activeOn, fail, pass, type Check, type Dates, type Out } from './checks';
import type { SchoolDecision } from './decisions';
import type { Reason } from './reasons';
import { groupBy } from './rows-index';

export interface IncludedSchools {
  readonly schools: SchoolDecision[];
  readonly warnings: SafeText[];
  /** Whether the unit has at least one included school form (staff are employed at units). */
  readonly unitIncluded: (unitId: string) => boolean;
  readonly pairIncluded: (unitId: string, form: string) => boolean;
  /** How checks name a unit: its code. */
  readonly unitLabel: (unitId: string) => string;
  /** Whether the (unit, form) is an included school, recording "… belongs to KRSK GR, an included school", or why not. */
  readonly schoolRule: (unitId: string, form: string, out: Out, what: string) => boolean;
}

export function decideSchools(rows: SourceRows, rules: RuleConfig, dates: Dates): IncludedSchools {
  const { D } = dates;
  const unitsById = new Map(rows.schoolUnits.map((u) => [u.unit_id, u]));
  // Unit codes compare trimmed and without regard to case, as the deletion guard and the configuration's duplicate check do.
  const unitsByCode = groupBy(rows.schoolUnits, (u) => unitCodeKey(u.unit_code));
  const formRows = groupBy(rows.schoolUnitForms, (f) => f.unit_id);
  const schools: SchoolDecision[] = [];
  const warnings: SafeText[] = [];
  // The included forms of each unit with at least one: a handful per unit.
  const includedForms = new Map<string, string[]>();

  for (const configured of rules.schools) {
    // A school unit with the configured unitCode exists (otherwise school-not-found, and a warning).
    const units = unitsByCode.get(unitCodeKey(configured.unitCode)) ?? [];
    if (units.length === 0) {
      warnings.push(safe`Configured school unit ${given(configured.unitCode)} (${given(configured.schoolForm)}) was not found in ProCapita.`);
      schools.push({
        unitCode: configured.unitCode,
        schoolForm: configured.schoolForm,
        unitId: null,
        included: false,
        reason: 'school-not-found',
        checks: [fail(`no school unit with code ${configured.unitCode} in ProCapita`)],
      });
      continue;
    }
    for (const unit of units) {
      const label = `${unit.name} (${unit.unit_code})`;
      const checks: Check[] = [pass(`${unit.unit_code} ${configured.schoolForm} is in the configured school list`)];
      let reason: Reason | undefined;
      // The unit is active on D (school-unit-inactive).
      if (!activeOn(dates, unit.start_date, unit.end_date, checks, `school unit ${label}`)) reason = 'school-unit-inactive';
      // The unit has that school form (school-form-missing), and the form is active on D (school-form-inactive).
      const forms = (formRows.get(unit.unit_id) ?? []).filter((f) => f.school_form === configured.schoolForm);
      if (forms.length === 0) {
        checks.push(fail(`${label} has no school form ${configured.schoolForm} in ProCapita`));
        reason ??= 'school-form-missing';
      } else {
        const formChecks = forms.map((f) => {
          const out: Check[] = [];
          activeOn(dates, f.start_date, f.end_date, out, `school form ${configured.schoolForm} at ${unit.unit_code}`);
          return out[0]!;
        });
        const active = formChecks.find((c) => c.ok);
        checks.push(active ?? formChecks[0]!);
        if (!active) reason ??= 'school-form-inactive';
      }
      if (reason === undefined) {
        const included = includedForms.get(unit.unit_id);
        if (!included) includedForms.set(unit.unit_id, [configured.schoolForm]);
        else if (!included.includes(configured.schoolForm)) included.push(configured.schoolForm);
      }
      schools.push({
        unitCode: unit.unit_code,
        schoolForm: configured.schoolForm,
        unitId: unit.unit_id,
        included: reason === undefined,
        ...(reason ? { reason } : {}),
        checks,
      });
    }
  }

  const unitLabel = (unitId: string): string => unitsById.get(unitId)?.unit_code ?? `unit ${unitId}`;
  const pairIncluded = (unitId: string, form: string): boolean => includedForms.get(unitId)?.includes(form) ?? false;
  return {
    schools,
    warnings,
    unitIncluded: (unitId) => includedForms.has(unitId),
    pairIncluded,
    unitLabel,
    schoolRule: (unitId, form, out, what) => {
      const included = pairIncluded(unitId, form);
      if (out) {
        out.push(
          included
            ? pass(`${what} belongs to ${unitLabel(unitId)} ${form}, an included school`)
            : fail(`${what} belongs to ${unitLabel(unitId)} ${form}, which is not an included school (not configured, or not active on ${D})`),
        );
      }
      return included;
    },
  };
}
