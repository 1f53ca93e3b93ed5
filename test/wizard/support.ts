/**
 * For the wizard tests: the TDS test server (ProCapita over TCP and TLS),
 * the reference receiver (HTTPS), an in-memory credential store, the CLI
 * in-process, and scripted prompts that record what the user sees.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Io } from '../../src/cli/program';
import type { SecretStore } from '../../src/configure/credentials';
import type { SourceRows } from '../../src/extract/contract';
import { NO_ANSWERS, type Answers } from '../../wizard/answers';
import { createContext, realChecks, type Checks, type Context, type Draft } from '../../wizard/context';
import { messagesFor, type Lang } from '../../src/messages';
import { GoBack, type Choice, type Prompts } from '../../wizard/prompts';
import { startReceiver, type Receiver } from '../receiver/receiver';
import { demoFixture, ROOT, tempDir } from '../support/cli';
import { openFixtureDatabase } from '../tds/database';
import { startTdsServer, type TdsServer } from '../tds/server';

export const CERTS = join(ROOT, 'test/certs');
export const CA_FILE = join(CERTS, 'ca.crt');
export const SQL_PASSWORD = 'Läs-bara 2026!';
export const API_KEY = 'wizard-api-key-4711';
export const NOW = new Date('2026-09-01T10:00:00Z');

const open: { close(): Promise<void> }[] = [];

export async function closeAll(): Promise<void> {
  await Promise.all(open.splice(0).map((x) => x.close().catch(() => undefined)));
}

/** The TDS test server with the demo municipality. `logins` may be changed while it runs (a password changed in SQL Server). */
export async function tdsServer(logins: Record<string, string> = { procapita_reader: SQL_PASSWORD }): Promise<TdsServer> {
  const db = openFixtureDatabase(demoFixture() as Parameters<typeof openFixtureDatabase>[0]);
  const tls = { key: readFileSync(join(CERTS, 'server.key')), cert: readFileSync(join(CERTS, 'server.crt')) };
  const server = await startTdsServer({ db, logins, tls });
  open.push(server);
  return server;
}

export async function receiver(keys = [API_KEY]): Promise<Receiver> {
  const r = await startReceiver({ apiKeys: keys });
  open.push(r);
  return r;
}

export { memoryStore, type MemoryStore } from '../support/cli';
import { memoryStore, runCli } from '../support/cli';

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The CLI in-process, with the test's credential store. */
export async function cli(args: readonly string[], env: NodeJS.ProcessEnv, secrets: SecretStore, more: Partial<Io> = {}): Promise<Captured> {
  const { code, stdout, stderr } = await runCli(args, NOW, env, { secrets, sleep: async () => undefined, platform: 'linux', ...more });
  return { code, stdout, stderr };
}

/** A folder for one test, with an answers file in it when given. */
export function folder(answers?: unknown): { dir: string; configPath: string; answersPath: string } {
  const dir = tempDir('procapita-sync-wizard-');
  const answersPath = join(dir, 'answers.json');
  if (answers !== undefined) writeFileSync(answersPath, JSON.stringify(answers, null, 2));
  return { dir, configPath: join(dir, 'config', 'config.json'), answersPath };
}

// ---- Scripted prompts ------------------------------------------------------------

/** Escape in a question: back to the previous one. */
export const ESC = Symbol('Esc');
/** Ctrl-C in a question: inquirer's ExitPromptError. */
export const CTRL_C = Symbol('Ctrl-C');

/** One scripted answer: a value, a function of the choices shown (for select and search), or ESC or CTRL_C. */
export type Scripted = string | boolean | symbol | ((shown: readonly Choice<unknown>[]) => unknown);

/**
 * Prompts that answer from a list, in order, and write what a user would see
 * into `screen`: the question with its default, and for lists every choice.
 * A validation message is recorded too, and the prompt is then answered by
 * the next entry, as a user would type again.
 */
