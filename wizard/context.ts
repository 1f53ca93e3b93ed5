/**
 * What every step of the wizard works on: the draft configuration, the
 * secrets to store, the answers given ahead, the language, the prompts and
 * the world outside (Io, the checks, the credential store). Each step is a
 * small async function over this context.
 */
import { dirname, resolve } from 'node:path';
import { checkLdap, checkSmtp, checkSql, checkTarget, checkTestAlert, type CheckResult } from '../src/cli/checks';
import type { AlertMail } from '../src/report/alerts';
import type { Io } from '../src/cli/io';
import { defaultConfigPath, parseConfig, type Config } from '../src/configure/config';
import { credentialService, credentialsFrom, keytarStore, MAX_SECRET_BYTES, secretEnvNames, type Credentials, type SecretName, type SecretStore } from '../src/configure/credentials';
import type { MappingEntry } from '../src/enrich/mapping-table';
import { AppError } from '../src/errors';
import type { SourceRows } from '../src/extract/contract';
import { printable } from '../src/printable';
import type { TaskSpec } from '../src/schedule/task';
import { currentRuntime, programFor } from '../src/schedule/windows';
import { ANSWERS, flagOf, isSecretKey, secretFrom, type AnswerKey, type Answers, type AnswerTypes } from './answers';
import type { Lang, Messages } from '../src/messages';
import { GoBack, isBack, type Prompts, type Validate } from './prompts';
import { given, safe } from '../src/safe-text';

/** The SQL source as the configuration file has it. Keys the wizard does not ask about (queries, timeouts) are kept as they are. */
export interface DraftSql {
  type: 'sql';
  host: string;
  port?: number;
  instanceName?: string;
  database: string;
  user: string;
  encrypt: boolean | 'strict';
  trustServerCertificate: boolean;
  caFile?: string;
  [other: string]: unknown;
}

export interface DraftAd {
  url: string;
  startTls?: boolean;
  caFile?: string;
  bindDn: string;
  baseDn: string;
  filter?: string;
  keyAttribute?: string;
  [other: string]: unknown;
}

export interface DraftTarget {
  type: 'https';
  url: string;
  caFile?: string;
  proxy?: { url: string; user?: string; [other: string]: unknown };
  [other: string]: unknown;
}

/** The configuration file as the wizard writes it (docs/configuration.md); other keys are kept as they were. */
export interface Draft {
  /** Several configurations on one server: the task, the store's service and the default folders are procapita-sync-<name>. */
  name?: string;
  source?: DraftSql | { type: 'fixture'; path: string };
  schools?: { unitCode: string; schoolForm: string }[];
  teachingGroups?: { select: 'notesMarker' } | { select: 'namePrefix'; prefix: string } | { select: 'nameSuffix'; suffix: string };
  export?: { personalNumber?: boolean; [other: string]: unknown };
  email?: { requireEmail?: boolean; mappingFile?: string; ad?: DraftAd; [other: string]: unknown };
  target?: DraftTarget | { type: 'directory'; path: string };
  alerts?: { email?: DraftAlerts; [other: string]: unknown };
  [other: string]: unknown;
}

export interface DraftAlerts {
  host: string;
  port?: number;
  security: 'starttls' | 'tls';
  from: string;
  to: string[];
  user?: string;
  caFile?: string;
  everyRun?: boolean;
  [other: string]: unknown;
}

/** The checks the wizard runs on its answers: src/cli/checks.ts, the same as `doctor`; tests put stand-ins here. */
export interface Checks {
  readonly sql: (config: Config, credentials: Credentials) => Promise<CheckResult>;
  readonly ldap: (config: Config, credentials: Credentials) => Promise<CheckResult | undefined>;
  readonly target: (config: Config, credentials: Credentials, env: NodeJS.ProcessEnv) => Promise<CheckResult | undefined>;
  readonly smtp: (config: Config, credentials: Credentials) => Promise<CheckResult | undefined>;
  readonly testAlert: (config: Config, credentials: Credentials, mail: AlertMail) => Promise<CheckResult>;
}

export const realChecks: Checks = { sql: checkSql, ldap: checkLdap, target: checkTarget, smtp: checkSmtp, testAlert: checkTestAlert };

export interface Schedule {
  readonly time: string;
  readonly account: string;
  /** The account's Windows password, handed to Task Scheduler on standard input; never stored by procapita-sync. */
  readonly password?: string;
  readonly register: boolean;
}

