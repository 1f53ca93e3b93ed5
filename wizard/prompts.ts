/**
 * The questions the wizard asks, as an interface: the real one is
 * @inquirer/prompts, tests put a scripted one in its place.
 */
import { checkbox, confirm, input, password, search, select } from '@inquirer/prompts';

export interface Choice<T> {
  readonly name: string;
  readonly value: T;
  readonly description?: string;
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

/** The real prompts, in the terminal. */
export function inquirerPrompts(): Prompts {
  return {
    input: (q) => input(strip({ message: q.message, default: q.default, validate: q.validate })),
    password: (q) => password(strip({ message: q.message, mask: '*', validate: q.validate })),
    confirm: (q) => confirm(strip({ message: q.message, default: q.default })),
    select: <T>(q: { message: string; choices: readonly Choice<T>[]; default?: T }) =>
      select<T>(strip({ message: q.message, choices: q.choices.map((c) => strip({ ...c })), default: q.default, pageSize: 12, loop: false })),
    search: <T>(q: { message: string; source: (term: string) => readonly Choice<T>[]; default?: T; initialValue?: string; pageSize?: number }) =>
      search<T>(strip({ message: q.message, source: (term: string | undefined) => q.source(term ?? ''), default: q.default, initialValue: q.initialValue, pageSize: q.pageSize ?? 15 })),
    checkbox: <T>(q: { message: string; choices: readonly (Choice<T> & { checked?: boolean })[]; pageSize?: number }) =>
      checkbox<T>(strip({ message: q.message, choices: q.choices.map((c) => strip({ ...c })), pageSize: q.pageSize ?? 15, loop: false })),
  };
}

/** Ctrl-C (or a closed terminal) inside a prompt. */
export function isCancel(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError' || name === 'CancelPromptError';
}
