/**
 * Everyone and everything left out, as a CSV file that Swedish Excel opens
 * as it is: UTF-8 with a byte order mark, semicolons, CRLF. A cell that a
 * spreadsheet would take for a formula is made text. Pure.
 */
import type { Messages } from '../messages';
import { maskPersonalNumbersIn } from '../personal-number';
import type { Reason } from '../decide/reasons';
import type { LeftOutEntry, LeftOutKind } from './left-out';

/** Excel, LibreOffice and Google Sheets run a cell that starts with one of these as a formula (OWASP: CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: a personnummer in it masked (as on the report's page), formulas made text, quoted when it must be. */
export function csvCell(value: string): string {
  // Line breaks would split a row for the many readers that do not follow RFC 4180's quoting.
  let text = maskPersonalNumbersIn(value).replace(/[\r\n]+/g, ' ');
  if (FORMULA_START.test(value)) text = `'${text}`;
  return /[;"\s]/.test(text) || text !== value ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line, in the report's language. */
export const leftOutCsvHeader = (m: Messages): string => `\ufeff${m.report.csvHeader.map(csvCell).join(';')}\r\n`;

/** One entry's line. The first three cells are our own words and codes; the others come from ProCapita. */
export function leftOutCsvLine(kind: LeftOutKind, reason: Reason, e: LeftOutEntry, m: Messages): string {
  return `${m.report.kind[kind]};${reason};${csvCell(m.summary.reasons[reason])};${[e.name, e.id, e.school, e.place, e.rule].map(csvCell).join(';')}\r\n`;
}
