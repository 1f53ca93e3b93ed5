import { dirname, resolve, win32 } from 'node:path';
import { z } from 'zod';
import { AppError } from '../errors';
import { QUERY_NAMES, SCHOOL_FORMS, type QueryName } from '../extract/contract';
import { readJsonFile } from '../json-file';
import { count, given, safe, type SafeText } from '../safe-text';
import { schoolKey } from './unit-code';
import { CONFIG_NAME, instanceName } from './instance';

/** What the deletion guard counts, each with its own removal limit. */
export const REMOVAL_KINDS = ['students', 'staff', 'classes', 'teachingGroups', 'memberships'] as const;
export type RemovalKind = (typeof REMOVAL_KINDS)[number];

const DEFAULT_LIMIT = { percent: 10, count: 500 };

/**
 * The file's schema, built when a configuration is first read: zod is a
 * deferred package (build/bundle.mjs), and building its schemas at load would
 * load it for every command, `--version` included (issue 15: start-up).
 */
function buildSchema() {
  const leadDay = z.number().int().min(0).max(365);
  // null switches that half of a limit off.
  const percentLimit = z.number().min(0).max(100).nullable();
  const countLimit = z.number().int().min(0).nullable();
  const kindLimit = z.strictObject({ percent: percentLimit.optional(), count: countLimit.optional() });
  // An unchanged roster is sent again after this many sync dates (0: every night; src/deliver/unchanged.ts).
  const resendAfterDays = z.number().int().min(0).max(365).default(7);
  return z.strictObject({
    // Several configurations on one server: the name keeps their task, secrets and default folders apart (src/configure/instance.ts).
    name: z
      .string()
      .regex(CONFIG_NAME, 'give a short name of lowercase letters a-z, digits and hyphens (at most 40, starting with a letter or digit), e.g. "north"')
      .optional(),
    source: z.discriminatedUnion('type', [
      z.strictObject({ type: z.literal('fixture'), path: z.string().min(1) }),
      z.strictObject({
        type: z.literal('sql'),
        host: z.string().trim().min(1),
        port: z.number().int().min(1).max(65535).optional(),
        instanceName: z.string().trim().min(1).optional(),
        database: z.string().trim().min(1),
        user: z.string().trim().min(1),
        // The password itself never goes into this file: it is in the credential store, or in this environment variable when it is set.
        passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'name an environment variable, e.g. PROCAPITA_SQL_PASSWORD').optional(),
        encrypt: z.union([z.boolean(), z.literal('strict')]).default(true),
        trustServerCertificate: z.boolean().default(false),
        caFile: z.string().min(1).optional(),
        connectTimeoutSeconds: z.number().positive().max(600).default(15),
        requestTimeoutSeconds: z.number().positive().max(86_400).default(300),
        queries: z.partialRecord(z.enum(QUERY_NAMES as [QueryName, ...QueryName[]]), z.string().min(1)).default({}),
      }),
    ]),
    target: z
      .discriminatedUnion('type', [
        z.strictObject({
          type: z.literal('https'),
          url: z.url({ protocol: /^https$/, error: 'give the upload endpoint as an https:// URL' }),
          // The key itself never goes into this file: it is in the credential store, or in this environment variable when it is set.
          apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'name an environment variable, e.g. PROCAPITA_API_KEY').optional(),
          caFile: z.string().min(1).optional(),
          proxy: z
            .strictObject({
              url: z.url({ protocol: /^https?$/ }),
              user: z.string().min(1).optional(),
              passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'name an environment variable, e.g. PROCAPITA_PROXY_PASSWORD').optional(),
            })
            .optional(),
          /** Default: the snapshot URL with its last segment replaced by `heartbeat` (…/v1/snapshots → …/v1/heartbeat). */
          heartbeatUrl: z.url({ protocol: /^https$/, error: 'give the heartbeat endpoint as an https:// URL' }).optional(),
          deadlineSeconds: z.number().positive().max(86_400).default(600),
          resendAfterDays,
          connectTimeoutSeconds: z.number().positive().max(600).default(30),
          headersTimeoutSeconds: z.number().positive().max(3600).default(120),
          bodyTimeoutSeconds: z.number().positive().max(3600).default(120),
        }),
        z.strictObject({ type: z.literal('directory'), path: z.string().min(1), resendAfterDays }),
      ])
      .optional(),
    email: z
      .strictObject({
        requireEmail: z.boolean().default(false),
        mappingFile: z.string().min(1).optional(),
        ad: z
          .strictObject({
            url: z.url({ protocol: /^ldaps?$/, error: 'give the directory as ldaps://host:636, or ldap://host:389 with startTls' }),
            startTls: z.boolean().default(false),
            caFile: z.string().min(1).optional(),
            bindDn: z.string().trim().min(1),
            passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'name an environment variable, e.g. PROCAPITA_LDAP_PASSWORD').optional(),
            baseDn: z.string().trim().min(1),
            // Disabled accounts are found too, so that the quality report can list them; their addresses are not used.
            filter: z.string().trim().min(3).default('(&(objectCategory=person)(objectClass=user))'),
            keyAttribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/).default('employeeID'),
            pageSize: z.number().int().min(1).max(1000).default(500),
            timeoutSeconds: z.number().positive().max(600).default(30),
            // nightly: every run rebuilds email.mappingFile from the directory first (src/enrich/ad-refresh.ts).
            refresh: z.enum(['nightly', 'manual']).default('manual'),
          })
          .optional(),
      })
      .default({ requireEmail: false }),
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
    export: z
      .strictObject({ personalNumber: z.boolean().default(false), allowPersonalNumberInEmail: z.boolean().default(false) })
      .default({ personalNumber: false, allowPersonalNumberInEmail: false }),
    stateDir: z.string().min(1).optional(),
    logDir: z.string().min(1).optional(),
    runDeadlineSeconds: z.number().positive().max(86_400).default(3600),
    // What people read (for now: the e-mail alerts) is in Swedish unless this says English.
    language: z.enum(['sv', 'en']).default('sv'),
    // Each run's HTML report in the state folder's reports/, kept this many days.
    reports: z.strictObject({ keepDays: z.number().int().min(1).max(3650).default(60) }).default({ keepDays: 60 }),
    alerts: z
      .strictObject({
        email: z
          .strictObject({
            host: z.string().trim().min(1),
            port: z.number().int().min(1).max(65535).optional(),
            // tls: TLS from the first byte (port 465); starttls: plain, then STARTTLS, which must succeed (port 587).
            security: z.enum(['starttls', 'tls']).default('starttls'),
            from: z.email({ error: 'give the sender as an e-mail address' }),
            to: z.array(z.email({ error: 'give each recipient as an e-mail address' })).min(1, 'name at least one recipient'),
            // With user, the password is in the credential store (smtpPassword), or in this environment variable when it is set.
            user: z.string().min(1).optional(),
            passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'name an environment variable, e.g. PROCAPITA_SMTP_PASSWORD').optional(),
            caFile: z.string().min(1).optional(),
            // Besides failed and held runs and the first good run after them.
            everyRun: z.boolean().default(false),
            timeoutSeconds: z.number().positive().max(600).default(30),
          })
          .optional(),
      })
      .default({}),
    guard: z
      .strictObject({
        maxRemovals: z.strictObject({ percent: percentLimit.default(DEFAULT_LIMIT.percent), count: countLimit.default(DEFAULT_LIMIT.count) }).default(DEFAULT_LIMIT),
        maxRemovalsByKind: z.partialRecord(z.enum(REMOVAL_KINDS), kindLimit).default({}),
      })
      .default({ maxRemovals: DEFAULT_LIMIT, maxRemovalsByKind: {} }),
  });
}

