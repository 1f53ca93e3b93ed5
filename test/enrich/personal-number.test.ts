import { describe, expect, it } from 'vitest';
import { maskPersonalNumber, parsePersonalNumber } from '../../src/personal-number';

const TODAY = '2026-09-01';

describe('personnummer', () => {
  it.each([
    ['201302010044', '201302010044', false],
    ['20130201-0044', '201302010044', false],
    ['1302010044', '201302010044', false],
    ['130201-0044', '201302010044', false],
    ['130201+0044', '191302010044', false], // + means 100 years or older
    ['260831-0005', '202608310005', false], // yesterday: this century
    ['260902-0009', '192609020009', false], // a date after today in a 10-digit form: the previous century
    ['19811228-9874', '198112289874', false],
    ['811288-9863', '198112889863', true], // samordningsnummer: day 28 + 60
  ])('%s → %s (samordningsnummer: %s)', (text, normalized, coordination) => {
    expect(parsePersonalNumber(text, TODAY)).toEqual({ ok: true, normalized, coordination });
  });

  it.each([
    ['20130201-0045', 'check digit'],
    ['20130230-0046', 'date'],
    ['811292-9863', 'date'], // day 92 − 60 = 32
    ['2013-02-01', 'format'],
    ['abc', 'format'],
    ['2013020100441', 'format'],
  ])('%s is refused: %s', (text, reason) => {
    expect(parsePersonalNumber(text, TODAY)).toEqual({ ok: false, reason });
  });

  it('masks as YYYYMMDD-****', () => {
    expect(maskPersonalNumber('201302010044')).toBe('20130201-****');
    expect(maskPersonalNumber('20130201-0044')).toBe('20130201-****');
    expect(maskPersonalNumber('130201-0044')).toBe('130201-****');
  });
});