export interface Context {
  readonly io: Io;
  readonly lang: Lang;
  readonly m: Messages;
  readonly prompts: Prompts;
  readonly answers: Answers;
  readonly checks: Checks;
  readonly store: SecretStore;
  readonly platform: NodeJS.Platform;
  readonly configPath: string;
  /** Where the wizard puts a configuration by default (defaultConfigPath): a second configuration beside it needs a name of its own. */
  readonly usualConfigPath: string;
  /** The folder relative paths in answers are resolved against. */
  readonly cwd: string;
  /** What the scheduled task starts: the packed exe, or node with tsx from source. */
  readonly program: Pick<TaskSpec, 'exePath' | 'exeArgs' | 'workingDirectory'>;
  readonly syncDate: string;
  /** The configuration file as it was when the wizard started: its text and its data. */
  readonly existing?: { readonly text: string; readonly data: Draft };
  draft: Draft;
  /** New secret values, stored at the write step; never in the draft. */
  readonly secrets: Partial<Record<SecretName, string>>;
  /** ProCapita's rows, once the SQL step has read them. */
  rows?: SourceRows;
  /** A mapping table built from AD, written at the write step. */
  mapping?: { readonly file: string; readonly table: readonly MappingEntry[] };
  schedule?: Schedule;
  /** The account the nightly task runs as, settled before the first question (steps/account.ts); Windows only. */
  account?: string;
  /** Answers the user chose to change after a failed test: asked again even when given ahead. */
  readonly reask: Set<AnswerKey>;
  /** Where the walk through the questions is (walk() below). */
  readonly nav: Nav;
}

export interface Nav {
  /** Questions put to the user so far: going back passes a question that asked none (given ahead, or not needed). */
  asked: number;
  /** The step is entered by going back: its walk starts at its last question. */
  enterAtEnd: boolean;
  /** How often the user has gone back (Escape). */
  backs: number;
  /** The step of the first run being walked, by id (wizard/wizard.ts): what a draft records. */
  step?: string;
  /**
   * Resuming a draft: until this step, a question with a default takes it
   * without asking (and says so); secrets, lists without a default and
   * failure menus are asked, and what is changed in a failure menu. Going
   * back ends it.
   */
  replayUntil?: string;
}

export { defaultConfigPath } from '../src/configure/config';

export interface ContextOptions {
  readonly io: Io;
  readonly lang: Lang;
  readonly m: Messages;
  readonly prompts: Prompts;
  readonly answers: Answers;
  readonly configPath: string;
  /** Default: defaultConfigPath for the platform. */
  readonly usualConfigPath?: string;
  readonly syncDate: string;
  readonly existing?: { readonly text: string; readonly data: Draft };
  readonly checks?: Checks;
  readonly platform?: NodeJS.Platform;
  readonly cwd?: string;
  readonly program?: Pick<TaskSpec, 'exePath' | 'exeArgs' | 'workingDirectory'>;
}

export function createContext(o: ContextOptions): Context {
  const platform = o.platform ?? o.io.platform ?? process.platform;
  const nav: Nav = { asked: 0, enterAtEnd: false, backs: 0 };
  // The store's service follows the draft's name, which the wizard may learn after it starts.
  const draft = () => ctx.draft;
  const ctx: Context = {
    io: o.io,
    lang: o.lang,
    m: o.m,
    prompts: navigated(o.prompts, nav, o.m, (line) => say(o, line)),
    answers: o.answers,
    checks: o.checks ?? realChecks,
    store: o.io.secrets ?? keytarStore(platform, () => credentialService(draft())),
    platform,
    configPath: o.configPath,
    usualConfigPath: o.usualConfigPath ?? defaultConfigPath(platform, o.io.env),
    cwd: o.cwd ?? process.cwd(),
    program: o.program ?? programFor(currentRuntime()),
    syncDate: o.syncDate,
    ...(o.existing ? { existing: o.existing } : {}),
    draft: o.existing ? (structuredClone(o.existing.data) as Draft) : {},
    secrets: {},
    reask: new Set(),
    nav,
  };
  return ctx;
}

/** The prompts, counted for walk(); while a draft is replayed, one with a default answers itself. */
function navigated(p: Prompts, nav: Nav, m: Messages, say: (line: string) => void): Prompts {
  const asking = () => {
    nav.asked++;
    nav.enterAtEnd = false;
  };
  const replayed = <T>(message: string, value: T | undefined, shown: (v: T) => string | undefined): value is T => {
    if (nav.replayUntil === undefined || value === undefined) return false;
    say(`✔ ${message} ${shown(value) ?? ''}`.trimEnd());
    return true;
  };
  return {
    // A draft is a file one can edit: a default its question would refuse is asked.
    input: async (q) => ((q.default === undefined || !q.validate || q.validate(q.default) === true) && replayed(q.message, q.default, (v) => v) ? q.default! : (asking(), p.input(q))),
    password: async (q) => (asking(), p.password(q)),
    confirm: async (q) => (replayed(q.message, q.default, (v) => (v ? m.yes : m.no)) ? q.default! : (asking(), p.confirm(q))),
    select: async (q) => (q.choices.some((c) => c.value === q.default) && replayed(q.message, q.default, (v) => q.choices.find((c) => c.value === v)?.name) ? q.default! : (asking(), p.select(q))),
    search: async (q) => (asking(), p.search(q)),
    checkbox: async (q) => (asking(), p.checkbox(q)),
  };
}