let schema: ReturnType<typeof buildSchema> | undefined;
type ConfigFile = z.infer<ReturnType<typeof buildSchema>>;

/** What the decide stage needs: pure data, no paths. */
export interface RuleConfig {
  readonly schools: readonly { readonly unitCode: string; readonly schoolForm: string }[];
  readonly leadDays: { readonly staff: number; readonly students: number };
  readonly teachingGroups: ConfigFile['teachingGroups'];
  readonly exportPersonalNumber: boolean;
  /** The privacy gate lets a personnummer through in an e-mail address's local part (never a protected person's). */
  readonly allowPersonalNumberInEmail: boolean;
  /** Leave out persons with no e-mail address from ProCapita or the mapping table. */
  readonly requireEmail: boolean;
}

type SqlSourceFile = Extract<ConfigFile['source'], { type: 'sql' }>;

export interface SqlSourceConfig extends Omit<SqlSourceFile, 'queries'> {
  /** Custom query files by query name, resolved to absolute paths. */
  readonly queries: Partial<Record<QueryName, string>>;
}

export type TargetConfig = NonNullable<ConfigFile['target']>;
export type HttpsTargetConfig = Extract<TargetConfig, { type: 'https' }>;

/** A removal limit: hold when more than `count`, or more than `percent` of the baseline, would go. null: no such limit. */
export interface RemovalLimit {
  readonly percent: number | null;
  readonly count: number | null;
}
export type AdConfig = NonNullable<ConfigFile['email']['ad']>;
export type EmailAlertConfig = NonNullable<ConfigFile['alerts']['email']>;

