import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Roster } from '../decide/roster';

export const FORMAT_VERSION = 1;

/** What leaves the building: the roster in snapshot format v1 (docs/snapshot-format.md). */
export interface Snapshot {
  readonly formatVersion: typeof FORMAT_VERSION;
  readonly agent: { readonly name: 'procapita-sync'; readonly version: string };
  readonly syncDate: Roster['syncDate'];
  readonly generatedAt: string;
  /** Identifies the snapshot: the same roster always gives the same hash. */
  readonly contentHash: string;
  readonly schools: Roster['schools'];
  readonly persons: Roster['persons'];
  readonly groups: Roster['groups'];
}

/**
 * sha256 over the RFC 8785 canonical JSON of the content. The sync date,
 * the clock and the agent's version are left out, so a re-run, or a later
 * night with nothing changed, gives the same hash and so the same import.
 */
export function contentHash(roster: Pick<Roster, 'schools' | 'persons' | 'groups'>): string {
  const canonical = canonicalize({ formatVersion: FORMAT_VERSION, schools: roster.schools, persons: roster.persons, groups: roster.groups });
  return `sha256:${createHash('sha256').update(canonical!, 'utf8').digest('hex')}`;
}

export function toSnapshot(roster: Roster, agentVersion: string, generatedAt: Date): Snapshot {
  return {
    formatVersion: FORMAT_VERSION,
    agent: { name: 'procapita-sync', version: agentVersion },
    syncDate: roster.syncDate,
    generatedAt: generatedAt.toISOString(),
    contentHash: contentHash(roster),
    schools: roster.schools,
    persons: roster.persons,
    groups: roster.groups,
  };
}
