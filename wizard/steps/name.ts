/**
 * The configuration's name, for a server that runs several configurations
 * (src/configure/instance.ts): asked before the first step, as the secrets
 * the steps test and store are kept under it. Given ahead (--name, `name` in
 * the answers file) it is taken as it is. Otherwise it is asked only on a
 * first install beside a configuration in the usual place: a second
 * configuration on the server. The first one needs no name, and Enter means
 * none, as before names existed; but never the name (or no name) the one in
 * the usual place has, which would share its task, secrets and folders. A re-run keeps the name the file has: the
 * task and the secrets are stored under it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
  const usual = ctx.usualConfigPath;
  const beside = resolve(ctx.configPath) !== resolve(usual) && existsSync(usual);
  // The name the configuration in the usual place has (null: none); the same again would share its task, secrets and folders.
  const taken = beside ? nameIn(usual) : undefined;
  if (name === undefined && !ctx.answers.nonInteractive && beside) {
    say(ctx, m.nameExplain(usual));
    const typed = await ctx.prompts.input({
      message: taken === null ? m.namePromptRequired : m.namePrompt,
      validate: (v) => {
        const typedName = v.trim() === '' ? null : v.trim();
        if (typedName !== null && !CONFIG_NAME.test(typedName)) return m.nameInvalid;
        return typedName === taken ? m.nameTaken(usual, taken ?? undefined) : true;
      },
    });
    name = typed.trim() === '' ? undefined : typed.trim();
  }
  if (taken !== undefined && (name ?? null) === taken) throw new AppError('usage', given(`${ctx.answers.sourceOf('name')}: ${m.nameTaken(usual, taken ?? undefined)}`));
  // First in the file, where an admin looks for it.
  if (name) ctx.draft = { name, ...ctx.draft };
}

/** The `name` of the configuration file at `path`: null when it has none, undefined when it cannot be read (nothing is then checked). */
function nameIn(path: string): string | null | undefined {
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown } | null;
    return typeof data?.name === 'string' ? data.name : null;
  } catch {
    return undefined;
  }
}
