/**
 * `setup`: the setup wizard (wizard/). It asks in the terminal, in Swedish
 * unless --lang en; every answer can also come from a flag or an answers
 * file, and with --non-interactive nothing is asked at all.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { AppError, errnoOf } from '../errors';
import { parseJson } from '../json-file';
import { readTextFile, SAVE_AS_UTF8 } from '../text-file';
import { addAnswerOptions, loadAnswers, type AnswerOptions } from '../../wizard/answers';
import { createContext, defaultConfigPath, type Draft } from '../../wizard/context';
import { DEFAULT_LANG, LANGS, messagesFor, type Lang } from '../messages';
import { inquirerPrompts } from '../../wizard/prompts';
import { runWizard } from '../../wizard/wizard';
import { dateOption, syncDate } from './date-option';
import type { Io } from './io';
import { given, safe } from '../safe-text';

const SECRETS_HELP = `
Answers given ahead: every question has a flag (above; the answer key in
brackets), and --answers FILE takes them as JSON, e.g.
  {"sql": {"host": "sql01", "database": "ProCapita", "user": "procapita_reader",
           "password": {"fromEnv": "PROCAPITA_SQL_PASSWORD"}},
   "schools": ["BJSK/GR", "EKGY/GY"],
   "target": {"url": "https://upload.example.com", "apiKey": {"fromEnv": "PROCAPITA_API_KEY"}}}
A flag wins over the file. An answer with a default (port 1433, PORTAL
marker, no personnummer, 18:30, ...) may be left out; with
--non-interactive any other missing answer is an error that names it.

Secrets (sql.password, email.ad.password, target.apiKey,
target.proxy.password, schedule.password) are never given as values, neither
in the file nor on the command line: name an environment variable that holds
the value, {"fromEnv": "VAR"} in the file or --sql-password-env VAR. The
wizard stores them in the credential store (Windows Credential Manager);
the configuration file never holds a secret. See \`procapita-sync help installation\`.`;

async function readExisting(path: string): Promise<{ text: string; data: Draft } | undefined> {
  if (!existsSync(path)) return undefined;
  let decoded;
  try {
    decoded = await readTextFile(path);
  } catch (err) {
    throw new AppError('config', safe`Configuration ${given(path)} exists but cannot be read (${errnoOf(err)}).`);
  }
  if (!decoded.ok) throw new AppError('config', safe`Configuration ${given(path)} ${SAVE_AS_UTF8}.`);
  const { text } = decoded;
  const data = parseJson(text, safe`Configuration ${given(path)}`, 'config', { duplicateKeys: 'name' });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new AppError('config', safe`Configuration ${given(path)} is not a JSON object. Fix it, or give another path with --config.`);
  return { text, data: data as Draft };
}

export function registerSetup(program: Command, io: Io): void {
  const command = program
    .command('setup')
    .description('the setup wizard: configuration, secrets and the scheduled task, each answer tested at once')
    .option('--config <file>', 'where the configuration goes (default: %ProgramData%\\procapita-sync\\config.json on Windows, /etc/procapita-sync/config.json elsewhere); an existing one is the starting point')
    .option('--answers <file>', 'answers given ahead, as JSON (see below)')
    .option('--non-interactive', 'ask nothing: a missing answer is an error')
    .addOption(new Option('--lang <lang>', 'language of the wizard').choices(LANGS).default(DEFAULT_LANG))
    .addOption(dateOption());
  addAnswerOptions(command);
  command.addHelpText('after', SECRETS_HELP);
  command.action(async (opts: AnswerOptions & { config?: string; lang: Lang; date?: string }) => {
    if (!opts.nonInteractive && io.interactive !== true) {
      throw new AppError('usage', safe`setup asks its questions in a terminal, and this is not one. Run it in a console, or give every answer ahead with --non-interactive --answers FILE (procapita-sync setup --help).`);
    }
    const answers = await loadAnswers(opts);
    const platform = io.platform ?? process.platform;
    const configPath = resolve(opts.config ?? defaultConfigPath(platform, io.env));
    const existing = await readExisting(configPath);
    const m = messagesFor(opts.lang);
    const ctx = createContext({
      io,
      lang: opts.lang,
      m,
      prompts: await inquirerPrompts(m),
      answers,
      configPath,
      syncDate: syncDate(opts.date, io),
      platform,
      ...(existing ? { existing } : {}),
    });
    await runWizard(ctx);
  });
}
