/**
 * The run report: one self-contained HTML page per run, in the configured
 * language, for the admin the morning after. Pure: the run's facts in, the
 * page out. Names and GUIDs are in it (never a protected person's); counts,
 * codes and our own messages are everything else.
 */
import type { Messages } from '../messages';
import { EXIT_CODE_MEANINGS } from '../errors';
import type { Changes, GroupChange, Listed, PersonChange } from './changes';
import { esc, htmlTable, page } from './html';
import type { RunReport } from './last-run';
import { LEFT_OUT_KINDS, type LeftOutSection } from './left-out';
import type { SchoolFormOverview } from './overview';
import type { SchoolRow } from './summary';

/** How many entries of one left-out reason the page lists; the CSV file has them all. */
export const MAX_ON_PAGE = 1000;

export type TimingStep = 'read' | 'guard' | 'deliver';

export interface RunPage {
  readonly run: RunReport;
  readonly lang: 'sv' | 'en';
  /** Milliseconds per step the run got to. */
  readonly timings: Readonly<Partial<Record<TimingStep, number>>>;
  /** Null when the run ended before the rules. */
  readonly schools: readonly SchoolRow[] | null;
  /** Active school units and forms with students placed there that the configuration does not name. */
  readonly unconfigured: readonly SchoolFormOverview[];
  /** Null on the first delivery, or when the run ended before the comparison (the run's guard says which). */
  readonly changes: Changes | null;
  readonly leftOut: readonly LeftOutSection[] | null;
  /** The held run's review file, and the command that approves it. */
  readonly review: string | null;
  /** For an unchanged run: the sync date of the delivery it is the same as. */
  readonly unchangedSince: string | null;
  readonly approve: string | null;
  /** The left-out CSV's file name, beside the page. */
  readonly csvName: string | null;
  readonly keepDays: number;
  /** The server's local time for a timestamp (the admin reads their own clock). */
  readonly localTime: (iso: string) => string;
}

type Words = Messages['report'];

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function timingsSection(p: RunPage, w: Words): string {
  const total = new Date(p.run.endedAt).getTime() - new Date(p.run.startedAt).getTime();
  const rows = (['read', 'guard', 'deliver'] as const).filter((s) => p.timings[s] !== undefined).map((s) => [esc(w.timing[s]), seconds(p.timings[s]!)]);
  rows.push([`<strong>${esc(w.timing.total)}</strong>`, `<strong>${seconds(total)}</strong>`]);
  return `<h2>${esc(w.timingsHeading)}</h2>${htmlTable([w.step, w.seconds], rows, new Set([1]))}`;
}

function schoolsSection(p: RunPage, w: Words, m: Messages): string {
  if (!p.schools) return '';
  if (p.schools.length === 0) return `<h2>${esc(w.schoolsHeading)}</h2><p>${esc(w.noSchools)}</p>`;
  const c = m.summary.column;
  const rows = p.schools.map((s) => [`${esc(s.name)} (${esc(s.code)})`, esc(s.forms.join(', ')), String(s.students), String(s.staff), String(s.classes), String(s.teachingGroups)]);
  const sum = (k: 'students' | 'staff' | 'classes' | 'teachingGroups') => String(p.schools!.reduce((n, s) => n + s[k], 0));
  rows.push([`<strong>${esc(m.summary.total)}</strong>`, '', sum('students'), sum('staff'), sum('classes'), sum('teachingGroups')]);
  const s = m.summary;
  const unconfigured = p.unconfigured.length
    ? `<p id="unconfigured">${esc(s.unconfigured)}</p><ul>${p.unconfigured.map((u) => `<li>${esc(s.unconfiguredLine(u.unitCode, u.schoolForm, u.name, u.students))}</li>`).join('')}</ul>`
    : '';
  return `<h2>${esc(w.schoolsHeading)}</h2>${htmlTable([c.schoolUnit, c.forms, c.students, c.staff, c.classes, c.teachingGroups], rows, new Set([2, 3, 4, 5]))}${unconfigured}`;
}

const roleWords = (roles: readonly ('student' | 'staff')[], m: Messages) => roles.map((r) => m.role[r]).join(', ');

function listed<T>(title: string, list: Listed<T>, head: readonly string[], row: (item: T) => string[], w: Words): string {
  if (list.total === 0) return '';
  const more = list.items.length < list.total ? `<p class="muted">${esc(w.more(list.items.length, list.total))}</p>` : '';
  return `<details><summary>${esc(w.list(title, list.total))}</summary>${more}${htmlTable(head, list.items.map(row))}</details>`;
}

