/**
 * Step 3, teaching groups: which ProCapita activities become teaching
 * groups. Each choice shows how many activities it selects today, by
 * running the rules (decide) on the rows already read.
 */
import type { RuleConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { ask, required, say, type Context, type Draft } from '../context';
import { heading } from './shared';

type Selection = NonNullable<Draft['teachingGroups']>;

/** How many activities at the chosen schools a selection picks, and how many of those become groups today. */
export function countSelected(ctx: Pick<Context, 'rows' | 'draft' | 'syncDate'>, selection: Selection): { atSchools: number; selected: number; groups: number } {
  const rules: RuleConfig = {
    schools: ctx.draft.schools ?? [],
    leadDays: { staff: 14, students: 1, ...(ctx.draft.leadDays as object | undefined) },
    teachingGroups: selection,
    exportPersonalNumber: false,
    allowPersonalNumberInEmail: false,
    requireEmail: false,
  };
  const decisions = decide(ctx.rows!, rules, ctx.syncDate);
  const included = new Set(decisions.schools.filter((s) => s.included && s.unitId).map((s) => `${s.unitId}|${s.schoolForm}`));
  const atSchools = decisions.groups.filter((g) => g.kind === 'teaching' && included.has(`${g.unitId}|${g.schoolForm}`));
  return {
    atSchools: atSchools.length,
    selected: atSchools.filter((g) => g.reason !== 'activity-not-selected').length,
    groups: atSchools.filter((g) => g.included).length,
  };
}

export async function teachingGroupsStep(ctx: Context): Promise<void> {
  const m = ctx.m;
  heading(ctx, 3, m.tgTitle);
  say(ctx, m.tgExplain);
  const current = ctx.draft.teachingGroups ?? { select: 'notesMarker' as const };
  const marker = countSelected(ctx, { select: 'notesMarker' });
  for (;;) {
    const select = await ask(
      ctx,
      'teachingGroups.select',
      () =>
        ctx.prompts.select({
          message: m.tgPrompt,
          choices: [
            { name: m.tgMarker(marker.selected, marker.atSchools, marker.groups), value: 'notesMarker' as const },
            { name: m.tgPrefix, value: 'namePrefix' as const },
            { name: m.tgSuffix, value: 'nameSuffix' as const },
          ],
          default: current.select,
        }),
      { default: current.select },
    );
    let selection: Selection;
    if (select === 'namePrefix') {
      const prefix = await ask(ctx, 'teachingGroups.prefix', () => ctx.prompts.input({ message: m.tgPrefixPrompt, ...('prefix' in current ? { default: current.prefix } : {}), validate: required(ctx) }));
      selection = { select, prefix };
    } else if (select === 'nameSuffix') {
      const suffix = await ask(ctx, 'teachingGroups.suffix', () => ctx.prompts.input({ message: m.tgSuffixPrompt, ...('suffix' in current ? { default: current.suffix } : {}), validate: required(ctx) }));
      selection = { select, suffix };
    } else selection = { select };
    const n = select === 'notesMarker' ? marker : countSelected(ctx, selection);
    say(ctx, m.tgCount(n.selected, n.atSchools, n.groups));
    ctx.draft.teachingGroups = selection;
    if (ctx.answers.nonInteractive || select === 'notesMarker' || ctx.answers.get('teachingGroups.select') !== undefined) return;
    if (await ctx.prompts.confirm({ message: m.tgKeep, default: true })) return;
    ctx.reask.add('teachingGroups.prefix');
    ctx.reask.add('teachingGroups.suffix');
  }
}
