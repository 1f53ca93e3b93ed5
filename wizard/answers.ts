/**
 * Answers given ahead: a flag on the command line, or `--answers FILE`
 * (JSON). A flag wins over the file. Secrets are never plain values in
 * either: the file gives `{"fromEnv": "VAR"}`, the command line
 * `--sql-password-env VAR`, and the wizard reads the variable. So nothing
 * left behind in a file or in the shell history holds a password.
 */
import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { SecretName } from '../src/configure/credentials';
import { AppError } from '../src/errors';
import { CONFIG_NAME } from '../src/configure/instance';
import { SCHOOL_FORMS } from '../src/extract/contract';
import { readJsonFile } from '../src/json-file';
import { given, ours, safe, type SafeText } from '../src/safe-text';

export const CHANGES = ['rotate', 'schools', 'schedule', 'everything'] as const;
export type Change = (typeof CHANGES)[number];
export const TEACHING_GROUP_SELECTIONS = ['notesMarker', 'namePrefix', 'nameSuffix'] as const;
export const EMAIL_SOURCES = ['procapita', 'file', 'ad'] as const;
export const AD_REFRESH = ['nightly', 'manual'] as const;
export const ROTATABLE = ['sqlPassword', 'apiKey', 'ldapPassword', 'proxyPassword', 'smtpPassword'] as const satisfies readonly SecretName[];
export const SMTP_SECURITY = ['starttls', 'tls'] as const;

/** A secret given ahead: the name of an environment variable that holds it. */
export interface SecretRef {
  readonly fromEnv: string;
}

export interface School {
  readonly unitCode: string;
  readonly schoolForm: (typeof SCHOOL_FORMS)[number];
}

/** Every answer, by its key; the key is also the dotted path in the answers file. */
export interface AnswerTypes {
  /** The configuration's name, when the server has several (src/configure/instance.ts). */
  name: string;
  'sql.host': string;
  'sql.port': number;
  'sql.instance': string;
  'sql.database': string;
  'sql.user': string;
  'sql.password': SecretRef;
  'sql.encrypt': boolean | 'strict';
  'sql.trustServerCertificate': boolean;
  'sql.caFile': string;
  schools: readonly School[];
  'teachingGroups.select': (typeof TEACHING_GROUP_SELECTIONS)[number];
  'teachingGroups.prefix': string;
  'teachingGroups.suffix': string;
  'privacy.exportPersonalNumber': boolean;
  'privacy.requireEmail': boolean;
  'email.source': (typeof EMAIL_SOURCES)[number];
  'email.mappingFile': string;
  'email.ad.url': string;
  'email.ad.startTls': boolean;
  'email.ad.caFile': string;
  'email.ad.bindDn': string;
  'email.ad.password': SecretRef;
  'email.ad.baseDn': string;
  'email.ad.filter': string;
  'email.ad.keyAttribute': string;
  'email.ad.refresh': (typeof AD_REFRESH)[number];
  'target.url': string;
  'target.apiKey': SecretRef;
  'target.caFile': string;
  'target.proxy.url': string;
  'target.proxy.user': string;
  'target.proxy.password': SecretRef;
  'alerts.enabled': boolean;
  'alerts.host': string;
  'alerts.security': (typeof SMTP_SECURITY)[number];
  'alerts.port': number;
  'alerts.from': string;
  'alerts.to': readonly string[];
  'alerts.user': string;
  'alerts.password': SecretRef;
  'alerts.caFile': string;
  'alerts.everyRun': boolean;
  'alerts.sendTest': boolean;
  'schedule.time': string;
  'schedule.account': string;
  'schedule.password': SecretRef;
  'schedule.register': boolean;
  change: Change;
  rotate: (typeof ROTATABLE)[number];
}

export type AnswerKey = keyof AnswerTypes;

