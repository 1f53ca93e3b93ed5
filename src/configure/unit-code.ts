/**
 * How a configured unitCode matches a ProCapita school unit: trimmed and
 * without regard to case, in every stage (rules, duplicate checks, the
 * deletion guard), so "krsk" in the configuration is ProCapita's "KRSK".
 */
export const unitCodeKey = (code: string): string => code.trim().toLowerCase();

/** A school as a key: unit code (as unitCodeKey compares it) and school form. */
export const schoolKey = (unitCode: string, schoolForm: string): string => `${unitCodeKey(unitCode)}/${schoolForm}`;
