import { describe, expect, it } from 'vitest';
import { keyOrder } from '../../src/decide/rows-index';

/** The order sorting by `<` gives, ties by position: what keyOrder must equal. */
const byCompare = (keys: readonly string[]) => keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));

/** A small deterministic generator, so that a failure can be run again. */
function random(seed: number) {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
}
const hex = (r: () => number, n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 16)]).join('');
const guid = (r: () => number) => `${hex(r, 8)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 4)}-${hex(r, 12)}`;

describe('keyOrder: ids in the order the roster lists them', () => {
  it('sorts GUIDs, also those whose first eight digits tie, as string comparison does', () => {
    const r = random(7);
    const keys = Array.from({ length: 5000 }, () => guid(r));
    // Ties on the first eight digits, and whole repeats: the full key, then the position, decides.
    for (let i = 0; i < 300; i++) keys.push(`${keys[i]!.slice(0, 9)}${guid(r).slice(9)}`, keys[i + 1]!);
    expect(Array.from(keyOrder(keys))).toEqual(byCompare(keys));
  });

  it('sorts ids that are not lowercase GUIDs (upper case, short, other characters, empty) as string comparison does', () => {
    const r = random(11);
    const keys = [
      ...Array.from({ length: 2000 }, () => guid(r).toUpperCase()),
      ...Array.from({ length: 500 }, () => guid(r)),
      ...Array.from({ length: 500 }, (_, i) => `p${i % 97}`),
      'ÅÄÖ-elev',
      '',
      'zzzzzzzz',
      '00000000',
    ];
    expect(Array.from(keyOrder(keys))).toEqual(byCompare(keys));
  });

  it('sorts GUIDs that run through the whole range of 32-bit prefixes', () => {
    const keys = ['ffffffff-0000', '00000000-ffff', '80000000-0000', '7fffffff-ffff', 'ffffffff-0000', '0000000a-0000', '00000009-0000'];
    expect(Array.from(keyOrder(keys))).toEqual(byCompare(keys));
  });
});
