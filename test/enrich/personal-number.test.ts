import { describe, expect, it } from 'vitest';
import { findPersonalNumbers, maskPersonalNumber, parsePersonalNumber } from '../../src/personal-number';

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

  // 20130707-0308 and its samordningsnummer 20130767-0305 (day + 60) are valid; 811228-9874 too.
  it.each([
    ['201307070308', '1307070308'],
    ['1307070308', '1307070308'],
    ['20130707-0308', '1307070308'],
    ['130707-0308', '1307070308'],
    ['130707+0308', '1307070308'],
    ['20130707 0308', '1307070308'],
    ['130707 0308', '1307070308'],
    ['20130707.0308', '1307070308'],
    ['2013.07.07-0308', '1307070308'],
    ['13.07.07-0308', '1307070308'],
    ['2013-07-07-0308', '1307070308'],
    ['2013 07 07 0308', '1307070308'],
    ['20130767-0305', '1307670305'],
    ['Anna 20130707 0308 Berg', '1307070308'],
    ['201307070308@elev.kommun.se', '1307070308'],
    ['anna.1307070308@x.se', '1307070308'],
    ['GR 7A (130707-0308)', '1307070308'],
    ['19811228-9874', '8112289874'],
    ['000229-1235', '0002291235'], // 29 February 2000
  ])('finds %s', (text, digits) => {
    expect(findPersonalNumbers(text)).toEqual([digits]);
  });

  it('finds each of several', () => {
    expect(findPersonalNumbers('130707-0308, 8112289874')).toEqual(['1307070308', '8112289874']);
  });

  it.each([
    ['20130707-0309', 'wrong check digit'],
    ['1307070309', 'wrong check digit'],
    ['0701234567', 'a mobile number without separators'],
    ['070-123 45 67', 'a mobile number'],
    ['08-123 456 78', 'a Stockholm number'],
    ['+46 70 123 45 67', 'an international number'],
    ['Sal 1234', 'a room'],
    ['GR 2026-09-01', 'a date'],
    ['2026-09-01 – 2027-06-11', 'a date range'],
    ['20260901-20270611', 'a date range without spaces'],
    ['12345678', 'a school unit code'],
    ['212013070703080', 'a longer run of digits'],
    ['2120130707-0308', 'a longer run of digits with a separator'],
    ['211307070308', 'century 21 (the last ten are valid)'],
    ['20131307-0300', 'month 13 (check digit right)'],
    ['130732-0307', 'day 32 (check digit right)'],
    ['20130229-0307', '29 February in a common year (check digit right)'],
    ['130707/0308', 'a slash is no separator'],
    ['2013.07-07-0308', 'mixed separators inside the date'],
    ['556036-0793', 'an organisationsnummer (month 60)'],
    ['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d', 'a GUID'],
  ])('does not take %s for one (%s)', (text) => {
    expect(findPersonalNumbers(text)).toEqual([]);
  });
});
