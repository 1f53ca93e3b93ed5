/**
 * The setup wizard: the steps in order over one context. A first run goes
 * through every step; a re-run starts from the existing configuration and
 * changes only what the admin picks.
 */
import type { Change } from './answers';
import { ask, say, type Context } from './context';
import { isCancel } from './prompts';
import { accountStep } from './steps/account';
import { alertsStep } from './steps/alerts';
import { emailStep } from './steps/email';
import { nameStep } from './steps/name';
import { previewStep } from './steps/preview';
import { privacyStep } from './steps/privacy';
import { rotateStep } from './steps/rotate';
import { scheduleStep } from './steps/schedule';
import { schoolsStep } from './steps/schools';
import { cancelled } from './steps/shared';
import { readRows, sqlStep } from './steps/sql';
import { targetStep } from './steps/target';
import { teachingGroupsStep } from './steps/teaching-groups';
import { writeStep } from './steps/write';

async function schoolsAndPreview(ctx: Context, withTeachingGroups: boolean): Promise<void> {
  await schoolsStep(ctx);
  if (withTeachingGroups) await teachingGroupsStep(ctx);
}

async function everything(ctx: Context): Promise<void> {
  await sqlStep(ctx);
  await schoolsAndPreview(ctx, true);
  await privacyStep(ctx);
  await emailStep(ctx);
  await targetStep(ctx);
  await alertsStep(ctx);
  while ((await previewStep(ctx)) === 'schools') await schoolsAndPreview(ctx, true);
  await scheduleStep(ctx);
  await writeStep(ctx);
}

async function steps(ctx: Context): Promise<void> {
  const m = ctx.m;
  say(ctx, m.title);
  say(ctx, ctx.existing ? m.introRerun(ctx.configPath) : m.introFirst(ctx.configPath));
  // Before any step: the secrets they test and store are under the configuration's name.
  await nameStep(ctx);
  await accountStep(ctx);
  if (!ctx.existing) return everything(ctx);
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
      await schoolsStep(ctx);
      while ((await previewStep(ctx)) === 'schools') await schoolsStep(ctx);
      return writeStep(ctx, { config: true, secrets: false, task: false });
    case 'schedule':
      await scheduleStep(ctx);
      return writeStep(ctx, { config: false, secrets: false, task: true });
    case 'everything':
      return everything(ctx);
  }
}

/** Runs the wizard. Ctrl-C, or "quit", ends it with nothing written (a usage error, exit 2). */
export async function runWizard(ctx: Context): Promise<void> {
  try {
    await steps(ctx);
  } catch (err) {
    if (isCancel(err)) throw cancelled(ctx);
    throw err;
  }
}
