/**
 * The mapping table a run uses, and with email.ad.refresh "nightly" its
 * rebuild from Active Directory first. The rebuild is the one
 * `ad-mapping build` does (buildFromDirectory); any failure of it is a
 * warning, never the run's end: the previous table stays as it was and the
 * run goes on with it. The warning is our own words and the failure's
 * AppError message, which names settings and the kind of failure but never
 * a value read from the directory.
 */
import { stat } from 'node:fs/promises';
import type { Config } from '../configure/config';
import type { Credentials } from '../configure/credentials';
import { AppError, errnoOf, internalError } from '../errors';
import type { CalendarDate, PersonRow } from '../extract/contract';
import { safe, type SafeText } from '../safe-text';
import { buildFromDirectory } from './ad-mapping';
import { formatMappingTable, parseMappingTable, readMappingTable, writeMappingTable, type MappingTable } from './mapping-table';

/**
 * Tonight's refresh: `none` without email.ad (a table kept by hand), `manual` with refresh "manual",
 * `succeeded` or `failed` with "nightly". `kept` is a run that was asked not to refresh (explain).
 */
export type RefreshOutcome = 'none' | 'manual' | 'succeeded' | 'failed' | 'kept';

export interface MappingStatus {
  /** When the table in use was built: tonight's refresh, else the file's modification time (ISO). Null when there is no table. */
  readonly builtAt: string | null;
  readonly refresh: RefreshOutcome;
}

/** How a run treats email.ad.refresh "nightly": rebuild and write the table, rebuild it in memory only (a preview), or use the table as it is. */
export type RefreshMode = 'write' | 'memory' | 'none';

export interface MappingContext {
  readonly credentials: Credentials;
  readonly log: (line: SafeText) => void;
  readonly now: () => Date;
}

export interface LoadedMapping {
  readonly table?: MappingTable;
  /** Absent without email.mappingFile. */
  readonly status?: MappingStatus;
  readonly warning?: SafeText;
}

/** The file's modification time, or null when there is no file. Other failures are left to the read, which explains them. */
async function modifiedAt(file: string): Promise<string | null | undefined> {
  try {
    return (await stat(file)).mtime.toISOString();
  } catch (err) {
    return errnoOf(err) === 'ENOENT' ? null : undefined;
  }
}

const reasonOf = (err: unknown): SafeText => (err instanceof AppError ? err.message : internalError(err));

/**
 * The table for this run. Without "nightly", or with mode `none`, it is
 * email.mappingFile as it is (a missing or broken file stops the run with
 * exit code 11, as always). With "nightly" the table is rebuilt first;
 * mode `write` puts it into email.mappingFile atomically, `memory` only
 * uses it. When the rebuild fails the previous file is used; when there is
 * none either (nor with "nightly" and mode `none`), the run goes on without
 * a table and says so.
 */
export async function loadMapping(config: Pick<Config, 'email'>, persons: readonly PersonRow[], today: CalendarDate, ctx: MappingContext, mode: RefreshMode): Promise<LoadedMapping> {
  const { mappingFile: file, ad } = config.email;
  if (!file) return {};
  const nightly = ad?.refresh === 'nightly';
  let warning: SafeText | undefined;
  if (ad && nightly && mode !== 'none') {
    try {
      const password = await ctx.credentials.get('ldapPassword');
      const built = await buildFromDirectory(ad, password, persons, today, { log: ctx.log, origin: ctx.credentials.origin?.('ldapPassword'), mappingFile: file });
      if (mode === 'write') await writeMappingTable(file, built.table);
      // Parsed from the text the file holds, so the run sees exactly what the next reader will.
      const table = parseMappingTable(formatMappingTable(built.table), file, today);
      ctx.log(
        mode === 'write'
          ? safe`E-mail mapping table rebuilt from Active Directory: ${built.table.length} rows from ${built.accounts} accounts.`
          : safe`E-mail mapping table rebuilt from Active Directory in memory (a preview writes no file): ${built.table.length} rows from ${built.accounts} accounts.`,
      );
      return { table, status: { builtAt: ctx.now().toISOString(), refresh: 'succeeded' } };
    } catch (err) {
      warning = safe`The e-mail mapping table was not refreshed from Active Directory (email.ad.refresh "nightly"): ${reasonOf(err)}`;
    }
  }
  const refresh: RefreshOutcome = warning ? 'failed' : !ad ? 'none' : nightly ? 'kept' : 'manual';
  const builtAt = await modifiedAt(file);
  if (builtAt === null && nightly) {
    // Not yet built: persons without an address in ProCapita get none tonight, and email.requireEmail leaves them out.
    const none = safe`There is no previous table (email.mappingFile) either, so this run gives no one an address from it; the next run tries again, or run \`procapita-sync ad-mapping build\`.`;
    return { status: { builtAt: null, refresh }, warning: warning ? safe`${warning} ${none}` : none };
  }
  const table = await readMappingTable(file, today);
  const kept = safe`This run uses the previous table, which is unchanged.`;
  return { table, status: { builtAt: builtAt ?? null, refresh }, ...(warning ? { warning: safe`${warning} ${kept}` } : {}) };
}