function personLists(c: Changes, w: Words, m: Messages): string {
  const col = w.column;
  const head = [col.name, col.guid, col.roles, col.schools, col.classes];
  const row = (x: PersonChange) => [x.name ? esc(x.name) : `<span class="muted">${esc(w.notInProCapita)}</span>`, `<code>${esc(x.id)}</code>`, esc(roleWords(x.roles, m)), esc(x.schools.join(', ')), esc(x.classes.join(', '))];
  return [
    `<h3>${esc(w.persons)}</h3>`,
    listed(w.added, c.persons.added, head, row, w),
    listed(w.removed, c.persons.removed, head, row, w),
    c.persons.changed ? listed(w.changed, c.persons.changed, head, row, w) : '',
    c.persons.notListed > 0 ? `<p>${esc(w.notListedRemoved(c.persons.notListed))}</p>` : '',
  ].join('');
}

function groupLists(c: Changes, w: Words, m: Messages): string {
  const col = w.column;
  const head = [col.name, col.guid, col.kind, col.school, col.form, col.students, col.teachers];
  const row = (g: GroupChange) => [esc(g.name), `<code>${esc(g.id)}</code>`, esc(m.groupKind[g.kind]), esc(g.school), esc(g.schoolForm), String(g.students), String(g.teachers)];
  const changedRow = (g: GroupChange) => [
    ...row(g),
    esc(
      [g.renamedFrom !== undefined ? w.renamed(g.renamedFrom) : '', g.studentsAdded || g.studentsRemoved ? w.members(col.students, g.studentsAdded!, g.studentsRemoved!) : '', g.teachersAdded || g.teachersRemoved ? w.members(col.teachers, g.teachersAdded!, g.teachersRemoved!) : '']
        .filter(Boolean)
        .join('; '),
    ),
  ];
  return [
    `<h3>${esc(w.groups)}</h3>`,
    listed(w.added, c.groups.added, head, row, w),
    listed(w.removed, c.groups.removed, head, row, w),
    listed(w.changed, c.groups.changed, [...head, col.change], changedRow, w),
  ].join('');
}

function changesSection(p: RunPage, w: Words, m: Messages): string {
  const heading = `<h2>${esc(w.changesHeading)}</h2>`;
  const c = p.changes;
  if (!c) return `${heading}<p>${esc(p.run.guard && p.run.guard.baselineHash === null ? w.firstDelivery : w.noBaseline)}</p>`;
  const n = (l: Listed<unknown> | null) => (l ? String(l.total) : esc(w.changedUnknown));
  const counts = htmlTable(
    [w.changeKind, w.added, w.removed, w.changed],
    [
      [esc(w.persons), n(c.persons.added), String(c.persons.removed.total + c.persons.notListed), n(c.persons.changed)],
      [esc(w.groups), n(c.groups.added), n(c.groups.removed), n(c.groups.changed)],
    ],
    new Set([1, 2, 3]),
  );
  return `${heading}<p>${esc(w.since(c.since.syncDate ?? '?', c.since.contentHash))}</p>${counts}${personLists(c, w, m)}${groupLists(c, w, m)}`;
}

