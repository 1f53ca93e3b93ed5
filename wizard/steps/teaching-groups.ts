/**
 * Step 3, teaching groups: which ProCapita activities become teaching
 * groups. Each choice shows how many activities it selects today, by
 * running the rules (decide) on the rows already read.
 */
import type { RuleConfig } from '../../src/configure/config';
import { decide } from '../../src/decide/decide';
import { GoBack } from '../prompts';
import { ask, required, say, walk, type Context, type Draft } from '../context';
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
  const marker = countSelected(ctx, { select: 'notesMarker' });
  let select: Selection['select'] = ctx.draft.teachingGroups?.select ?? 'notesMarker';
  // The text asked last for each, for its default when asked again.
  const current = ctx.draft.teachingGroups ?? { select };
  let prefix = 'prefix' in current ? current.prefix : undefined;
  let suffix = 'suffix' in current ? current.suffix : undefined;
  const selection = (): Selection => (select === 'namePrefix' ? { select, prefix: prefix! } : select === 'nameSuffix' ? { select, suffix: suffix! } : { select });
  await walk(ctx, [
    async () => {
      select = await ask(
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
            default: select,
          }),
        { default: select },
      );
      if (select === 'notesMarker') ctx.draft.teachingGroups = selection();
    },
    async () => {
      if (select !== 'namePrefix') return;
      prefix = await ask(ctx, 'teachingGroups.prefix', () => ctx.prompts.input({ message: m.tgPrefixPrompt, ...(prefix !== undefined ? { default: prefix } : {}), validate: required(ctx) }));
      ctx.draft.teachingGroups = selection();
    },
    async () => {
      if (select !== 'nameSuffix') return;
      suffix = await ask(ctx, 'teachingGroups.suffix', () => ctx.prompts.input({ message: m.tgSuffixPrompt, ...(suffix !== undefined ? { default: suffix } : {}), validate: required(ctx) }));
      ctx.draft.teachingGroups = selection();
    },
    async () => {
      const n = select === 'notesMarker' ? marker : countSelected(ctx, selection());
      say(ctx, m.tgCount(n.selected, n.atSchools, n.groups));
      if (ctx.answers.nonInteractive || select === 'notesMarker' || ctx.answers.get('teachingGroups.select') !== undefined) return;
      if (await ctx.prompts.confirm({ message: m.tgKeep, default: true })) return;
      // No: the text is asked again, as going back does.
      ctx.reask.add('teachingGroups.prefix');
      ctx.reask.add('teachingGroups.suffix');
      throw new GoBack();
    },
  ]);
}
