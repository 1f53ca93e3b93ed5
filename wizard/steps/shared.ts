import { existsSync } from 'node:fs';
import type { CheckResult } from '../../src/cli/checks';
import { AppError } from '../../src/errors';
import type { AnswerKey } from '../answers';
import { absolute, say, type Context } from '../context';
import type { Messages } from '../messages';
import { given } from '../../src/safe-text';

/** How many steps a first run goes through (wizard/wizard.ts). */
export const STEPS = 10;

/** "[1/10] SQL Server". */
export function heading(ctx: Pick<Context, 'io' | 'm'>, step: number, title: string): void {
  say(ctx);
  say(ctx, ctx.m.stepHeading(step, STEPS, title));
}

/**
 * A check's result as the wizard's line, without the mark: a passed check in
 * the wizard's language, made from its facts (the label is English, for
 * `doctor`); a failure's cause as it is, the same text as in the log and
 * `doctor`, which the catalogue introduces as such.
 */
export function resultText(m: Messages, result: CheckResult): string {
  if (!result.ok) return m.failureCause(result.detail);
  const f = result.found;
  switch (f?.check) {
    case 'fixture':
      return m.checkPassed.fixture(f.path);
    case 'sql':
      return m.checkPassed.sql(f.server, f.database, f.isolation);
    case 'ldap':
      return m.checkPassed.ldap(f.url, f.bindDn, f.baseDn);
    case 'target':
      return m.checkPassed.target(f.url);
    case 'proxy':
      return m.checkPassed.proxy(f.proxy, f.url, f.status);
    case 'smtp':
      return m.checkPassed.smtp(f.server, f.tls, f.user);
    case 'testAlert':
      return m.checkPassed.testAlert(f.to);
    default:
      return result.label; // the wizard's own checks (mapping file, AD table) are in its language already
  }
}

/** "  ✓ …" or "  ✗ …". */
export const resultLine = (m: Messages, result: CheckResult): string => `  ${result.ok ? '✓' : '✗'} ${resultText(m, result)}`;

/** Runs a test with a line saying so, and prints its result: ✓ what was found, or ✗ and the cause. */
export async function test(ctx: Pick<Context, 'io' | 'm'>, what: string, run: () => Promise<CheckResult | undefined>): Promise<CheckResult | undefined> {
  say(ctx, ctx.m.testing(what));
  const result = await run();
  if (result) say(ctx, resultLine(ctx.m, result));
  return result;
}

/** A failure as a check result, for tests that throw (the AD build, the mapping file). */
export function failure(err: unknown): CheckResult {
  if (err instanceof AppError) return { ok: false, label: '', detail: err.message, code: err.code };
  throw err;
}

export const cancelled = (ctx: Pick<Context, 'm'>) => new AppError('usage', given(ctx.m.cancelled));

/**
 * After a failed test: under --non-interactive the run ends with the
 * failure's own exit code; otherwise the user picks try again, change one
 * of the answers, or quit. Resolves with 'retry' or the key to ask again.
 */
export async function afterFailure(ctx: Context, result: CheckResult, fields: readonly { key: AnswerKey; label: string }[]): Promise<'retry' | AnswerKey> {
  if (ctx.answers.nonInteractive) throw new AppError(result.code ?? 'usage', result.detail);
  const choice = await ctx.prompts.select<'retry' | 'quit' | AnswerKey>({
    message: ctx.m.whatNow,
    choices: [
      { name: ctx.m.retry, value: 'retry' },
      ...fields.map((f) => ({ name: ctx.m.change(f.label), value: f.key })),
      { name: ctx.m.quit, value: 'quit' },
    ],
  });
  if (choice === 'quit') throw cancelled(ctx);
  if (choice !== 'retry') ctx.reask.add(choice);
  return choice;
}

/** A file that must exist, typed; made absolute. */
export async function askFile(ctx: Context, message: string, current: string | undefined): Promise<string> {
  const answer = await ctx.prompts.input({
    message,
    ...(current ? { default: current } : {}),
    validate: (v) => (v.trim() === '' ? ctx.m.required : existsSync(absolute(ctx, v.trim())) ? true : ctx.m.notFile(v.trim())),
  });
  return absolute(ctx, answer.trim());
}