// ---- Output ----------------------------------------------------------------

/** One or more lines to the terminal. Data in them (school names, names, DNs) is shown with control characters escaped. */
export const say = (ctx: Pick<Context, 'io'>, text = ''): void => ctx.io.stdout(`${text.split('\n').map(printable).join('\n')}\n`);

/** The credential store's name, in the wizard's language. */
export const storeName = (ctx: Pick<Context, 'm' | 'platform'>): string => (ctx.platform === 'win32' || ctx.platform === 'darwin' ? ctx.m.store[ctx.platform] : ctx.m.store.other);

/** Where one secret is kept: the store, the service (the configuration's: procapita-sync or procapita-sync-<name>) and the account. */
export const storeEntry = (ctx: Pick<Context, 'm' | 'platform' | 'draft'>, name: SecretName): string => ctx.m.storeEntry(storeName(ctx), credentialService(ctx.draft), name);

// ---- Asking -----------------------------------------------------------------

export interface AskOptions<T> {
  /** Offered in the prompt; taken without asking under --non-interactive. Absent: the answer is required. */
  readonly default?: T;
}

/**
 * An answer: given ahead (flag or file) unless the user asked to change it;
 * under --non-interactive the default or an error naming the key; otherwise
 * the prompt.
 */
export async function ask<K extends AnswerKey>(ctx: Context, key: K, prompt: () => Promise<AnswerTypes[K]>, o: AskOptions<AnswerTypes[K]> = {}): Promise<AnswerTypes[K]> {
  const given = ctx.reask.has(key) ? undefined : ctx.answers.get(key);
  if (given !== undefined) return given;
  if (ctx.answers.nonInteractive) {
    if ('default' in o && o.default !== undefined) return o.default;
    throw missingAnswer(ctx, key);
  }
  return prompt();
}

export function missingAnswer(ctx: Pick<Context, 'm'>, key: AnswerKey): AppError {
  return new AppError('usage', given(ctx.m.missingAnswer(key, `${flagOf(key)} <${ANSWERS[key].arg}>`)));
}

/** An optional text answer: empty means none. Under --non-interactive a missing one is none. */
export async function askOptional(ctx: Context, key: AnswerKey, message: string, current: string | undefined, validate?: Validate): Promise<string | undefined> {
  const given = ctx.reask.has(key) ? undefined : (ctx.answers.get(key) as string | undefined);
  if (given !== undefined) return given;
  if (ctx.answers.nonInteractive) return current;
  // A draft being resumed: none stays none (an input without a default would be asked).
  if (ctx.nav.replayUntil !== undefined && current === undefined) {
    say(ctx, `✔ ${message}`);
    return undefined;
  }
  const answer = await ctx.prompts.input({
    message,
    ...(current ? { default: current } : {}),
    validate: (v) => (v.trim() === '' ? true : validate ? validate(v.trim()) : true),
  });
  return answer.trim() === '' ? undefined : answer.trim();
}

/** An optional CA file (PEM): set on `holder` made absolute, or taken off it when the answer is empty. */
export async function askCaFile(ctx: Context, key: AnswerKey, message: string, holder: { caFile?: string }): Promise<void> {
  const file = await askOptional(ctx, key, message, holder.caFile);
  if (file) holder.caFile = absolute(ctx, file);
  else delete holder.caFile;
}

/** Where a secret answer is kept until the write step. */
const SESSION_SECRET: Partial<Record<AnswerKey, SecretName>> = {
  'sql.password': 'sqlPassword',
  'target.apiKey': 'apiKey',
  'email.ad.password': 'ldapPassword',
  'target.proxy.password': 'proxyPassword',
  'alerts.password': 'smtpPassword',
};

/**
 * A secret: from the environment variable an answer names, or typed masked.
 * With `keep`, an empty answer keeps the stored value (undefined is returned).
 */