export function scriptedPrompts(script: Scripted[]): Prompts & { readonly screen: string[]; readonly left: () => number } {
  const screen: string[] = [];
  const next = (kind: string, message: string): Scripted => {
    if (script.length === 0) throw new Error(`no scripted answer left for ${kind} "${message}"`);
    const a = script.shift()!;
    if (a === ESC) {
      screen.push(`? ${message} [Esc]`);
      throw new GoBack();
    }
    if (a === CTRL_C) {
      screen.push(`? ${message} [Ctrl-C]`);
      throw Object.assign(new Error('User force closed the prompt with SIGINT'), { name: 'ExitPromptError' });
    }
    return a;
  };
  const typed = async (kind: string, q: { message: string; default?: string; validate?: (v: string) => true | string }, masked: boolean): Promise<string> => {
    for (;;) {
      const a = next(kind, q.message);
      if (typeof a !== 'string') throw new Error(`scripted answer for ${kind} "${q.message}" is not a string: ${String(a)}`);
      const value = a === '' && q.default !== undefined ? q.default : a;
      screen.push(`? ${q.message}${q.default !== undefined ? ` (${q.default})` : ''} ${masked ? '*'.repeat(value.length) : value}`);
      const ok = q.validate ? q.validate(value) : true;
      if (ok === true) return value;
      screen.push(`> ${ok}`);
    }
  };
  /** '' takes the default, as Enter does. */
  const pick = <T>(kind: string, message: string, choices: readonly Choice<T>[], fallback?: T): T => {
    screen.push(`? ${message}`);
    for (const c of choices) screen.push(`  ${c.name}${c.description ? ` — ${c.description}` : ''}`);
    const a = next(kind, message);
    const value = typeof a === 'function' ? a(choices as readonly Choice<unknown>[]) : a === '' && fallback !== undefined ? fallback : a;
    const chosen = choices.find((c) => c.value === value || (typeof value === 'string' && typeof c.value !== 'string' && c.name === value));
    if (!chosen) throw new Error(`scripted answer ${String(value)} is not a choice of ${kind} "${message}": ${choices.map((c) => String(c.value)).join(', ')}`);
    screen.push(`  → ${chosen.name}`);
    return chosen.value;
  };
  return {
    screen,
    left: () => script.length,
    input: (q) => typed('input', q, false),
    password: (q) => typed('password', q, true),
    async confirm(q) {
      const a = next('confirm', q.message);
      const value = a === '' ? (q.default ?? false) : a;
      if (typeof value !== 'boolean') throw new Error(`scripted answer for confirm "${q.message}" is not a boolean`);
      screen.push(`? ${q.message} ${value ? 'yes' : 'no'}`);
      return value;
    },
    select: async (q) => pick('select', q.message, q.choices, q.default),
    async search(q) {
      const shown = q.source(q.initialValue ?? '');
      return pick('search', q.message, shown, q.default);
    },
    async checkbox(q) {
      throw new Error(`checkbox "${q.message}" is not scripted`);
    },
  };
}

// ---- A context for one step ------------------------------------------------------


export interface StepOptions {
  readonly script?: Scripted[];
  readonly answers?: Answers;
  readonly draft?: Draft;
  readonly existing?: Draft;
  readonly rows?: SourceRows;
  readonly checks?: Partial<Checks>;
  readonly store?: SecretStore;
  readonly platform?: NodeJS.Platform;
  readonly env?: NodeJS.ProcessEnv;
  readonly lang?: Lang;
  readonly configPath?: string;
  readonly exec?: Io['exec'];
  /** Where a first configuration already is, for a second one beside it (default: the platform's usual path). */
  readonly usualConfigPath?: string;
  /** Other prompts than the scripted ones (the real ones, in inquirer.test.ts). */
  readonly prompts?: Prompts;
}

/** A context as `setup` makes one, with scripted prompts and the output collected in `out()`. */
export function stepContext(o: StepOptions = {}): { ctx: Context; prompts: ReturnType<typeof scriptedPrompts>; out: () => string; store: SecretStore } {
  let out = '';
  const prompts = scriptedPrompts([...(o.script ?? [])]);
  const store = o.store ?? memoryStore();
  const lang = o.lang ?? 'en';
  // As setup does: an existing configuration file is the starting point.
  const existing = o.existing
    ? { text: `${JSON.stringify(o.existing, null, 2)}\n`, data: o.existing }
    : o.configPath && existsSync(o.configPath)
      ? { text: readFileSync(o.configPath, 'utf8'), data: JSON.parse(readFileSync(o.configPath, 'utf8')) as Draft }
      : undefined;
  const ctx = createContext({
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (out += t),
      now: () => NOW,
      env: o.env ?? { USER: 'svc-procapita' },
      sleep: async () => undefined,
      random: () => 0.5,
      secrets: store,
      platform: o.platform ?? 'linux',
      ...(o.exec ? { exec: o.exec } : {}),
    },
    lang,
    m: messagesFor(lang),
    prompts: o.prompts ?? prompts,
    answers: o.answers ?? NO_ANSWERS,
    configPath: o.configPath ?? join(tempDir('procapita-sync-wizard-'), 'config.json'),
    ...(o.usualConfigPath ? { usualConfigPath: o.usualConfigPath } : {}),
    syncDate: '2026-09-01',
    checks: { ...realChecks, ...o.checks },
    platform: o.platform ?? 'linux',
    program: { exePath: 'C:\\Program Files\\procapita-sync\\procapita-sync.exe' },
    ...(existing ? { existing } : {}),
  });
  if (o.draft) ctx.draft = structuredClone(o.draft);
  if (o.rows) ctx.rows = o.rows;
  return { ctx, prompts, out: () => out, store };
}
