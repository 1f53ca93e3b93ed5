/**
 * Step 8, preview: the whole sync as a dry run (extract, decide, enrich;
 * nothing is delivered, nothing is written). Counts per school, what was
 * left out and why, and the first few persons and groups. The roster holds
 * no person with a protected identity, so none can be shown here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMappingTable } from '../../src/enrich/mapping-table';
import { prepare } from '../../src/pipeline';
import { formatSummary } from '../../src/report/summary';
import { unconfiguredWithStudents } from '../../src/report/overview';
import { draftConfig, say, wizardCredentials, type Context } from '../context';
import { cancelled, heading } from './shared';

export const SHOWN = 5;

export type PreviewChoice = 'continue' | 'schools';

export async function previewStep(ctx: Context): Promise<PreviewChoice> {
  const m = ctx.m;
  heading(ctx, 8, m.previewTitle);
  say(ctx, m.previewRunning);
  let config = draftConfig(ctx);
  // A table built from AD in this session is written at the last step; until then the preview reads a temporary copy.
  const temp = ctx.mapping ? await mkdtemp(join(tmpdir(), 'procapita-sync-setup-')) : undefined;
  try {
    if (ctx.mapping && temp) {
      const file = join(temp, 'email-mapping.csv');
      await writeMappingTable(file, ctx.mapping.table);
      config = { ...config, email: { ...config.email, mappingFile: file } };
    }
    const { decisions, roster, email, rows } = await prepare(config, ctx.syncDate, { credentials: wizardCredentials(ctx), log: () => undefined });
    say(ctx);
    const unconfigured = unconfiguredWithStudents(rows, config.rules, ctx.syncDate);
    say(ctx, formatSummary(decisions, roster, email, m.summary, config.rules, undefined, unconfigured).replace(/^(?=.)/gm, '  '));
    const schools = new Map(roster.schools.map((s) => [s.id, s.code]));
    say(ctx);
    say(ctx, m.previewPersons(Math.min(SHOWN, roster.persons.length), roster.persons.length));
    for (const p of roster.persons.slice(0, SHOWN)) {
      const roles = p.roles.map((r) => m.role[r]).join(', ');
      say(ctx, `  ${`${p.givenName} ${p.familyName}`.trim()}  (${roles}; ${p.schoolIds.map((id) => schools.get(id) ?? id).join(', ')})  ${p.email ?? m.noEmail}`);
    }
    say(ctx, m.previewGroups(Math.min(SHOWN, roster.groups.length), roster.groups.length));
    for (const g of roster.groups.slice(0, SHOWN)) {
      say(ctx, `  ${g.name}  (${m.groupKind[g.kind]}, ${schools.get(g.schoolId) ?? g.schoolId} ${g.schoolForm})  ${m.groupCounts(g.studentIds.length, g.teacherIds.length)}`);
    }
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
  if (ctx.answers.nonInteractive) return 'continue';
  const choice = await ctx.prompts.select<PreviewChoice | 'quit'>({
    message: m.previewOk,
    choices: [
      { name: m.previewContinue, value: 'continue' },
      { name: m.previewChangeSchools, value: 'schools' },
      { name: m.quit, value: 'quit' },
    ],
  });
  if (choice === 'quit') throw cancelled(ctx);
  return choice;
}
