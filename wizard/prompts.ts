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

/** The real prompts, in the terminal, in the catalogue's language where inquirer lets us. */
export async function inquirerPrompts(words?: PromptWords): Promise<Prompts> {
  // inquirer is loaded when the wizard starts, not at every start of the program.
  const { checkbox, confirm, input, password, search, select } = await import('@inquirer/prompts');
  const keysHelpTip = words
    ? (keys: [string, string][]) => keys.map(([key, action]) => `${styleText('bold', key)} ${styleText('dim', words.keyActions[action] ?? action)}`).join(styleText('dim', ' • '))
    : undefined;
  const listTheme = keysHelpTip ? { style: { keysHelpTip } } : undefined;
  const confirmTheme = words ? { keywords: { yes: words.yes, no: words.no, error: (k: { yes: string; no: string }) => words.yesNoError(k.yes, k.no) } } : undefined;
  return {
    input: (q) => input(strip({ message: q.message, default: q.default, validate: q.validate })),
    password: (q) => password(strip({ message: q.message, mask: '*', validate: q.validate, theme: listTheme })),
    confirm: (q) => confirm(strip({ message: q.message, default: q.default, theme: confirmTheme })),
    select: <T>(q: { message: string; choices: readonly Choice<T>[]; default?: T }) =>
      select<T>(strip({ message: q.message, choices: q.choices.map((c) => strip({ ...c })), default: q.default, pageSize: 12, loop: false, theme: listTheme })),
    search: <T>(q: { message: string; source: (term: string) => readonly Choice<T>[]; default?: T; initialValue?: string; pageSize?: number }) =>
      search<T>(
        strip({ message: q.message, source: (term: string | undefined) => q.source(term ?? '').map((c) => strip({ ...c })), default: q.default, initialValue: q.initialValue, pageSize: q.pageSize ?? 15, theme: listTheme }),
      ),
    checkbox: <T>(q: { message: string; choices: readonly (Choice<T> & { checked?: boolean })[]; pageSize?: number }) =>
      checkbox<T>(strip({ message: q.message, choices: q.choices.map((c) => strip({ ...c })), pageSize: q.pageSize ?? 15, loop: false, theme: listTheme })),
  };
}

/** Ctrl-C (or a closed terminal) inside a prompt. */
export function isCancel(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}
