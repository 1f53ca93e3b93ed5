import { describe, expect, it } from 'vitest';
import { printable, withoutUnsafeCharacters } from '../../src/printable';

describe('printable: data shown to a person', () => {
  it.each([
    ['Anna Berg', 'Anna Berg'],
    ['Åsa Öberg-Ängel', 'Åsa Öberg-Ängel'],
    ['Röd\u001b[31m', 'Röd\\x1b[31m'],
    ['\u001b]0;titel\u0007x', '\\x1b]0;titel\\x07x'],
    ['\u001b]8;;https://x.example\u001b\\länk', '\\x1b]8;;https://x.example\\x1b\\länk'],
    ['a\rb\nc\td', 'a\\x0db\\x0ac\\x09d'],
    ['nul\u0000del\u007f', 'nul\\x00del\\x7f'],
    ['c1\u009b31m\u0085', 'c1\\x9b31m\\x85'],
    ['\u202eevil', '\\u{202e}evil'],
    ['\u202a\u202b\u202c\u202d', '\\u{202a}\\u{202b}\\u{202c}\\u{202d}'],
    ['\u2066\u2067\u2068\u2069', '\\u{2066}\\u{2067}\\u{2068}\\u{2069}'],
    ['\u200e\u200f\u061c', '\\u{200e}\\u{200f}\\u{61c}'],
    ['\u2028\u2029', '\\u{2028}\\u{2029}'],
  ])('%j → %s', (text, shown) => {
    expect(printable(text)).toBe(shown);
  });

  it('is idempotent: what it shows holds nothing more to escape', () => {
    const once = printable('\u001b[31m\u202e\r');
    expect(printable(once)).toBe(once);
  });
});

describe('withoutUnsafeCharacters: names in the snapshot', () => {
  it.each([
    ['Anna  Berg ', 'Anna  Berg '], // untouched: nothing to remove, so not even the spacing changes
    ['\u001b[31mRöd\u001b[0m', 'Röd'],
    ['\u001b[1;31;48;5;196mRöd', 'Röd'],
    ['\u001b]0;titel\u0007Anna', 'Anna'],
    ['\u001b]8;;https://x.example\u001b\\Anna\u001b]8;;\u001b\\', 'Anna'],
    ['\u009b31mAnna', 'Anna'],
    ['Anna\u001bc', 'Anna'],
    ['Anna\tKarin', 'Anna Karin'],
    ['Anna\r\nKarin', 'Anna Karin'],
    ['Berg\r', 'Berg'],
    ['\u202eBerg\u202c', 'Berg'],
    ['\u2066Berg\u2069 \u200fÅ', 'Berg Å'],
    ['An\u0000na\u007f', 'Anna'],
    ['\u001b[31m', ''],
  ])('%j → %j', (text, cleaned) => {
    expect(withoutUnsafeCharacters(text)).toBe(cleaned);
  });
});
