/**
 * reports/index.html: one row per run, newest first, and a small chart of
 * students, staff and groups over time, drawn as inline SVG. Pure. The rows
 * come from reports/index.json, which holds counts and file names only.
 */
import type { Messages } from '../messages';
import { esc, htmlTable, page } from './html';
import type { RunReport } from './last-run';

export interface IndexEntry {
  /** The report's file name in reports/. */
  readonly file: string;
  readonly csv: string | null;
  readonly startedAt: string;
  readonly syncDate: string;
  readonly outcome: RunReport['outcome'];
  readonly exitCode: number;
  readonly counts: { readonly students: number; readonly staff: number; readonly groups: number } | null;
  /** Persons and groups added, removed or changed; null when not compared. */
  readonly changes: number | null;
}

const isEntry = (x: unknown): x is IndexEntry => {
  const e = x as Partial<IndexEntry> | null;
  return typeof e === 'object' && e !== null && typeof e.file === 'string' && /^[\w.-]+\.html$/.test(e.file) && typeof e.startedAt === 'string' && typeof e.syncDate === 'string' && typeof e.outcome === 'string';
};

/** index.json's entries; a damaged file gives none (the reports stay, the history starts again). */
export function parseIndex(text: string | undefined): IndexEntry[] {
  if (text === undefined) return [];
  try {
    const data = JSON.parse(text) as { formatVersion?: unknown; runs?: unknown };
    return data.formatVersion === 1 && Array.isArray(data.runs) ? data.runs.filter(isEntry) : [];
  } catch {
    return [];
  }
}

export const indexJson = (entries: readonly IndexEntry[]): string => `${JSON.stringify({ formatVersion: 1, runs: entries }, null, 1)}\n`;

/** The entries still inside the retention, newest first. */
export function keptEntries(entries: readonly IndexEntry[], now: Date, keepDays: number): IndexEntry[] {
  const from = now.getTime() - keepDays * 86_400_000;
  return entries.filter((e) => Date.parse(e.startedAt) >= from).sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

const W = 640;
const H = 120;
const PAD = { left: 56, right: 12, top: 10, bottom: 22 };

/** One series as a line over the runs that delivered counts, oldest first; its own scale, so that staff do not vanish under students. */
function chart(id: string, label: string, points: readonly { date: string; value: number }[], w: Messages['report']): string {
  const values = points.map((p) => p.value);
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const span = max - min || 1;
  const x = (i: number) => PAD.left + (points.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (points.length - 1));
  const y = (v: number) => PAD.top + (H - PAD.top - PAD.bottom) * (1 - (v - min) / span);
  const line = points.map((p, i) => `${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const first = points[0]!.date;
  const last = points[points.length - 1]!.date;
  const description = w.chartLabel(label, first, last, min, max);
  return [
    `<figure><svg id="${id}" role="img" aria-labelledby="${id}-title" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-title">${esc(description)}</title>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#777"/>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text>`,
    `<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">${min}</text>`,
    `<text x="${PAD.left}" y="${H - 6}">${esc(first)}</text>`,
    `<text x="${W - PAD.right}" y="${H - 6}" text-anchor="end">${esc(last)}</text>`,
    `<polyline fill="none" stroke="#0b4f8a" stroke-width="2" points="${line}"/>`,
    ...points.map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="2.5" fill="#0b4f8a"/>`),
    `</svg><figcaption>${esc(label)}</figcaption></figure>`,
  ].join('');
}

export function indexHtml(entries: readonly IndexEntry[], lang: 'sv' | 'en', keepDays: number, m: Messages, localTime: (iso: string) => string): string {
  const w = m.report;
  const c = w.column;
  const counted = [...entries].reverse().filter((e) => e.counts !== null && (e.outcome === 'delivered' || e.outcome === 'unchanged'));
  const series = (['students', 'staff', 'groups'] as const).map((k) =>
    counted.length ? chart(`chart-${k}`, w.series[k], counted.map((e) => ({ date: e.syncDate, value: e.counts![k] })), w) : '',
  );
  const rows = entries.map((e) => [
    `<a href="${esc(encodeURIComponent(e.file))}">${esc(localTime(e.startedAt))}</a>`,
    esc(e.syncDate),
    esc(w.outcome[e.outcome] ?? e.outcome),
    e.counts ? String(e.counts.students) : '',
    e.counts ? String(e.counts.staff) : '',
    e.counts ? String(e.counts.groups) : '',
    e.changes === null ? '' : String(e.changes),
  ]);
  const body = [
    `<header><p class="privacy" role="note">${esc(w.privacy(keepDays))}</p><h1>${esc(w.indexHeading)}</h1><p>${esc(w.indexIntro(entries.length, keepDays))}</p></header>`,
    '<main>',
    `<h2>${esc(w.chartHeading)}</h2>`,
    counted.length ? series.join('\n') : `<p>${esc(w.chartEmpty)}</p>`,
    `<h2>${esc(w.indexHeading)}</h2>`,
    htmlTable([c.started, c.date, c.outcome, c.students, c.staff, c.groups, c.changes], rows, new Set([3, 4, 5, 6])),
    '</main>',
  ].join('\n');
  return page(lang, w.indexTitle, body);
}
