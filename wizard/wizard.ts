/**
 * The setup wizard: the steps in order over one context. A first run goes
 * through every step; a re-run starts from the existing configuration and
 * changes only what the admin picks.
 */
import { AppError, errnoOf } from '../src/errors';
import { given } from '../src/safe-text';
import type { Change } from './answers';
import { ask, say, walk, type Context } from './context';
import { draftPath, loadDraft, removeDraft, saveDraft } from './draft';
import type { Messages } from '../src/messages';
import { isBack, isCancel } from './prompts';
import { accountStep } from './steps/account';
import { alertsStep } from './steps/alerts';
import { emailStep } from './steps/email';
import { nameStep } from './steps/name';
import { previewStep } from './steps/preview';
import { privacyStep } from './steps/privacy';
import { rotateStep } from './steps/rotate';
import { scheduleStep } from './steps/schedule';
import { schoolsStep } from './steps/schools';
import { Cancelled, cancelled } from './steps/shared';
import { readRows, sqlStep } from './steps/sql';
import { targetStep } from './steps/target';
import { teachingGroupsStep } from './steps/teaching-groups';
import { configChanged, writeStep } from './steps/write';

/** The preview, and the schools and teaching groups again as often as asked for; Escape in those goes back to the preview. */
async function previewLoop(ctx: Context): Promise<void> {
  while ((await previewStep(ctx)) === 'schools') {
    try {
      await walk(ctx, [() => schoolsStep(ctx), () => teachingGroupsStep(ctx)]);
    } catch (err) {
      if (!isBack(err)) throw err;
    }
  }
}

/** A first run's steps, by id (a draft records the id of the step reached). */
const FIRST_RUN: readonly (readonly [string, (ctx: Context) => Promise<unknown>])[] = [
  ['sql', sqlStep],
  ['schools', schoolsStep],
  ['teachingGroups', teachingGroupsStep],
  ['privacy', privacyStep],
  ['email', emailStep],
  ['target', targetStep],
  ['alerts', alertsStep],
  ['preview', previewLoop],
  ['schedule', scheduleStep],
  ['write', (ctx) => writeStep(ctx)],
];
const STEP_IDS = FIRST_RUN.map(([id]) => id);

const stepTitle = (m: Messages, id: string): string =>
  (({ sql: m.sqlTitle, schools: m.schoolsTitle, teachingGroups: m.tgTitle, privacy: m.privacyTitle, email: m.emailTitle, target: m.targetTitle, alerts: m.alertsTitle, preview: m.previewTitle, schedule: m.scheduleTitle, write: m.writeTitle }) as Record<string, string>)[id] ?? id;

/** Every step in order, walked as a step's questions are: Escape in a step's first question goes to the previous step's last. */
async function everything(ctx: Context): Promise<void> {
  await walk(
    ctx,
    FIRST_RUN.map(([id, run], i) => async () => {
      // The step reached: the furthest one, also when the user has gone back.
      if (ctx.nav.step === undefined || i > STEP_IDS.indexOf(ctx.nav.step)) ctx.nav.step = id;
      if (ctx.nav.replayUntil === id) delete ctx.nav.replayUntil;
      await run(ctx);
    }),
  );
}

/** What a re-run does: the change picked, or everything. */
async function rerun(ctx: Context): Promise<void> {
  const m = ctx.m;
  const change = await ask(ctx, 'change', () =>
    ctx.prompts.select<Change>({
      message: m.rerunPrompt,
      choices: [
        { name: m.rerunRotate, value: 'rotate' },
        { name: m.rerunSchools, value: 'schools' },
        { name: m.rerunSchedule, value: 'schedule' },
        { name: m.rerunEverything, value: 'everything' },
      ],
    }),
  );
  switch (change) {
    case 'rotate':
      return rotateStep(ctx);
    case 'schools':
      await readRows(ctx);
      return walk(ctx, [
        () => schoolsStep(ctx),
        async () => {
          while ((await previewStep(ctx)) === 'schools') await schoolsStep(ctx);
        },
        () => writeStep(ctx, { config: true, secrets: false, task: false }),
      ]);
    case 'schedule':
      return walk(ctx, [() => scheduleStep(ctx), () => writeStep(ctx, { config: false, secrets: false, task: true })]);
    case 'everything':
      return everything(ctx);
  }
}

