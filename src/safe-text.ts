/**
 * Text that may go into an error, a warning, a log line, a state file, the
 * heartbeat or the event log. It is built only from our own words and safe
 * parts, so that a value read from ProCapita, a fixture, a mapping table or
 * AD cannot be written into a message at all: a plain `string` does not
 * type-check as a part. docs/privacy.md explains the rule.
 */
declare const brand: unique symbol;

/** A message, or a part of one, that holds no data value. */
export type SafeText = string & { readonly [brand]: 'safe' };

/**
 * What `safe` accepts between its words: safe text, numbers, booleans, and
 * string literals written in our own code. A wide `string` (a cell, a name,
 * an e-mail address, a library's message) is refused by the compiler, and so
 * is a template literal with a string inside (`${cell}!`): its type is a
 * pattern, which a record of it shows (an index signature, not a key).
 * Only the number pattern (`${n}` of a number n) passes.
 */
type Part<T> = T extends SafeText | number | boolean | null | undefined ? T : T extends string ? (string extends T ? never : {} extends Record<T, 1> ? (T extends `${number}` ? T : never) : T) : never;

export function safe<const P extends readonly unknown[]>(words: TemplateStringsArray, ...parts: P & { readonly [K in keyof P]: Part<P[K]> }): SafeText {
  let text = words[0]!;
  for (let i = 0; i < parts.length; i++) text += String(parts[i]) + words[i + 1]!;
  return text as SafeText;
}

/**
 * Our own identifiers: table, column, query and setting names, environment
 * variable names, error codes. Never a value read from the data.
 */
export const ours = (identifier: string): SafeText => identifier as SafeText;

/**
 * What the admin typed into the configuration or on the command line: a
 * path, a host, a user name, a URL. Not from the data, so safe to repeat.
 */
export const given = (setting: string): SafeText => setting as SafeText;

/** Safe parts joined, e.g. a list of table names. */
export const joined = (parts: readonly (SafeText | number)[], separator: string): SafeText => parts.join(separator) as SafeText;

/** A string literal written in our code; a wide `string` is refused. */
type Literal<T extends string> = string extends T ? never : T;

/** n and the noun in singular or plural: "1 row", "3 rows". The nouns are our own words. */
export function count<const One extends string, const Many extends string>(n: number, one: Literal<One>, many?: Literal<Many>): SafeText {
  return `${n} ${n === 1 ? one : (many ?? `${one}s`)}` as SafeText;
}