export interface Config {
  /** The file it was read from, for messages (parseConfig's `file`). */
  readonly file?: string;
  /** Several configurations on one server: the task is `procapita-sync-<name>`, and so are the store's service and the default folders. */
  readonly name?: string;
  /** Paths are resolved against the configuration file's folder. */
  readonly source: { readonly type: 'fixture'; readonly path: string } | SqlSourceConfig;
  /** Where the snapshot goes; `run --out DIR` overrides it with a folder. */
  readonly target?: TargetConfig;
  readonly email: { readonly mappingFile?: string; readonly ad?: AdConfig };
  readonly rules: RuleConfig;
  /** The lock, the baseline, approvals, the review file and last-run.json. */
  readonly stateDir: string;
  readonly logDir: string;
  /** Everything a run waits for, reading and upload alike, ends by then (src/run-deadline.ts). */
  readonly runDeadlineSeconds: number;
  readonly guard: { readonly limits: Readonly<Record<RemovalKind, RemovalLimit>> };
  /** The language of what people read: Swedish unless the configuration says English. */
  readonly language: 'sv' | 'en';
  readonly alerts: { readonly email?: EmailAlertConfig };
  /** Run reports in stateDir/reports/ (src/report/report-files.ts). */
  readonly reports: { readonly keepDays: number };
}

/** Where the setup wizard writes the configuration, and where every command looks for it unless --config says otherwise. */
export function defaultConfigPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string {
  if (platform === 'win32') return win32.join(env.ProgramData ?? 'C:\\ProgramData', 'procapita-sync', 'config.json');
  return '/etc/procapita-sync/config.json';
}

export interface Dirs {
  readonly stateDir: string;
  readonly logDir: string;
}

/**
 * Where state and logs go unless the configuration says otherwise: %ProgramData% on Windows.
 * A named configuration gets folders of its own (procapita-sync-<name>), so that two never share a run lock, a baseline or a log.
 */
export function defaultDirs(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, name?: string): Dirs {
  const base = instanceName(name);
  if (platform === 'win32') {
    const folder = win32.join(env.ProgramData ?? 'C:\\ProgramData', base);
    return { stateDir: win32.join(folder, 'state'), logDir: win32.join(folder, 'logs') };
  }
  return { stateDir: `/var/lib/${base}`, logDir: `/var/log/${base}` };
}

/** Where in the file and what is wrong. zod's messages name the expected type or the allowed options, never the value found. */
function describeIssue(issue: z.core.$ZodIssue): SafeText {
  const path = issue.path.length === 0 ? '(top level)' : issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return given(`${path}: ${issue.message}`);
}

/**
 * Validates a parsed configuration. `file` names it in messages and anchors relative paths.
 * `defaults`: the folders when the file names none, for the configuration's name (or fixed ones, for tests).
 */
