/**
 * Several configurations on one server: a configuration's optional `name`
 * keeps its scheduled task, its credential store entries and its default
 * folders apart from the others'. Without a name everything is called
 * `procapita-sync`, as before names existed, so existing installs keep their
 * task and their secrets.
 */

/** What every name is built on: the task, the store's service, the folders. */
export const BASE_NAME = 'procapita-sync';

/**
 * A name that is safe in a task name, a file name and a systemd unit name.
 * Lowercase only: Windows compares task names, credential targets and folder
 * names without case, so `North` and `north` would be one and the same there.
 */
export const CONFIG_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** `procapita-sync`, or `procapita-sync-<name>` for a named configuration. */
export function instanceName(name: string | undefined): string {
  return name ? `${BASE_NAME}-${name}` : BASE_NAME;
}
