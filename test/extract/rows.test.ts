import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { isCalendarDate, toContractRows } from '../../src/extract/rows';
import { parseJson } from '../../src/json-file';
import { ours } from '../../src/safe-text';

const person = {
  person_id: 'ABCDEF00-1111-4222-8333-444455556666',
  given_name: 'Anna',
  family_name: 'Svensson',
  personal_number: '201003151234',
  email: null,
  protected_identity: 0,
  deregistered: 0,
  deceased: false,
  extra_column: 'ignored',
};

function failure(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a failure');
}

describe('contract rows', () => {
  it('projects onto the contract columns: ids lower-cased, bits from 0/1, extra columns dropped', () => {
    expect(toContractRows('persons', [person], ours('test'))).toEqual([
      { person_id: 'abcdef00-1111-4222-8333-444455556666', given_name: 'Anna', family_name: 'Svensson', personal_number: '201003151234', email: null, protected_identity: 0, deregistered: false, deceased: false },
    ]);
  });

  it('takes the UTC-midnight Date objects mssql returns for DATE columns', () => {
    const [row] = toContractRows('classPlacements', [{ placement_id: 7, person_id: 'p', class_id: 'c', start_date: new Date(Date.UTC(2026, 7, 17)), end_date: null }], ours('test'));
    expect(row).toEqual({ placement_id: '7', person_id: 'p', class_id: 'c', start_date: '2026-08-17', end_date: null });
  });

  it.each([
    [{ ...person, deceased: 2 }, 'test, row 1, column deceased: expected a bit (true/false or 0/1) (found number)'],
    [{ ...person, protected_identity: 1.5 }, 'test, row 1, column protected_identity: expected a whole number (found number)'],
    [{ ...person, person_id: null }, 'test, row 1, column person_id: expected a value (NULL is not allowed)'],
    [{ ...person, given_name: 201003151234 }, 'test, row 1, column given_name: expected text (found number)'],
  ])('refuses a wrong type with exit code 5: %j', (row, message) => {
    const err = failure(() => toContractRows('persons', [row], ours('test')));
    expect(err.exitCode).toBe(5);
    expect(err.message).toBe(message);
  });

  it('refuses an impossible date', () => {
    const err = failure(() => toContractRows('classes', [{ class_id: 'c', unit_id: 'u', school_form: 'GR', name: '7B', start_date: '2026-02-30', end_date: null }], ours('test')));
    expect(err.message).toBe('test, row 1, column start_date: expected a date YYYY-MM-DD (found text that is not a calendar date)');
  });

  it.each([
    ['2026-08-20', true],
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-8-20', false],
    ['20260820', false],
  ])('isCalendarDate(%s) is %s', (text, expected) => {
    expect(isCalendarDate(text)).toBe(expected);
  });
});

describe('parseJson', () => {
  it('reports line and column without quoting the text, which may hold personal data', () => {
    const err = failure(() => parseJson('{"a": "Anna 201003151234" }}', ours('File x'), 'config'));
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe('File x is not valid JSON: more text after the end at line 1, column 28.');
    const err2 = failure(() => parseJson('{"name": Anna 201003151234}', ours('File y'), 'schemaMismatch'));
    // V8 would say "Unexpected token 'A', …": even one character of the text is not repeated.
    expect(err2.message).toBe('File y is not valid JSON: a character that does not belong there at line 1, column 10.');
    expect(err2.exitCode).toBe(5);
  });

  it('accepts a byte-order mark', () => {
    expect(parseJson('\uFEFF{"a":1}', ours('x'), 'config')).toEqual({ a: 1 });
  });
});
