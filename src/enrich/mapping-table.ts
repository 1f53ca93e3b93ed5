/**
 * The e-mail mapping table: a CSV file `key,email`, where the key is a
 * ProCapita GUID or a personnummer. Swedish Excel saves it with semicolons
 * and a byte-order mark, and as "Unicode text" in UTF-16 with tabs; all are
 * fine. It is read strictly: one bad line stops the run, because a half-read
 * table would silently lose addresses; so does a table with no entries, which
 * would silently lose them all.
 */
import { parse } from 'csv-parse/sync';
import { fileErrorReason, writeFileAtomically } from '../atomic-file';
import { AppError } from '../errors';
import { readErrorReason, readTextFile, SAVE_AS_UTF8 } from '../text-file';
import type { CalendarDate } from '../extract/contract';
import { parsePersonalNumber } from '../personal-number';
import { isValidEmail } from '../email-address';
import { count, given, joined, safe, type SafeText } from '../safe-text';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface MappingTable {
  /** Lower-case GUID → address. */
  readonly byGuid: ReadonlyMap<string, string>;
  /** 12-digit personnummer → address. */
  readonly byPersonalNumber: ReadonlyMap<string, string>;
}

export interface MappingEntry {
  readonly key: string;
  readonly email: string;
}

const MAX_SHOWN = 5;

/**
 * Excel runs a cell that starts with = + - @ TAB or CR as a formula. The
 * table is written for Excel, so such a cell gets a leading ' (OWASP's
 * advice), which Excel shows as text; a cell that already starts with ' and
 * then one of those gets one more. Reading strips exactly one such '.
 */
const FORMULA_START = /^'*[=+\-@\t\r]/;
const guarded = (cell: string): string => (FORMULA_START.test(cell) ? `'${cell}` : cell);
const unguarded = (cell: string): string => (cell.startsWith("'") && FORMULA_START.test(cell) ? cell.slice(1) : cell);

/** Parses the table. Problems name the line, never a personnummer in clear, nor an address. */
export function parseMappingTable(text: string, file: string, today: CalendarDate): MappingTable {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, delimiter: [',', ';', '\t'], trim: true, columns: true, skip_empty_lines: true, info: true });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new AppError('emailMapping', safe`E-mail mapping ${given(file)} is not a readable CSV file${line ? safe` (line ${line})` : ''}: it needs the header key,email and two columns on every line.`);
  }
  if (records.length === 0) {
    // Mapping no one, it would leave every address out without a word: a file saved empty, or only the header.
    const what = text.replace(/^\uFEFF/, '').trim() === '' ? safe`is empty` : safe`has no entries, only the first line`;
    throw new AppError('emailMapping', safe`E-mail mapping ${given(file)} ${what}. It needs the header key,email and a line per person; rebuild it with "ad-mapping build", or check email.mappingFile in the configuration. Nothing was delivered.`);
  }
  const header = Object.keys(records[0]!.record);
  if (header.length !== 2 || !header.includes('key') || !header.includes('email')) {
    throw new AppError('emailMapping', safe`E-mail mapping ${given(file)}: the first line must be the header key,email.`);
  }
  const problems: SafeText[] = [];
  const byGuid = new Map<string, { email: string; line: number }>();
  const byPnr = new Map<string, { email: string; line: number }>();
  for (const { record, info } of records) {
    const line = info.lines;
    const key = unguarded(record.key ?? '');
    const email = unguarded(record.email ?? '');
    let map: Map<string, { email: string; line: number }>;
    let normalized: string;
    if (GUID.test(key)) {
      map = byGuid;
      normalized = key.toLowerCase();
    } else {
      const pnr = parsePersonalNumber(key, today);
      if (!pnr.ok) {
        problems.push(
          pnr.reason === 'format'
            ? safe`line ${line}: the key is neither a GUID nor a personnummer`
            : safe`line ${line}: the key is a personnummer with ${pnr.reason === 'date' ? 'an impossible date' : 'a wrong check digit'}`,
        );
        continue;
      }
      map = byPnr;
      normalized = pnr.normalized;
    }
    if (!isValidEmail(email)) {
      problems.push(safe`line ${line}: the e-mail address is not valid`);
      continue;
    }
    const earlier = map.get(normalized);
    if (earlier && earlier.email.toLowerCase() !== email.toLowerCase()) {
      problems.push(safe`line ${line}: the key of line ${earlier.line} again, with a different address`);
      continue;
    }
    if (!earlier) map.set(normalized, { email, line });
  }
  if (problems.length > 0) {
    const more = problems.length > MAX_SHOWN ? safe`; and ${problems.length - MAX_SHOWN} more` : '';
    throw new AppError('emailMapping', safe`E-mail mapping ${given(file)} has ${count(problems.length, 'problem')}: ${joined(problems.slice(0, MAX_SHOWN), '; ')}${more}. Fix the file; nothing was delivered.`);
  }
  const addresses = (m: Map<string, { email: string }>) => new Map([...m].map(([k, v]) => [k, v.email]));
  return { byGuid: addresses(byGuid), byPersonalNumber: addresses(byPnr) };
}

export async function readMappingTable(file: string, today: CalendarDate): Promise<MappingTable> {
  let decoded;
  try {
    decoded = await readTextFile(file);
  } catch (err) {
    throw new AppError('emailMapping', safe`E-mail mapping ${given(file)}: ${readErrorReason(err)}. Check email.mappingFile in the configuration, or build it with "ad-mapping build".`);
  }
  if (!decoded.ok) throw new AppError('emailMapping', safe`E-mail mapping ${given(file)} ${SAVE_AS_UTF8}, or as Excel's "CSV UTF-8".`);
  return parseMappingTable(decoded.text, file, today);
}

/** The table as CSV text: every cell guarded against formulas, and quoted when it holds a quote, separator or line break. */
export function formatMappingTable(entries: readonly MappingEntry[]): string {
  const cell = (v: string) => {
    const text = guarded(v);
    return /[",;\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `key,email\n${entries.map((e) => `${cell(e.key)},${cell(e.email)}\n`).join('')}`;
}

/** Writes the table atomically: a failed build leaves the old table in place. */
export async function writeMappingTable(file: string, entries: readonly MappingEntry[]): Promise<void> {
  const text = formatMappingTable(entries);
  try {
    await writeFileAtomically(file, text);
  } catch (err) {
    throw new AppError('outputFailed', safe`Cannot write the e-mail mapping ${given(file)}: ${fileErrorReason(err)}. Free space on that disk, or check the folder's permissions.`);
  }
}
