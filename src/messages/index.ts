/**
 * The one message catalogue per language: what people read from the wizard,
 * the run report and the alerts, in Swedish by default and in English on
 * request. The CLI's own lines join it as they are translated (issue 17).
 */
import { en } from './en';
import { sv } from './sv';

/** The catalogue's shape is the English one's; sv.ts must have exactly the same keys. */
export type Messages = typeof en;

export const LANGS = ['sv', 'en'] as const;
export type Lang = (typeof LANGS)[number];
/** The wizard speaks Swedish unless told otherwise (--lang en). */
export const DEFAULT_LANG: Lang = 'sv';

export const CATALOGUES: Record<Lang, Messages> = { sv, en };

export function messagesFor(lang: Lang): Messages {
  return CATALOGUES[lang];
}