type Parser<K extends AnswerKey> = (text: string) => AnswerTypes[K] | undefined;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The answers file's schema, built when a file is read: zod loads only then (build/bundle.mjs). */
function buildFileSchema() {
  const envName = z.string().regex(ENV_NAME, 'name an environment variable, e.g. PROCAPITA_SQL_PASSWORD');
  const secretObject = z.strictObject({ fromEnv: envName });
  const secretRef = z.unknown().transform((value, ctx): SecretRef => {
    if (typeof value === 'string') {
      ctx.addIssue({ code: 'custom', message: 'a secret is never read from the answers file: give {"fromEnv": "VARIABLE"} and set that environment variable' });
      return z.NEVER;
    }
    const parsed = secretObject.safeParse(value);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: `give {"fromEnv": "VARIABLE"} (${parsed.error.issues[0]?.message ?? 'invalid'})` });
      return z.NEVER;
    }
    return parsed.data;
  });
  const text = z.string().trim().min(1);
  const schoolObject = z.strictObject({ unitCode: text, schoolForm: z.enum(SCHOOL_FORMS) });
  const school = z.unknown().transform((value, ctx): School => {
    const parsed = typeof value === 'string' ? parseSchool(value) : schoolObject.safeParse(value).data;
    if (!parsed) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not UNITCODE/FORM (e.g. "BJSK/GR") nor {"unitCode": …, "schoolForm": …}; the forms are ${SCHOOL_FORMS.join(', ')}` });
      return z.NEVER;
    }
    return parsed;
  });

  /** The answers file. null means "none" for an optional answer, and "not given" otherwise. */
  return z.strictObject({
    name: z.string().regex(CONFIG_NAME, 'give lowercase letters a-z, digits and hyphens, at most 40, starting with a letter or digit').nullish(),
    sql: z
      .strictObject({
        host: text.nullish(),
        port: z.number().int().min(1).max(65535).nullish(),
        instance: text.nullish(),
        database: text.nullish(),
        user: text.nullish(),
        password: secretRef.nullish(),
        encrypt: z.union([z.boolean(), z.literal('strict')]).nullish(),
        trustServerCertificate: z.boolean().nullish(),
        caFile: text.nullish(),
      })
      .optional(),
    schools: z.array(school).min(1).nullish(),
    teachingGroups: z
      .strictObject({ select: z.enum(TEACHING_GROUP_SELECTIONS).nullish(), prefix: text.nullish(), suffix: text.nullish() })
      .optional(),
    privacy: z.strictObject({ exportPersonalNumber: z.boolean().nullish(), requireEmail: z.boolean().nullish() }).optional(),
    email: z
      .strictObject({
        source: z.enum(EMAIL_SOURCES).nullish(),
        mappingFile: text.nullish(),
        ad: z
          .strictObject({
            url: text.nullish(),
            startTls: z.boolean().nullish(),
            caFile: text.nullish(),
            bindDn: text.nullish(),
            password: secretRef.nullish(),
            baseDn: text.nullish(),
            filter: text.nullish(),
            keyAttribute: text.nullish(),
            refresh: z.enum(AD_REFRESH).nullish(),
          })
          .optional(),
      })
      .optional(),
    target: z
      .strictObject({
        url: text.nullish(),
        apiKey: secretRef.nullish(),
        caFile: text.nullish(),
        proxy: z.strictObject({ url: text.nullish(), user: text.nullish(), password: secretRef.nullish() }).optional(),
      })
      .optional(),
    alerts: z
      .strictObject({
        enabled: z.boolean().nullish(),
        host: text.nullish(),
        security: z.enum(SMTP_SECURITY).nullish(),
        port: z.number().int().min(1).max(65535).nullish(),
        from: z.email().nullish(),
        to: z.union([z.array(z.email()).min(1), z.string().transform((t, ctx) => parseEmails(t) ?? (ctx.addIssue({ code: 'custom', message: 'give e-mail addresses, separated by commas' }), z.NEVER))]).nullish(),
        user: text.nullish(),
        password: secretRef.nullish(),
        caFile: text.nullish(),
        everyRun: z.boolean().nullish(),
        sendTest: z.boolean().nullish(),
      })
      .optional(),
    schedule: z
      .strictObject({ time: text.nullish(), account: text.nullish(), password: secretRef.nullish(), register: z.boolean().nullish() })
      .optional(),
    change: z.enum(CHANGES).nullish(),
    rotate: z.enum(ROTATABLE).nullish(),
  });
}

function parseSchool(s: string): School | undefined {
  const m = /^\s*([^/]+?)\s*\/\s*([A-Za-z]+)\s*$/.exec(s);
  const form = m?.[2]?.toUpperCase();
  return m && (SCHOOL_FORMS as readonly string[]).includes(form!) ? { unitCode: m[1]!, schoolForm: form as School['schoolForm'] } : undefined;
}

/** Addresses separated by commas (or semicolons, as Outlook writes them); undefined unless each looks like one. */
export function parseEmails(t: string): string[] | undefined {
  const list = t
    .split(/[,;]/)
    .map((x) => x.trim())
    .filter(Boolean);
  return list.length > 0 && list.every((x) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(x)) ? list : undefined;
}

const parseBool = (t: string): boolean | undefined => ({ true: true, yes: true, ja: true, '1': true, false: false, no: false, nej: false, '0': false })[t.trim().toLowerCase()];
const nonEmpty = (t: string) => (t.trim() === '' ? undefined : t.trim());
/** A secret's flag names the environment variable that holds it. */
const secretFlag = (t: string): SecretRef | undefined => (ENV_NAME.test(t.trim()) ? { fromEnv: t.trim() } : undefined);
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (t: string): T | undefined =>
    (values as readonly string[]).includes(t.trim()) ? (t.trim() as T) : undefined;

interface Spec<K extends AnswerKey> {
  readonly parse: Parser<K>;
  /** What the flag takes, for --help. */
  readonly arg: string;
  readonly help: string;
}

/** Every answer's command-line flag: --sql-host for sql.host; a secret's flag names an environment variable (--sql-password-env). */
export const ANSWERS: { readonly [K in AnswerKey]: Spec<K> } = {
  name: { parse: (t) => (CONFIG_NAME.test(t.trim()) ? t.trim() : undefined), arg: 'name', help: 'a name for this configuration when the server has several: its task is then procapita-sync-<name>, with secrets and folders of its own (default: none)' },
  'sql.host': { parse: nonEmpty, arg: 'host', help: 'SQL Server host name or address' },
  'sql.port': { parse: (t) => (/^\d{1,5}$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 65535 ? Number(t) : undefined), arg: 'port', help: 'TCP port (default 1433; not with --sql-instance)' },
  'sql.instance': { parse: nonEmpty, arg: 'name', help: 'named instance, instead of a port' },
  'sql.database': { parse: nonEmpty, arg: 'name', help: 'the ProCapita database' },
  'sql.user': { parse: nonEmpty, arg: 'login', help: 'SQL login (read-only)' },
  'sql.password': { parse: secretFlag, arg: 'VAR', help: 'environment variable holding the SQL password' },
  'sql.encrypt': { parse: (t) => (t.trim() === 'strict' ? 'strict' : parseBool(t)), arg: 'true|false|strict', help: 'TLS to SQL Server (default true)' },
  'sql.trustServerCertificate': { parse: parseBool, arg: 'true|false', help: "accept SQL Server's certificate unverified (default false)" },
  'sql.caFile': { parse: nonEmpty, arg: 'file', help: "PEM file with SQL Server's CA certificate" },
  schools: {
    parse: (t) => {
      const list = t.split(',').map(parseSchool);
      return list.length > 0 && list.every(Boolean) ? (list as School[]) : undefined;
    },
    arg: 'UNIT/FORM,...',
    help: 'school units and forms, e.g. BJSK/GR,EKGY/GY',
  },
  'teachingGroups.select': { parse: oneOf(TEACHING_GROUP_SELECTIONS), arg: TEACHING_GROUP_SELECTIONS.join('|'), help: 'how teaching groups are picked (default notesMarker)' },
  'teachingGroups.prefix': { parse: nonEmpty, arg: 'text', help: 'name prefix, with namePrefix' },
  'teachingGroups.suffix': { parse: nonEmpty, arg: 'text', help: 'name suffix, with nameSuffix' },
  'privacy.exportPersonalNumber': { parse: parseBool, arg: 'true|false', help: 'export personnummer (default false)' },
  'privacy.requireEmail': { parse: parseBool, arg: 'true|false', help: 'leave out persons without an e-mail address (default false)' },
  'email.source': { parse: oneOf(EMAIL_SOURCES), arg: EMAIL_SOURCES.join('|'), help: 'where e-mail addresses come from (default procapita)' },
  'email.mappingFile': { parse: nonEmpty, arg: 'file', help: 'the mapping table (CSV key,email)' },
  'email.ad.url': { parse: nonEmpty, arg: 'url', help: 'ldaps://host:636, or ldap://host:389 with StartTLS' },
  'email.ad.startTls': { parse: parseBool, arg: 'true|false', help: 'StartTLS on ldap:// (default: true for ldap://)' },
  'email.ad.caFile': { parse: nonEmpty, arg: 'file', help: "PEM file with the directory's CA certificate" },
  'email.ad.bindDn': { parse: nonEmpty, arg: 'dn', help: 'bind account (DN or user@domain)' },
  'email.ad.password': { parse: secretFlag, arg: 'VAR', help: 'environment variable holding the bind password' },
  'email.ad.baseDn': { parse: nonEmpty, arg: 'dn', help: 'where to search' },
  'email.ad.filter': { parse: nonEmpty, arg: 'filter', help: 'LDAP filter (default: all users)' },
  'email.ad.keyAttribute': { parse: nonEmpty, arg: 'attribute', help: 'attribute with the GUID or personnummer (default employeeID)' },
  'email.ad.refresh': { parse: oneOf(AD_REFRESH), arg: AD_REFRESH.join('|'), help: 'rebuild the mapping table before every run, or only by ad-mapping build (default nightly; manual for a configuration without it)' },
  'target.url': { parse: nonEmpty, arg: 'url', help: "the service's upload URL (https://)" },
  'target.apiKey': { parse: secretFlag, arg: 'VAR', help: 'environment variable holding the API key' },
  'target.caFile': { parse: nonEmpty, arg: 'file', help: 'PEM file with a CA to trust (a re-signing proxy)' },
  'target.proxy.url': { parse: nonEmpty, arg: 'url', help: 'HTTP(S) proxy' },
  'target.proxy.user': { parse: nonEmpty, arg: 'user', help: 'proxy user (Basic authentication)' },
  'target.proxy.password': { parse: secretFlag, arg: 'VAR', help: 'environment variable holding the proxy password' },
  'alerts.enabled': { parse: parseBool, arg: 'true|false', help: 'send e-mail alerts (default false, or as configured)' },
  'alerts.host': { parse: nonEmpty, arg: 'host', help: 'SMTP server' },
  'alerts.security': { parse: oneOf(SMTP_SECURITY), arg: SMTP_SECURITY.join('|'), help: 'STARTTLS (port 587) or TLS from the start (465); default starttls' },
  'alerts.port': { parse: (t) => (/^\d{1,5}$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 65535 ? Number(t) : undefined), arg: 'port', help: 'SMTP port (default 587, or 465 with tls)' },
  'alerts.from': { parse: (t) => parseEmails(t)?.length === 1 ? t.trim() : undefined, arg: 'address', help: 'the sender address' },
  'alerts.to': { parse: parseEmails, arg: 'address,...', help: 'the recipients' },
  'alerts.user': { parse: nonEmpty, arg: 'login', help: 'SMTP login (default: none)' },
  'alerts.password': { parse: secretFlag, arg: 'VAR', help: 'environment variable holding the SMTP password' },
  'alerts.caFile': { parse: nonEmpty, arg: 'file', help: "PEM file with the SMTP server's CA certificate" },
  'alerts.everyRun': { parse: parseBool, arg: 'true|false', help: 'a mail after every run, not only failed and held ones (default false)' },
  'alerts.sendTest': { parse: parseBool, arg: 'true|false', help: 'send a test message once the SMTP server answers (default true; false under --non-interactive unless given)' },
  'schedule.time': { parse: nonEmpty, arg: 'HH:MM', help: 'time of the nightly run (default 18:30)' },
  'schedule.account': { parse: nonEmpty, arg: 'DOMAIN\\user', help: 'the account the task runs as (default: the one running setup)' },
  'schedule.password': { parse: secretFlag, arg: 'VAR', help: "environment variable holding that account's Windows password (for the task)" },
  'schedule.register': { parse: parseBool, arg: 'true|false', help: 'register the scheduled task (default true)' },
  change: { parse: oneOf(CHANGES), arg: CHANGES.join('|'), help: 'on a re-run: what to change' },
  rotate: { parse: oneOf(ROTATABLE), arg: ROTATABLE.join('|'), help: 'with --change rotate: which secret' },
};

export const ANSWER_KEYS = Object.keys(ANSWERS) as AnswerKey[];

export const isSecretKey = (key: AnswerKey): boolean => /password$|apiKey$/.test(key);

/** --sql-host for sql.host, --sql-password-env for sql.password. */
export function flagOf(key: AnswerKey): string {
  const kebab = key.replace(/\./g, '-').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return `--${kebab}${isSecretKey(key) ? '-env' : ''}`;
}

/** Adds one option per answer to the setup command. */
export function addAnswerOptions(command: Command): Command {
  for (const key of ANSWER_KEYS) {
    const spec = ANSWERS[key];
    command.addOption(new Option(`${flagOf(key)} <${spec.arg}>`, `${spec.help} [${key}]`));
  }
  return command;
}

function getPath(data: unknown, key: string): unknown {
  let value: unknown = data;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The answers given ahead, whatever their source. */
export interface Answers {
  readonly nonInteractive: boolean;
  /** The answer, or undefined when none was given (null in the file counts as none). */
  get<K extends AnswerKey>(key: K): AnswerTypes[K] | undefined;
  /** Where an answer came from, for messages: "--sql-host" or "sql.host in answers.json". */
  /** Where an answer came from, for messages: the flag, or the key in the answers file. */
  sourceOf(key: AnswerKey): SafeText;
}

export interface AnswerOptions {
  readonly answers?: string;
  readonly nonInteractive?: boolean;
  readonly [flag: string]: unknown;
}

/** The attribute commander gives a flag: --sql-host → sqlHost. */
const attributeOf = (key: AnswerKey) =>
  flagOf(key)
    .slice(2)
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads and checks the answers file and the flags. Any problem is a usage error (exit 2) naming the answer. */
export async function loadAnswers(options: AnswerOptions): Promise<Answers> {
  let file: z.infer<ReturnType<typeof buildFileSchema>> = {};
  if (options.answers) {
    const data = await readJsonFile(options.answers, safe`Answers file ${given(options.answers)}`, { read: 'usage', parse: 'usage' }, safe`Give the answers file with --answers FILE.`, { duplicateKeys: 'name' });
    const result = buildFileSchema().safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const path = issue.path.filter((p) => typeof p === 'string' || typeof p === 'number').join('.').replace(/\.(\d+)/g, '[$1]');
      throw new AppError('usage', safe`Answers file ${given(options.answers)}: ${path ? given(path) : '(top level)'}: ${given(issue.message)}. The answer keys are listed in \`procapita-sync setup --help\`.`);
    }
    file = result.data;
  }
  const flags = new Map<AnswerKey, unknown>();
  for (const key of ANSWER_KEYS) {
    const raw = options[attributeOf(key)];
    if (typeof raw !== 'string') continue;
    const parsed = ANSWERS[key].parse(raw as string);
    if (parsed === undefined) throw new AppError('usage', safe`${ours(flagOf(key))} ${isSecretKey(key) ? '(an environment variable name)' : given(raw)}: not a valid ${key}; expected ${ours(ANSWERS[key].arg)}.`);
    flags.set(key, parsed);
  }
  return {
    nonInteractive: options.nonInteractive === true,
    get<K extends AnswerKey>(key: K): AnswerTypes[K] | undefined {
      if (flags.has(key)) return flags.get(key) as AnswerTypes[K];
      const value = getPath(file, key);
      return value === null || value === undefined ? undefined : (value as AnswerTypes[K]);
    },
    sourceOf(key) {
      return flags.has(key) ? ours(flagOf(key)) : safe`${key} in ${options.answers ? given(options.answers) : 'the answers'}`;
    },
  };
}

/** No answers given ahead: every question is asked. */
export const NO_ANSWERS: Answers = { nonInteractive: false, get: () => undefined, sourceOf: (key) => ours(key) };

/** The value of a secret answer: the environment variable it names must be set and not empty. */
export function secretFrom(ref: SecretRef, key: AnswerKey, answers: Answers, env: NodeJS.ProcessEnv): string {
  const value = env[ref.fromEnv];
  if (value === undefined || value === '') {
    throw new AppError('usage', safe`Answer ${key} (${answers.sourceOf(key)}) names environment variable ${given(ref.fromEnv)}, which is not set. Set it for this command, or leave the answer out to be asked.`);
  }
  return value;
}
