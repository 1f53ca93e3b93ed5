/** Step 4, privacy: personnummer out or not (off by default), and whether a person needs an e-mail address. */
import { ask, say, walk, type Context } from '../context';
import { heading } from './shared';

export async function privacyStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 4, m.privacyTitle);
  await walk(ctx, [
    async () => {
      const exportNow = ctx.draft.export?.personalNumber ?? false;
      say(ctx, m.pnrWhy);
      const personalNumber = await ask(ctx, 'privacy.exportPersonalNumber', () => ctx.prompts.confirm({ message: m.pnrPrompt, default: exportNow }), { default: exportNow });
      ctx.draft.export = { ...ctx.draft.export, personalNumber };
    },
    async () => {
      const requireNow = ctx.draft.email?.requireEmail ?? false;
      say(ctx, m.requireEmailWhy);
      const requireEmail = await ask(ctx, 'privacy.requireEmail', () => ctx.prompts.confirm({ message: m.requireEmailPrompt, default: requireNow }), { default: requireNow });
      ctx.draft.email = { ...ctx.draft.email, requireEmail };
    },
  ]);
}