export function parseConfig(data: unknown, file: string, defaults: Dirs | ((name: string | undefined) => Dirs) = (name) => defaultDirs(process.platform, process.env, name)): Config {
  const result = (schema ??= buildSchema()).safeParse(data);
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const more = rest.length > 0 ? safe` (and ${count(rest.length, 'more problem')})` : '';
    throw new AppError('config', safe`Configuration ${given(file)}: ${first ? describeIssue(first) : 'invalid'}${more}. See \`procapita-sync help configuration\`.`);
  }
  const c = result.data;
  const seen = new Set<string>();
  for (const s of c.schools) {
    // Unit codes compare as the rules match them: "krsk" and "KRSK" are one school.
    const key = schoolKey(s.unitCode, s.schoolForm);
    if (seen.has(key)) throw new AppError('config', safe`Configuration ${given(file)}: schools lists ${given(`${s.unitCode}/${s.schoolForm}`)} twice. Remove one.`);
    seen.add(key);
  }
  if (c.target?.type === 'https' && c.target.deadlineSeconds > c.runDeadlineSeconds) {
    throw new AppError('config', safe`Configuration ${given(file)}: target.deadlineSeconds (${c.target.deadlineSeconds} s) is longer than runDeadlineSeconds (${c.runDeadlineSeconds} s), which ends the whole run. Lower the one or raise the other. See \`procapita-sync help configuration\`.`);
  }
  if (c.email.ad?.refresh === 'nightly' && !c.email.mappingFile) {
    throw new AppError('config', safe`Configuration ${given(file)}: email.ad.refresh "nightly" rebuilds the mapping table before each run, so it needs email.mappingFile (where the table goes). Add email.mappingFile, or set email.ad.refresh to "manual". See \`procapita-sync help email-mapping\`.`);
  }
  const here = (path: string) => resolve(dirname(file), path);
  const dirs = typeof defaults === 'function' ? defaults(c.name) : defaults;
  const source: Config['source'] =
    c.source.type === 'fixture'
      ? { type: 'fixture', path: here(c.source.path) }
      : {
          ...c.source,
          ...(c.source.caFile ? { caFile: here(c.source.caFile) } : {}),
          queries: Object.fromEntries(Object.entries(c.source.queries).map(([q, path]) => [q, here(path as string)])),
        };
  const target: TargetConfig | undefined =
    c.target?.type === 'directory'
      ? { ...c.target, path: here(c.target.path) }
      : c.target?.type === 'https' && c.target.caFile
        ? { ...c.target, caFile: here(c.target.caFile) }
        : c.target;
  return {
    file,
    ...(c.name ? { name: c.name } : {}),
    source,
    ...(target ? { target } : {}),
    email: {
      ...(c.email.mappingFile ? { mappingFile: here(c.email.mappingFile) } : {}),
      ...(c.email.ad ? { ad: { ...c.email.ad, ...(c.email.ad.caFile ? { caFile: here(c.email.ad.caFile) } : {}) } } : {}),
    },
    stateDir: c.stateDir ? here(c.stateDir) : dirs.stateDir,
    logDir: c.logDir ? here(c.logDir) : dirs.logDir,
    runDeadlineSeconds: c.runDeadlineSeconds,
    language: c.language,
    reports: c.reports,
    alerts: c.alerts.email ? { email: { ...c.alerts.email, ...(c.alerts.email.caFile ? { caFile: here(c.alerts.email.caFile) } : {}) } } : {},
    guard: {
      limits: Object.fromEntries(REMOVAL_KINDS.map((k) => [k, { ...c.guard.maxRemovals, ...c.guard.maxRemovalsByKind[k] }])) as Record<RemovalKind, RemovalLimit>,
    },
    rules: {
      schools: c.schools,
      leadDays: c.leadDays,
      teachingGroups: c.teachingGroups,
      exportPersonalNumber: c.export.personalNumber,
      allowPersonalNumberInEmail: c.export.allowPersonalNumberInEmail,
      requireEmail: c.email.requireEmail,
    },
  };
}

/** Where a run delivers: the configuration's target. A run without `--out` and without one stops here (exit 2), and doctor says the same. */
export function deliveryTarget(config: Pick<Config, 'target'>): TargetConfig {
  if (!config.target) throw new AppError('usage', safe`Nowhere to deliver the snapshot: give --out DIR, or a target in the configuration (\`procapita-sync help configuration\`).`);
  return config.target;
}

export async function loadConfig(file: string): Promise<Config> {
  const data = await readJsonFile(file, safe`Configuration ${given(file)}`, { read: 'config', parse: 'config' }, safe`Give the path of the configuration file with --config.`, { duplicateKeys: 'name' });
  return parseConfig(data, file);
}
