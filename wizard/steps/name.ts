/**
 * The configuration's name, for a server that runs several configurations
 * (src/configure/instance.ts): asked before the first step, as the secrets
 * the steps test and store are kept under it. Given ahead (--name, `name` in
 * the answers file) it is taken as it is. Otherwise it is asked only on a
 * first install beside a configuration in the usual place: a second
 * configuration on the server. The first one needs no name, and Enter means
 * none, as before names existed. A re-run keeps the name the file has: the
 * task and the secrets are stored under it.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultConfigPath } from '../../src/configure/config';
import { CONFIG_NAME } from '../../src/configure/instance';
import { AppError } from '../../src/errors';
import { given } from '../../src/safe-text';
import { say, type Context } from '../context';

export async function nameStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  const ahead = ctx.answers.get('name');
  if (ctx.existing) {
    if (ahead !== undefined && ahead !== ctx.draft.name) throw new AppError('usage', given(m.nameFixed(ctx.draft.name, ctx.answers.sourceOf('name'))));
    return;
  }
  let name = ahead;
  const usual = defaultConfigPath(ctx.platform, ctx.io.env);
  if (name === undefined && !ctx.answers.nonInteractive && resolve(ctx.configPath) !== resolve(usual) && existsSync(usual)) {
    say(ctx, m.nameExplain(usual));
    const typed = await ctx.prompts.input({ message: m.namePrompt, validate: (v) => (v.trim() === '' || CONFIG_NAME.test(v.trim()) ? true : m.nameInvalid) });
    name = typed.trim() === '' ? undefined : typed.trim();
  }
  // First in the file, where an admin looks for it.
  if (name) ctx.draft = { name, ...ctx.draft };
}
