import packageJson from '../package.json' with { type: 'json' };

export interface BuildInfo {
  readonly version: string;
  /** Git commit of a packed build; "-dirty" when the work tree had changes. */
  readonly commit?: string;
  /** When a packed build was made (ISO 8601, UTC). */
  readonly date?: string;
}

/**
 * What `--version` reports. build/bundle.mjs replaces this module in the
 * packed binaries with the commit and build date; run from source, only the
 * version is known.
 */
export const BUILD_INFO: BuildInfo = { version: packageJson.version };

export function formatVersion(info: BuildInfo): string {
  return info.commit
    ? `procapita-sync ${info.version} (commit ${info.commit}, built ${info.date})`
    : `procapita-sync ${info.version} (run from source)`;
}
