import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { SCHOOL_FORMS } from '../extract/contract';
import { readJsonFile } from '../json-file';

const leadDay = z.number().int().min(0).max(365);

const schema = z.strictObject({
  source: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('fixture'), path: z.string().min(1) }),
  ]),
  schools: z
    .array(z.strictObject({ unitCode: z.string().trim().min(1), schoolForm: z.enum(SCHOOL_FORMS) }))
    .min(1, 'list at least one school unit and school form'),
  leadDays: z
    .strictObject({ staff: leadDay.default(14), students: leadDay.default(1) })
    .default({ staff: 14, students: 1 }),
  teachingGroups: z
    .discriminatedUnion('select', [
      z.strictObject({ select: z.literal('notesMarker') }),
      z.strictObject({ select: z.literal('namePrefix'), prefix: z.string().min(1) }),
      z.strictObject({ select: z.literal('nameSuffix'), suffix: z.string().min(1) }),
    ])
    .default({ select: 'notesMarker' }),
  export: z.strictObject({ personalNumber: z.boolean().default(false) }).default({ personalNumber: false }),
});

type ConfigFile = z.infer<typeof schema>;

/** What the decide stage needs: pure data, no paths. */
export interface RuleConfig {
  readonly schools: readonly { readonly unitCode: string; readonly schoolForm: string }[];
  readonly leadDays: { readonly staff: number; readonly students: number };
  readonly teachingGroups: ConfigFile['teachingGroups'];
  readonly exportPersonalNumber: boolean;
}

export interface Config {
  /** Paths are resolved against the configuration file's folder. */
  readonly source: { readonly type: 'fixture'; readonly path: string };
  readonly rules: RuleConfig;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length === 0 ? '(top level)' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path}: ${issue.message}`;
}

/** Validates a parsed configuration. `file` names it in messages and anchors relative paths. */
export function parseConfig(data: unknown, file: string): Config {
  const result = schema.safeParse(data);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new AppError('config', `Configuration ${file}: ${first ? describeIssue(first) : 'invalid'}${more}. See docs/configuration.md.`);
  }
  const c = result.data;
  const seen = new Set<string>();
  for (const s of c.schools) {
    const key = `${s.unitCode}/${s.schoolForm}`;
    if (seen.has(key)) throw new AppError('config', `Configuration ${file}: schools lists ${key} twice. Remove one.`);
    seen.add(key);
  }
  return {
    source: { type: c.source.type, path: resolve(dirname(file), c.source.path) },
    rules: {
      schools: c.schools,
      leadDays: c.leadDays,
      teachingGroups: c.teachingGroups,
      exportPersonalNumber: c.export.personalNumber,
    },
  };
}

export async function loadConfig(file: string): Promise<Config> {
  const data = await readJsonFile(file, `Configuration ${file}`, { read: 'config', parse: 'config' }, 'Give the path of the configuration file with --config.');
  return parseConfig(data, file);
}
