import { existsSync } from 'node:fs';
import type { CheckResult } from '../../src/cli/checks';
import { AppError, type FailureKind } from '../../src/errors';
import type { AnswerKey } from '../answers';
import { absolute, say, walk, type Context, type Question } from '../context';
import type { Messages } from '../../src/messages';
import { isBack } from '../prompts';
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
export function resultText(m: Messages, result: CheckResult, hints = true): string {
  if (!result.ok) return hints && result.kind ? `${inQuestions(m, result.kind)}\n    ${m.failureCause(result.detail)}` : m.failureCause(result.detail);
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

/** A failure the wizard's user can act on, in the words of the questions they answered. */
function inQuestions(m: Messages, kind: FailureKind): string {
  const h = m.failureHint;
  switch (kind) {
    case 'sqlLoginRefused':
      return h.sqlLoginRefused(m.sqlUser, m.sqlDatabase);
    case 'sqlCertificate':
      return h.sqlCertificate(m.sqlTrust, m.trustCaFile, m.trustAny);
    case 'sqlUnreachable':
      return h.sqlUnreachable(m.sqlHost, m.sqlPort, m.sqlInstance);
    case 'sqlHostUnknown':
      return h.sqlHostUnknown(m.sqlHost);
    case 'ldapBindRefused':
      return h.ldapBindRefused(m.adBindDn);
    case 'ldapCertificate':
      return h.ldapCertificate(m.adCaFile);
    case 'targetKeyRefused':
      return h.targetKeyRefused(m.apiKey);
    case 'targetCertificate':
      return h.targetCertificate(m.targetCa);
  }
}

/** "  ✓ …" or "  ✗ …". */
/** `hints`: a failure also in the words of the step's questions (rotating a secret asks none of them). */
export const resultLine = (m: Messages, result: CheckResult, hints = true): string => `  ${result.ok ? '✓' : '✗'} ${resultText(m, result, hints)}`;

/** Runs a test with a line saying so, and prints its result: ✓ what was found, or ✗ and the cause. */
export async function test(ctx: Pick<Context, 'io' | 'm' | 'answers'>, what: string, run: () => Promise<CheckResult | undefined>): Promise<CheckResult | undefined> {
  say(ctx, ctx.m.testing(what));
  const result = await run();
  // Answers given ahead in a file were not asked as questions: the log's text says which key to fix.
  if (result) say(ctx, resultLine(ctx.m, result, !ctx.answers.nonInteractive));
  return result;
}

/** A failure as a check result, for tests that throw (the AD build, the mapping file). */
export function failure(err: unknown): CheckResult {
  if (err instanceof AppError) return { ok: false, label: '', detail: err.message, code: err.code, ...(err.kind ? { kind: err.kind } : {}) };
  throw err;
}

/** "Quit" in a menu: the wizard ends as on Ctrl-C (wizard.ts offers to keep a draft). */
export class Cancelled extends AppError {}

export const cancelled = (ctx: Pick<Context, 'm'>) => new Cancelled('usage', given(ctx.m.cancelled));

/**
 * One choice of a step's failure menu: the questions from `from` up to (not
 * including) `to` are asked again; `keys` are asked even when given ahead.
 * The first key is the choice's value.
 */
export interface Field {
  readonly label: string;
  readonly keys: readonly AnswerKey[];
  readonly from: number;
  readonly to: number;
}

/**
 * After a failed test: under --non-interactive the run ends with the
 * failure's own exit code; otherwise the user picks try again, change any
 * earlier answer of the step, or quit. A change asks those questions again
 * (Escape in them goes back as anywhere); Escape in the menu itself goes
 * back to the step's last question. Resolves when the test is to be run again.
 */
export async function afterFailure(ctx: Context, result: CheckResult, questions: readonly Question[], fields: readonly Field[]): Promise<'retry' | AnswerKey> {
  if (ctx.answers.nonInteractive) throw new AppError(result.code ?? 'usage', result.detail);
  // A draft being resumed: the answers changed here are asked; the draft's others are taken again after, unless the user goes back.
  const replay = ctx.nav.replayUntil;
  const backs = ctx.nav.backs;
  delete ctx.nav.replayUntil;
  try {
    return await failureMenu(ctx, questions, fields);
  } finally {
    if (replay !== undefined && ctx.nav.backs === backs) ctx.nav.replayUntil = replay;
  }
}

async function failureMenu(ctx: Context, questions: readonly Question[], fields: readonly Field[]): Promise<'retry' | AnswerKey> {
  let choice: 'retry' | 'quit' | AnswerKey;
  try {
    choice = await ctx.prompts.select<'retry' | 'quit' | AnswerKey>({
      message: ctx.m.whatNow,
      choices: [
        { name: ctx.m.retry, value: 'retry' },
        ...fields.map((f) => ({ name: ctx.m.change(f.label), value: f.keys[0]! })),
        { name: ctx.m.quit, value: 'quit' },
      ],
    });
  } catch (err) {
    if (!isBack(err)) throw err;
    ctx.nav.backs++;
    await walk(ctx, questions, { from: questions.length - 1, back: true });
    return 'retry';
  }
  if (choice === 'quit') throw cancelled(ctx);
  if (choice === 'retry') return choice;
  const field = fields.find((f) => f.keys[0] === choice)!;
  for (const key of field.keys) ctx.reask.add(key);
  await walk(ctx, questions, { from: field.from, to: field.to });
  return choice;
}

/** A failure menu's choice for the questions named `first` to `last` in `names` (a step's question names, in order). */
export function field(names: readonly string[], label: string, keys: readonly AnswerKey[], first: string, last = first): Field {
  const from = names.indexOf(first);
  const to = names.indexOf(last) + 1;
  if (from < 0 || to <= from) throw new Error(`no questions ${first}..${last}`);
  return { label, keys, from, to };
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

