/**
 * Step 2, schools: which school units and forms to deliver, picked from
 * what ProCapita has, each with its dates and number of students.
 *
 * A large municipality has hundreds, so the list is searched: @inquirer's
 * checkbox cannot filter, so the step runs its `search` prompt in a loop.
 * Typing narrows the list (code, name or form), Enter ticks or unticks the
 * school under the cursor and comes back with the same search text, and
 * "Done" at the top ends it. A checkbox behind a separate filter question
 * would take two questions per search and lose the ticks of the rows the
 * filter hides from view.
 */
import { schoolKey } from '../../src/configure/unit-code';
import { formatRange } from '../../src/decide/dates';
import { AppError } from '../../src/errors';
import { schoolOverview, type SchoolFormOverview } from '../../src/report/overview';
import { printable } from '../../src/printable';
import type { School } from '../answers';
import { ask, say, type Context } from '../context';
import { isBack, type Choice } from '../prompts';
import { heading } from './shared';
import { given } from '../../src/safe-text';

const keyOf = (s: { unitCode: string; schoolForm: string }) => schoolKey(s.unitCode, s.schoolForm);

export function schoolLabel(ctx: Pick<Context, 'm'>, s: SchoolFormOverview, picked: boolean): string {
  const students = ctx.m.students(s.students);
  return printable(`${picked ? '[x]' : '[ ]'} ${s.unitCode} ${s.schoolForm}  ${s.name}  (${s.active ? students : `${students}, ${ctx.m.notActive}`})`);
}

const DONE = '\u0000done';

export async function schoolsStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 2, m.schoolsTitle);
  const overview = schoolOverview(ctx.rows!, ctx.syncDate);
  const units = new Set(overview.map((s) => s.unitId)).size;
  say(ctx, m.schoolsFound(overview.length, units, overview.filter((s) => s.active).length));
  const byKey = new Map(overview.map((s) => [keyOf(s), s]));

  // A draft being resumed takes its schools as they were.
  const replayed = ctx.nav.replayUntil !== undefined && ctx.draft.schools?.length ? (ctx.draft.schools as School[]) : undefined;
  const chosen = replayed ?? (await ask(ctx, 'schools', () => pick(ctx, overview), ctx.answers.nonInteractive && ctx.draft.schools ? { default: ctx.draft.schools as School[] } : {}));
  const unknown = chosen.filter((s) => !byKey.has(keyOf(s)));
  if (unknown.length > 0 && ctx.answers.get('schools') !== undefined) {
    throw new AppError('usage', given(m.schoolsUnknown(unknown.map((s) => `${s.unitCode}/${s.schoolForm}`).join(', '), ctx.answers.sourceOf('schools'))));
  }
  // The unit code as ProCapita spells it.
  ctx.draft.schools = chosen.map((s) => ({ unitCode: byKey.get(keyOf(s))?.unitCode ?? s.unitCode, schoolForm: s.schoolForm }));
  const students = chosen.reduce((n, s) => n + (byKey.get(keyOf(s))?.students ?? 0), 0);
  say(ctx, m.schoolsChosen(chosen.length, students));
  const inactive = chosen.map((s) => byKey.get(keyOf(s))).filter((s) => s && !s.active);
  for (const s of inactive) say(ctx, `  ! ${m.schoolInactive(`${s!.unitCode} ${s!.schoolForm}`, formatRange(s!.formStart, s!.formEnd))}`);
}

const ALL_SHOWN = '\u0000all';

/** The search loop: Enter toggles, "Done" ends; after a search, one choice ticks (or unticks) every school it shows. */
async function pick(ctx: Context, overview: readonly SchoolFormOverview[]): Promise<School[]> {
  const m = ctx.m;
  const picked = new Set((ctx.draft.schools ?? []).map(keyOf));
  say(ctx, m.schoolsHelp);
  let term = '';
  let last: string | undefined;
  let shown: string[] = [];
  for (;;) {
    const choice = await ctx.prompts.search<string>({
      message: m.schoolsPrompt,
      initialValue: term,
      ...(last ? { default: last } : {}),
      source: (typed) => {
        term = typed;
        const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
        const matches = overview.filter((s) => {
          const text = `${s.unitCode} ${s.schoolForm} ${s.name}`.toLowerCase();
          return words.every((w) => text.includes(w));
        });
        const done: Choice<string> = { name: m.schoolsDone(picked.size), value: DONE };
        shown = matches.map(keyOf);
        const all = shown.every((k) => picked.has(k));
        const toggleAll: Choice<string>[] = words.length > 0 && matches.length > 1 ? [{ name: (all ? m.schoolsUntickShown : m.schoolsTickShown)(matches.length), value: ALL_SHOWN }] : [];
        return [
          done,
          ...toggleAll,
          ...matches.map((s) => ({
            name: schoolLabel(ctx, s, picked.has(keyOf(s))),
            // What the answered line shows: what Enter did.
            short: printable((picked.has(keyOf(s)) ? m.schoolUnticked : m.schoolTicked)(`${s.unitCode} ${s.schoolForm} ${s.name}`)),
            value: keyOf(s),
            description: m.schoolDates(formatRange(s.unitStart, s.unitEnd), formatRange(s.formStart, s.formEnd)),
          })),
        ];
      },
    }).catch((err: unknown) => {
      // Escape: back to the step before, with the ticks kept for when this one is asked again.
      if (isBack(err) && picked.size > 0) ctx.draft.schools = overview.filter((s) => picked.has(keyOf(s))).map((s) => ({ unitCode: s.unitCode, schoolForm: s.schoolForm }));
      throw err;
    });
    if (choice === DONE) {
      if (picked.size > 0) break;
      say(ctx, m.schoolsNoneSelected);
      continue;
    }
    if (choice === ALL_SHOWN) {
      const all = shown.every((k) => picked.has(k));
      for (const k of shown) if (all) picked.delete(k);
      else picked.add(k);
    } else if (picked.has(choice)) picked.delete(choice);
    else picked.add(choice);
    last = choice;
  }
  return overview.filter((s) => picked.has(keyOf(s))).map((s) => ({ unitCode: s.unitCode, schoolForm: s.schoolForm as School['schoolForm'] }));
}