function guardSection(p: RunPage, w: Words): string {
  const g = p.run.guard;
  const heading = `<h2>${esc(w.guardHeading)}</h2>`;
  if (!g) return `${heading}<p>${esc(w.guardNotRun)}</p>`;
  const verdict = g.decision === 'pass' ? w.guardPassed : g.decision === 'released' && g.approval ? w.guardReleased(g.approval.approvedBy, g.approval.approvedAt) : w.guardHeld;
  const lines = [...g.reasons, ...g.notes];
  const review = p.review ? `<h3>${esc(w.reviewHeading)}</h3><pre>${esc(p.review)}</pre>` : '';
  const approve = p.approve ? `<p>${esc(w.approveIntro)}</p><pre><code class="copy" id="approve">${esc(p.approve)}</code></pre>` : '';
  return `${heading}<p>${esc(verdict)}</p>${lines.length ? `<ul>${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}${approve}${review}`;
}

function leftOutSection(p: RunPage, w: Words, m: Messages): string {
  const heading = `<h2>${esc(w.leftOutHeading)}</h2>`;
  if (!p.leftOut) return `${heading}<p>${esc(w.leftOutNotRun)}</p>`;
  if (p.leftOut.length === 0) return `${heading}<p>${esc(w.leftOutNone)}</p>`;
  const csv = p.csvName ? `<p><a href="${esc(encodeURIComponent(p.csvName))}">${esc(w.csvLink)}</a></p>` : '';
  const col = w.column;
  const parts = [heading, csv];
  for (const kind of LEFT_OUT_KINDS) {
    const sections = p.leftOut.filter((s) => s.kind === kind);
    if (sections.length === 0) continue;
    parts.push(`<h3>${esc(w.kinds[kind])}</h3>`);
    parts.push(htmlTable([col.reason, col.count], sections.map((s) => [`${esc(m.summary.reasons[s.reason])} <span class="muted">(${esc(s.reason)})</span>`, String(s.count)]), new Set([1])));
    const group = kind === 'classes' || kind === 'teachingGroups' || kind === 'schoolUnits';
    const head = [col.name, col.guid, col.school, group ? col.form : col.class, col.rule];
    for (const s of sections) {
      const shown = s.entries.slice(0, MAX_ON_PAGE);
      const listed = s.count - s.notListed;
      const more = shown.length < listed ? `<p class="muted">${esc(w.moreInCsv(shown.length, listed))}</p>` : '';
      const hidden = s.notListed > 0 ? `<p>${esc(w.protectedCounted(s.notListed))}</p>` : '';
      const table = shown.length ? `<details><summary>${esc(w.list(m.summary.reasons[s.reason], listed))}</summary>${more}${htmlTable(head, shown.map((e) => [esc(e.name), `<code>${esc(e.id)}</code>`, esc(e.school), esc(e.place), esc(e.rule)]))}</details>` : '';
      parts.push(table, hidden);
    }
  }
  return parts.join('');
}

function deliverySection(p: RunPage, w: Words): string {
  const d = p.run.delivery;
  const col = w;
  const rows: string[][] = d
    ? [[esc(col.deliveryResult), esc(d.status)], ...(d.importId ? [[esc(col.importId), `<code>${esc(d.importId)}</code>`]] : []), [esc(col.attempts), String(d.attempts)]]
    : [[esc(col.deliveryResult), esc(w.notDelivered)]];
  rows.push([esc(col.heartbeat), esc(p.run.heartbeat)]);
  return `<h2>${esc(w.deliveryHeading)}</h2><table><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function sentence(p: RunPage, w: Words): string {
  const r = p.run;
  const n = r.counts;
  switch (r.outcome) {
    case 'delivered':
      return w.sentence.delivered(n?.students ?? 0, n?.staff ?? 0, n ? n.classes + n.teachingGroups : 0);
    case 'unchanged':
      return w.sentence.unchanged(p.unchangedSince ?? '');
    case 'held':
      return w.sentence.held;
    default:
      return w.sentence.failed(r.exitCode, r.exitName);
  }
}

/** A table rebuilt by hand and older than this gets a hint to rebuild it. */
export const STALE_MAPPING_DAYS = 7;

function mappingSection(p: RunPage, w: Words): string {
  const t = p.run.mappingTable;
  if (!t) return '';
  const lines: string[] = [];
  if (t.builtAt === null) lines.push(w.mappingMissing);
  else {
    // Whole days before the run started; a clock set back gives 0, not a negative age.
    const days = Math.max(0, Math.floor((Date.parse(p.run.startedAt) - Date.parse(t.builtAt)) / 86_400_000));
    lines.push(`${w.mappingBuilt(p.localTime(t.builtAt), days)} ${w.mappingRefresh[t.refresh]}`);
    if (t.refresh === 'manual' && days > STALE_MAPPING_DAYS) lines.push(w.mappingStale(STALE_MAPPING_DAYS));
  }
  return `<h2>${esc(w.mappingHeading)}</h2>${lines.map((l, i) => `<p${i === 0 ? ' id="mapping-table"' : ''}>${esc(l)}</p>`).join('')}`;
}

/** The report of one run, as a whole HTML page. */
export function runPageHtml(p: RunPage, m: Messages): string {
  const w = m.report;
  const r = p.run;
  const outcome = w.outcome[r.outcome];
  // A held run's error is the guard's verdict, which its own section shows in full.
  const error = r.error && r.outcome !== 'held'
    ? `<h2>${esc(w.errorHeading)}</h2><p>${esc(w.exitCode(r.exitCode, r.exitName, EXIT_CODE_MEANINGS[r.exitName]))}</p><pre>${esc(r.error.message)}</pre>`
    : '';
  const warnings = `<h2>${esc(w.warningsHeading)}</h2>${r.warnings.length ? `<ul>${r.warnings.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : `<p>${esc(w.noWarnings)}</p>`}`;
  const body = [
    `<header><p class="privacy" role="note">${esc(w.privacy(p.keepDays))}</p>`,
    `<h1>${esc(w.heading(r.syncDate))}: ${esc(outcome)}</h1>`,
    `<p class="outcome ${r.outcome}" id="outcome">${esc(sentence(p, w))}</p>`,
    `<p class="muted">${esc(w.started(p.localTime(r.startedAt)))}. <a href="index.html">${esc(w.indexLink)}</a></p></header>`,
    '<main>',
    error,
    timingsSection(p, w),
    schoolsSection(p, w, m),
    changesSection(p, w, m),
    guardSection(p, w),
    leftOutSection(p, w, m),
    mappingSection(p, w),
    warnings,
    deliverySection(p, w),
    '</main>',
    `<footer><p>${esc(w.footer(r.agentVersion, r.contentHash ?? '-'))}</p></footer>`,
  ].join('\n');
  return page(p.lang, w.title(outcome, r.syncDate), body);
}
