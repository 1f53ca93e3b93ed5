/**
 * A small seeded pseudo-random generator for the demo data: mulberry32
 * (a 32-bit Weyl sequence with an output mix). No Math.random, no clock:
 * the same seed gives the same numbers on every machine and Node version.
 */

/** FNV-1a of `seed:salt`, so that each purpose (ids, data) gets its own stream. */
export function streamSeed(seed: number, salt: string): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}:${salt}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32 bits (mulberry32). */
  uint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.uint32() / 4_294_967_296;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Removes and returns a random element (order of the rest changes). */
  take<T>(items: T[]): T | undefined {
    if (items.length === 0) return undefined;
    const i = Math.floor(this.next() * items.length);
    const item = items[i]!;
    items[i] = items[items.length - 1]!;
    items.pop();
    return item;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t;
    }
    return items;
  }

  /** A value from weighted choices. */
  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let total = 0;
    for (const c of choices) total += c[1];
    let r = this.next() * total;
    for (const c of choices) {
      r -= c[1];
      if (r < 0) return c[0];
    }
    return choices[choices.length - 1]![0];
  }

  /** A lowercase, version-4 shaped GUID: xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx. */
  guid(): string {
    const a = hex8(this.uint32());
    const b = hex8(((this.uint32() & 0xffff0fff) | 0x00004000) >>> 0);
    const c = hex8(((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0);
    const d = hex8(this.uint32());
    return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return HEX[n >>> 24]! + HEX[(n >>> 16) & 0xff]! + HEX[(n >>> 8) & 0xff]! + HEX[n & 0xff]!;
}
