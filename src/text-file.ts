/**
 * Text files the admin saves (the configuration, the wizard's answers, a
 * fixture, the e-mail mapping table) decoded by their byte-order mark:
 * Notepad's "Unicode" and Excel's "Unicode text" are UTF-16 LE with the BOM
 * FF FE; "Unicode big endian" has FE FF; UTF-8 may have EF BB BF. Without a
 * BOM the text is UTF-8.
 */
import { readFile } from 'node:fs/promises';
import { errnoOf } from './errors';
import { safe, type SafeText } from './safe-text';

export type Decoded = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly reason: 'utf16WithoutBom' };

/** What to tell the admin about a file saved as UTF-16 without a byte-order mark. */
export const SAVE_AS_UTF8 = safe`looks like UTF-16 text without a byte-order mark. Save it as UTF-8 (in Notepad: Save as, Encoding UTF-8)`;

/** How many leading bytes the UTF-16-without-BOM guess looks at. */
const SAMPLE = 512;

/**
 * UTF-16 without a BOM, guessed: NUL in every other byte (ASCII in UTF-16
 * has a zero high byte). UTF-8 text never holds a NUL where JSON or CSV is
 * expected, so the guess cannot refuse a good file.
 */
function looksLikeUtf16(bytes: Buffer): boolean {
  const n = Math.min(bytes.length, SAMPLE) & ~1;
  if (n < 2) return false;
  let even = true;
  let odd = true;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] !== 0) even = false;
    if (bytes[i + 1] !== 0) odd = false;
  }
  return even || odd;
}

/** UTF-16 code units to text; an odd trailing byte (a cut-off file) becomes U+FFFD, so a parser stops there. */
function utf16(bytes: Buffer, bigEndian: boolean): string {
  const even = Buffer.from(bytes.subarray(0, bytes.length & ~1));
  if (bigEndian) even.swap16();
  return even.toString('utf16le') + (bytes.length % 2 === 1 ? '\uFFFD' : '');
}

/** The text of a file's bytes, by its BOM; the BOM itself is not part of the text. */
export function decodeText(bytes: Buffer): Decoded {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { ok: true, text: bytes.subarray(3).toString('utf8') };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { ok: true, text: utf16(bytes.subarray(2), false) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { ok: true, text: utf16(bytes.subarray(2), true) };
  if (looksLikeUtf16(bytes)) return { ok: false, reason: 'utf16WithoutBom' };
  return { ok: true, text: bytes.toString('utf8') };
}

/** Why a file could not be read, in words for the admin (the caller names the file and the remedy). */
export function readErrorReason(err: unknown): SafeText {
  const code = errnoOf(err);
  if (code === 'ENOENT') return safe`no such file`;
  if (code === 'EACCES' || code === 'EPERM') return safe`permission denied`;
  if (code === 'EISDIR') return safe`it is a folder`;
  return safe`cannot be read (${code})`;
}

/** Reads and decodes a text file. A read error is thrown as it comes; readErrorReason puts it in words. */
export async function readTextFile(path: string): Promise<Decoded> {
  return decodeText(await readFile(path));
}