export async function askSecret(ctx: Context, key: AnswerKey, message: string, keep: boolean): Promise<string | undefined> {
  if (!isSecretKey(key)) throw new Error(`${key} is not a secret`);
  const given = ctx.reask.has(key) ? undefined : (ctx.answers.get(key) as AnswerTypes['sql.password'] | undefined);
  if (given !== undefined) return secretFrom(given, key, ctx.answers, ctx.io.env);
  if (ctx.answers.nonInteractive) {
    if (keep) return undefined;
    throw missingAnswer(ctx, key);
  }
  // Asked again after going back: Enter keeps the value typed before (in ctx.secrets), unless a failed test asked to change it.
  const typed = !keep && !ctx.reask.has(key) && SESSION_SECRET[key] !== undefined && ctx.secrets[SESSION_SECRET[key]] !== undefined;
  const value = await ctx.prompts.password({
    message: keep ? `${message}${ctx.m.keepStored}` : typed ? `${message}${ctx.m.keepTyped}` : message,
    validate: (v) => (v === '' ? (keep || typed ? true : ctx.m.required) : Buffer.byteLength(v, 'utf8') > MAX_SECRET_BYTES ? ctx.m.tooLong : true),
  });
  return value === '' ? undefined : value;
}

/** One question of a step: asks one thing, or nothing (given ahead, or not needed after an earlier answer). */
export type Question = () => Promise<unknown>;

export interface WalkOptions {
  /** The first question asked (default: the first, or the last when the step is entered by going back). */
  readonly from?: number;
  /** Start going back: `from` is passed when it asks nothing. */
  readonly back?: boolean;
  /** Stop before this one (default: after the last). */
  readonly to?: number;
}

/**
 * A step's questions, walked by index. Escape in one (GoBack) asks the one
 * before again, with its answer as the default; one that asks nothing is
 * passed on the way back. Back from the first goes on to the previous step
 * (GoBack again), which is entered at its last question.
 */
export async function walk(ctx: Context, questions: readonly Question[], o: WalkOptions = {}): Promise<void> {
  const to = o.to ?? questions.length;
  let back = o.back ?? (o.from === undefined && ctx.nav.enterAtEnd);
  let i = o.from ?? (back ? to - 1 : 0);
  while (i < to) {
    if (i < 0) throw new GoBack();
    const asked = ctx.nav.asked;
    ctx.nav.enterAtEnd = back;
    try {
      await questions[i]!();
    } catch (err) {
      if (!isBack(err)) throw err;
      // The user wants to change something: a draft's answers are no longer taken as they are.
      delete ctx.nav.replayUntil;
      ctx.nav.backs++;
      back = true;
      i--;
      continue;
    }
    if (back && ctx.nav.asked === asked) i--;
    else {
      back = false;
      i++;
    }
  }
  ctx.nav.enterAtEnd = false;
}

// ---- Validation of typed answers --------------------------------------------

export const required =
  (ctx: Pick<Context, 'm'>): Validate =>
  (v) =>
    v.trim() === '' ? ctx.m.required : true;

/** A path as typed, made absolute against the folder the wizard runs in. */
export const absolute = (ctx: Pick<Context, 'cwd'>, path: string): string => resolve(ctx.cwd, path);

// ---- The draft as a configuration ---------------------------------------------

/** The draft's configuration, validated. Before the schools step a placeholder school stands in, as the file needs one. */
export function draftConfig(ctx: Pick<Context, 'draft' | 'configPath'>, override: Partial<Draft> = {}): Config {
  const draft = { ...ctx.draft, ...override };
  const data = draft.schools && draft.schools.length > 0 ? draft : { ...draft, schools: [{ unitCode: '-', schoolForm: 'GR' }] };
  return parseConfig(data, ctx.configPath);
}

/**
 * Secrets for a test: a value given in this session (or `override`), else
 * what a run would use: the environment variable the configuration names,
 * when it is set, or the credential store.
 */
export function wizardCredentials(ctx: Pick<Context, 'secrets' | 'store' | 'draft' | 'configPath' | 'io' | 'platform'>, override: Partial<Record<SecretName, string>> = {}): Credentials {
  const run = () => credentialsFrom(ctx.store, secretEnvNames(draftConfig(ctx)), ctx.io.env, { configPath: ctx.configPath, platform: ctx.platform, service: credentialService(ctx.draft) });
  return {
    origin: (name) => (override[name] ?? ctx.secrets[name] ? safe`the value given in setup` : run().origin!(name)),
    get: async (name) => override[name] ?? ctx.secrets[name] ?? run().get(name),
  };
}

export const configDir = (ctx: Pick<Context, 'configPath'>): string => dirname(ctx.configPath);