/** A draft from a stopped run: resumed (its answers as defaults, from the step it reached) or discarded. */
async function offerResume(ctx: Context): Promise<boolean> {
  if (ctx.answers.nonInteractive) return false;
  const draft = await loadDraft(ctx, STEP_IDS);
  if (!draft) return false;
  const m = ctx.m;
  say(ctx, m.draftFound(draftPath(ctx.configPath), stepTitle(m, draft.step)));
  let resume: boolean | undefined;
  while (resume === undefined) resume = await ctx.prompts.confirm({ message: m.draftResume, default: true }).catch((err: unknown) => (isBack(err) ? undefined : Promise.reject(err)));
  if (!resume) {
    await removeDraft(ctx);
    say(ctx, m.draftDiscarded(draftPath(ctx.configPath)));
    return false;
  }
  ctx.draft = structuredClone(draft.config);
  ctx.nav.step = draft.step;
  // The schedule holds a secret (the task's Windows password), so a draft that reached the write step resumes at the schedule.
  ctx.nav.replayUntil = draft.step === 'write' ? 'schedule' : draft.step;
  say(ctx, m.draftResuming);
  return true;
}

/**
 * Ctrl-C or "quit" in the whole walk: the answers so far may be kept as a
 * draft (a question of its own; Ctrl-C there too ends it without one).
 * Returns the error the wizard ends with, exit 2 either way.
 */
async function offerDraft(ctx: Context): Promise<AppError> {
  const m = ctx.m;
  const step = ctx.nav.step;
  delete ctx.nav.replayUntil;
  if (ctx.answers.nonInteractive || step === undefined || Object.keys(ctx.draft).length === 0 || !configChanged(ctx)) return cancelled(ctx);
  const keep = await ctx.prompts.confirm({ message: m.draftKeep, default: true }).catch((err: unknown) => (isCancel(err) || isBack(err) ? false : Promise.reject(err)));
  if (!keep) return cancelled(ctx);
  try {
    await saveDraft(ctx, step);
  } catch (err) {
    say(ctx, `✗ ${m.draftNotWritten(draftPath(ctx.configPath), errnoOf(err))}`);
    return cancelled(ctx);
  }
  say(ctx, `✓ ${m.draftKept(draftPath(ctx.configPath))}`);
  return new AppError('usage', given(m.cancelledDraft));
}

async function again(ask: () => Promise<void>): Promise<void> {
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      if (!isBack(err)) throw err;
    }
  }
}

async function steps(ctx: Context): Promise<void> {
  const m = ctx.m;
  say(ctx, m.title);
  say(ctx, ctx.existing ? m.introRerun(ctx.configPath) : m.introFirst(ctx.configPath));
  if (!ctx.answers.nonInteractive) say(ctx, m.introKeys);
  // Before anything else is asked: who runs the wizard and whether its credential store works; then the
  // configuration's name, which the secrets are stored under. Escape there asks again.
  await again(() => accountStep(ctx));
  await again(() => nameStep(ctx));
  const flow = (await offerResume(ctx)) || !ctx.existing ? everything : rerun;
  // Escape in the very first question: it is asked again.
  for (;;) {
    try {
      return await flow(ctx);
    } catch (err) {
      if (!isBack(err)) throw err;
    }
  }
}

/** Runs the wizard. Ctrl-C, or "quit", ends it with nothing written but perhaps a draft (a usage error, exit 2); a completed one removes the draft. */
export async function runWizard(ctx: Context): Promise<void> {
  try {
    await steps(ctx);
  } catch (err) {
    if (isCancel(err) || err instanceof Cancelled) throw await offerDraft(ctx);
    throw err;
  }
  await removeDraft(ctx);
}
