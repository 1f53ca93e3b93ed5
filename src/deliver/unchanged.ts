/**
 * Nothing changed, nothing sent (issue 16): a snapshot whose content hash is
 * the last delivered one's is not sent again, until `resendAfterDays` sync
 * dates after that delivery, so that a service that lost its copy gets the
 * roster back within a week by itself. The hash leaves out the sync date
 * (docs/snapshot-format.md), so an unchanged roster has the same hash every
 * night.
 */
import { isCalendarDate, utcMidnight } from '../calendar-date';
import type { CalendarDate } from '../extract/contract';

/** The last delivery, as baseline.json records it. */
export interface LastDelivery {
  readonly contentHash: string;
  /** Null when the file does not say (edited by hand): then the snapshot is sent. */
  readonly syncDate: string | null;
}

const DAY_MS = 86_400_000;

/**
 * The sync date of the delivery this snapshot repeats, when it need not be sent
 * again; undefined when it is to be sent: it differs, or it was last sent
 * `resendAfterDays` or more sync dates ago (0: every night), or the dates go
 * backwards (a run for an earlier date).
 */
export function unchangedSince(last: LastDelivery | null, contentHash: string, syncDate: CalendarDate, resendAfterDays: number): CalendarDate | undefined {
  if (!last || last.contentHash !== contentHash || last.syncDate === null || !isCalendarDate(last.syncDate)) return undefined;
  const days = (utcMidnight(syncDate).getTime() - utcMidnight(last.syncDate).getTime()) / DAY_MS;
  return days >= 0 && days < resendAfterDays ? last.syncDate : undefined;
}
