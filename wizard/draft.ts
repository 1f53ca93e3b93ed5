/**
 * A draft: the answers of a first run (or "go through everything") that was
 * stopped, kept so that the next `setup` can resume from them. It holds the
 * draft configuration and the step reached, nothing else: secrets live in
 * ctx.secrets and ctx.schedule, never in the draft, and are asked again.
 * Written atomically and private (0600), next to the configuration.
 */
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomically } from '../src/atomic-file';
import { say, type Context, type Draft } from './context';

/** The draft's format; a file without it is not one of ours. */
const FORMAT = 'procapita-sync setup draft 1';

export interface SavedDraft {
  /** The id of the step reached (wizard/wizard.ts). */
  readonly step: string;
  readonly config: Draft;
}

/** config.json → config.draft.json, in the same folder. */
export const draftPath = (configPath: string): string => configPath.replace(/(\.json)?$/i, '.draft.json');

export async function saveDraft(ctx: Pick<Context, 'configPath' | 'draft'>, step: string): Promise<void> {
  await writeFileAtomically(draftPath(ctx.configPath), `${JSON.stringify({ format: FORMAT, step, config: ctx.draft }, null, 2)}\n`);
}

/** The draft there is, or undefined; a damaged one is reported by file and kind, and ignored. */
export async function loadDraft(ctx: Pick<Context, 'configPath' | 'io' | 'm'>, steps: readonly string[]): Promise<SavedDraft | undefined> {
  const file = draftPath(ctx.configPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    say(ctx, `! ${ctx.m.draftDamaged(file, ctx.m.draftKind.unreadable)}`);
    return undefined;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    say(ctx, `! ${ctx.m.draftDamaged(file, ctx.m.draftKind.json)}`);
    return undefined;
  }
  const d = data as { format?: unknown; step?: unknown; config?: unknown } | null;
  const isObject = (v: unknown): v is Draft => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(d) || d.format !== FORMAT || typeof d.step !== 'string' || !steps.includes(d.step) || !isObject(d.config)) {
    say(ctx, `! ${ctx.m.draftDamaged(file, ctx.m.draftKind.shape)}`);
    return undefined;
  }
  return { step: d.step, config: d.config };
}

export async function removeDraft(ctx: Pick<Context, 'configPath'>): Promise<void> {
  await rm(draftPath(ctx.configPath), { force: true });
}
