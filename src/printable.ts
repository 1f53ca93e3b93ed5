/**
 * Text from the data on its way to a person: a terminal, review.txt, the
 * wizard. A name may hold control characters, terminal escape sequences
 * (which can recolour, retitle or rewrite a terminal) or bidi overrides
 * (which reorder what is shown). Shown, they are escaped; in the snapshot,
 * removed (src/decide/clean-names.ts). Here at the root, not in report/,
 * because guard/ and enrich/ print data too.
 */

/** C0 and C1 controls, DEL, line and paragraph separators, and the bidi marks, embeddings, overrides and isolates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const HAS_UNSAFE = new RegExp(UNSAFE.source);

/** A terminal escape sequence: CSI (ESC [ … final byte), OSC (ESC ] … BEL or ESC \), or ESC and one more character; and their C1 forms. */
const ESCAPE_SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u007e]?/g;

/** Control characters that stand for white space: one space each in a cleaned name. */
const SPACING = /[\t\n\u000b\u000c\r\u0085\u2028\u2029]/g;

const escaped = (c: string): string => {
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

/** The text with every control character, escape and bidi control shown as a visible escape: ESC as `\x1b`, U+202E as `\u{202e}`. */
export function printable(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/**
 * The text without escape sequences, control characters and bidi controls:
 * white-space controls become a space, the rest go. A text that held none
 * comes back as it was, to the character.
 */
export function withoutUnsafeCharacters(text: string): string {
  if (!HAS_UNSAFE.test(text)) return text;
  return text.replace(ESCAPE_SEQUENCE, '').replace(SPACING, ' ').replace(UNSAFE, '').replace(/ {2,}/g, ' ').trim();
}
