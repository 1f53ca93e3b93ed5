/**
 * The questions the wizard asks, as an interface: the real one is
 * @inquirer/prompts, tests put a scripted one in its place.
 */
import { styleText } from 'node:util';

export interface Choice<T> {
  readonly name: string;
  readonly value: T;
  readonly description?: string;
  /** Shown on the answered line instead of the name. */
  readonly short?: string;
  /** Shown but not pickable; a string says why. */
  readonly disabled?: boolean | string;
}

export type Validate = (value: string) => true | string;

export interface Prompts {
  input(q: { readonly message: string; readonly default?: string; readonly validate?: Validate }): Promise<string>;
  /** Masked: the terminal shows one * per character. */
  password(q: { readonly message: string; readonly validate?: Validate }): Promise<string>;
  confirm(q: { readonly message: string; readonly default?: boolean }): Promise<boolean>;
  select<T>(q: { readonly message: string; readonly choices: readonly Choice<T>[]; readonly default?: T }): Promise<T>;
  /** A list filtered as the user types; `source` is called with the text typed so far. */
  search<T>(q: { readonly message: string; readonly source: (term: string) => readonly Choice<T>[]; readonly default?: T; readonly initialValue?: string; readonly pageSize?: number }): Promise<T>;
  checkbox<T>(q: { readonly message: string; readonly choices: readonly (Choice<T> & { readonly checked?: boolean })[]; readonly pageSize?: number }): Promise<T[]>;
}

const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The prompts' own words, from the message catalogue: yes and no, and the key hints under a list. */
export interface PromptWords {
  readonly yes: string;
  readonly no: string;
  readonly yesNoError: (yes: string, no: string) => string;
  readonly keyActions: Readonly<Record<string, string>>;
}

/** Escape in a question: go back to the one before. Steps walk their questions by index (walk() in context.ts). */
export class GoBack extends Error {
  constructor() {
    super('back to the previous question');
    this.name = 'GoBack';
  }
}

export const isBack = (err: unknown): err is GoBack => err instanceof GoBack;

const BACK = Symbol('back');

/**
 * Runs one inquirer prompt that Escape aborts with GoBack. inquirer has no
 * Escape of its own; it takes an AbortSignal, and readline reports a lone
 * Escape as a keypress on the input (after its 500 ms wait for a sequence).
 */
function escapable<T>(input: NodeJS.EventEmitter, run: (context: { signal: AbortSignal }) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onKey = (_: unknown, key?: { name?: string }) => {
    if (key?.name === 'escape') controller.abort(BACK);
  };
  input.on('keypress', onKey);
  return run({ signal: controller.signal })
    .catch((err: unknown) => {
      throw controller.signal.reason === BACK ? new GoBack() : err;
    })
    .finally(() => input.off('keypress', onKey));
}

/**
 * The real prompts, in the terminal, in the catalogue's language where
 * inquirer lets us. `input` is where Escape is listened for: the terminal,
 * or the test screen's stream.
 */
export async function inquirerPrompts(words?: PromptWords, o: { input?: NodeJS.EventEmitter } = {}): Promise<Prompts> {
  // inquirer is loaded when the wizard starts, not at every start of the program.
  const { checkbox, confirm, input, password, search, select } = await import('@inquirer/prompts');
  const keys = o.input ?? process.stdin;
  const keysHelpTip = words
    ? (keys: [string, string][]) => keys.map(([key, action]) => `${styleText('bold', key)} ${styleText('dim', words.keyActions[action] ?? action)}`).join(styleText('dim', ' • '))
    : undefined;
  const listTheme = keysHelpTip ? { style: { keysHelpTip } } : undefined;
  const confirmTheme = words ? { keywords: { yes: words.yes, no: words.no, error: (k: { yes: string; no: string }) => words.yesNoError(k.yes, k.no) } } : undefined;
  return {
    input: (q) => escapable(keys, (c) => input(strip({ message: q.message, default: q.default, validate: q.validate }), c)),
    password: (q) => escapable(keys, (c) => password(strip({ message: q.message, mask: '*', validate: q.validate, theme: listTheme }), c)),
    confirm: (q) => escapable(keys, (c) => confirm(strip({ message: q.message, default: q.default, theme: confirmTheme }), c)),
    select: <T>(q: { message: string; choices: readonly Choice<T>[]; default?: T }) =>
      escapable(keys, (c) => select<T>(strip({ message: q.message, choices: q.choices.map((ch) => strip({ ...ch })), default: q.default, pageSize: 12, loop: false, theme: listTheme }), c)),
    search: <T>(q: { message: string; source: (term: string) => readonly Choice<T>[]; default?: T; initialValue?: string; pageSize?: number }) =>
      escapable(keys, (c) =>
        search<T>(
          strip({ message: q.message, source: (term: string | undefined) => q.source(term ?? '').map((ch) => strip({ ...ch })), default: q.default, initialValue: q.initialValue, pageSize: q.pageSize ?? 15, theme: listTheme }),
          c,
        ),
      ),
    checkbox: <T>(q: { message: string; choices: readonly (Choice<T> & { checked?: boolean })[]; pageSize?: number }) =>
      escapable(keys, (c) => checkbox<T>(strip({ message: q.message, choices: q.choices.map((ch) => strip({ ...ch })), pageSize: q.pageSize ?? 15, loop: false, theme: listTheme }), c)),
  };
}

/** Ctrl-C (or a closed terminal) inside a prompt; not Escape, which is GoBack. */
export function isCancel(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}
