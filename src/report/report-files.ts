/**
 * The reports folder in the state folder: each run's page and CSV, the
 * history in index.json, and index.html. Files are private (0600, folder
 * 0700; icacls on Windows covers the state folder) and written whole, through
 * a temporary file and a rename. Reports older than the retention go.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { access, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makePrivateFolder, PRIVATE_FILE_MODE, PRIVATE_FOLDER_MODE, writeFileAtomically } from '../atomic-file';
import type { Messages } from '../messages';
import { indexHtml, indexJson, keptEntries, parseIndex, type IndexEntry } from './report-index';

export const REPORTS_FOLDER = 'reports';
const INDEX_JSON = 'index.json';
const INDEX_HTML = 'index.html';
/** A report's file name starts with its run's start, in UTC: 2026-12-07T021503Z. */
const REPORT_NAME = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z-[\w-]+\.(?:html|csv)$/;

export const reportsFolder = (stateDir: string) => join(stateDir, REPORTS_FOLDER);

/** Swedish wall-clock time: the schools' and, nearly always, the server's. */
export const localTime = (iso: string): string => new Date(iso).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm' });

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** A name no report has: two runs in one second (a test's fixed clock, a retry by hand) get -2, -3. */
async function freeStem(dir: string, startedAt: string, outcome: string): Promise<string> {
  const stamp = startedAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').replace(/^(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');
  for (let n = 1; ; n++) {
    const stem = `${stamp}-${outcome}${n === 1 ? '' : `-${n}`}`;
    if (!(await exists(join(dir, `${stem}.html`)))) return stem;
  }
}

/** The left-out CSV while the run is going: written as the entries are made, renamed beside the page at the end. */
export interface CsvFile {
  readonly add: (text: string) => void;
  /** The temporary file, whole; undefined when it could not be written (a warning: the page still says everything). */
  close(): { readonly file?: string; readonly error?: unknown };
}

const CSV_CHUNK = 1 << 20;
const TEMP = /\.part$/;

/**
 * A CSV file in reports/ under a temporary name, written a megabyte at a time: the entries of a large
 * municipality (60,000 left out) never sit in memory together. Synchronous, as its caller is the pure
 * left-out walk; a failure stops the writing and is told by close().
 */
export function openCsvFile(stateDir: string): CsvFile {
  const dir = reportsFolder(stateDir);
  const file = join(dir, `left-out-${process.pid}.csv.part`);
  let fd: number | undefined;
  let error: unknown;
  let pending = '';
  const flush = () => {
    if (error !== undefined || pending === '') return;
    try {
      if (fd === undefined) {
        mkdirSync(dir, { recursive: true, mode: PRIVATE_FOLDER_MODE });
        fd = openSync(file, 'w', PRIVATE_FILE_MODE);
      }
      writeSync(fd, pending);
    } catch (err) {
      error = err;
    }
    pending = '';
  };
  return {
    add(text) {
      pending += text;
      if (pending.length >= CSV_CHUNK) flush();
    },
    close() {
      flush();
      if (fd !== undefined) closeSync(fd);
      return error === undefined && fd !== undefined ? { file } : { error };
    },
  };
}

export interface SavedReport {
  readonly html: string;
  readonly csv: string | null;
}

/**
 * Saves one run's report (and its CSV), then the index with every run still
 * inside `keepDays`; older reports are removed. Returns the report's path.
 */
export async function saveRunReport(
  stateDir: string,
  report: { readonly page: (csvName: string | null) => string; readonly csvFile: string | null },
  entry: Omit<IndexEntry, 'file' | 'csv'>,
  o: { readonly keepDays: number; readonly now: Date; readonly lang: 'sv' | 'en'; readonly messages: Messages },
): Promise<SavedReport> {
  const dir = reportsFolder(stateDir);
  const stem = await freeStem(dir, entry.startedAt, entry.outcome);
  await makePrivateFolder(dir);
  const csvName = report.csvFile === null ? null : `${stem}-left-out.csv`;
  if (csvName) await rename(report.csvFile!, join(dir, csvName));
  const html = join(dir, `${stem}.html`);
  await writeFileAtomically(html, report.page(csvName));

  const before = parseIndex(await readFile(join(dir, INDEX_JSON), 'utf8').catch(() => undefined));
  const kept = keptEntries([{ ...entry, file: `${stem}.html`, csv: csvName }, ...before.filter((e) => e.file !== `${stem}.html`)], o.now, o.keepDays);
  await removeOld(dir, o.now, o.keepDays);
  await writeFileAtomically(join(dir, INDEX_JSON), indexJson(kept));
  await writeFileAtomically(join(dir, INDEX_HTML), indexHtml(kept, o.lang, o.keepDays, o.messages, localTime));
  return { html, csv: csvName ? join(dir, csvName) : null };
}

/**
 * Reports and CSV files whose run started before the retention, by the date in their name (the index may be
 * lost), and CSV files a run that died left half-written (this run holds the lock: no other is writing one).
 */
async function removeOld(dir: string, now: Date, keepDays: number): Promise<void> {
  const from = now.getTime() - keepDays * 86_400_000;
  for (const name of await readdir(dir)) {
    const m = REPORT_NAME.exec(name);
    if ((m && Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) < from) || TEMP.test(name)) await rm(join(dir, name), { force: true });
  }
}

/** The newest report's path: the index's first, or else by the names (which sort by time); undefined when there is none. */
export async function newestReport(stateDir: string): Promise<string | undefined> {
  const dir = reportsFolder(stateDir);
  const first = parseIndex(await readFile(join(dir, INDEX_JSON), 'utf8').catch(() => undefined))[0];
  if (first && (await exists(join(dir, first.file)))) return join(dir, first.file);
  const names = await readdir(dir).catch(() => [] as string[]);
  const pages = names.filter((n) => REPORT_NAME.test(n) && n.endsWith('.html')).sort();
  return pages.length ? join(dir, pages[pages.length - 1]!) : undefined;
}
