/**
 * When to send an e-mail alert, and what it says (issue 16): pure. It says
 * the outcome, counts, school codes and paths; never a name, an id or
 * anything else read from ProCapita. A run's error message names places and
 * kinds only ([privacy.md](../../docs/privacy.md)), so it may go along.
 */
import type { Messages } from '../messages';
import { EXIT_CODE_MEANINGS } from '../errors';
import type { RunReport } from './last-run';

export type AlertKind = 'failed' | 'held' | 'recovered' | 'every';

/**
 * failed and held runs always; the first good run after one that was not;
 * every run when `everyRun`. `previous`: the outcome of the run before, if
 * last-run.json had one.
 */
export function alertKind(outcome: RunReport['outcome'], previous: RunReport['outcome'] | undefined, everyRun: boolean): AlertKind | undefined {
  if (outcome === 'failed' || outcome === 'held') return outcome;
  if (previous === 'failed' || previous === 'held') return 'recovered';
  return everyRun ? 'every' : undefined;
}

export interface AlertMail {
  readonly subject: string;
  readonly text: string;
}

/** `details`: the path of last-run.json; `approve`: the command that releases a held run. */
export function alertMail(kind: AlertKind, r: RunReport, o: { server: string; schools: readonly { unitCode: string; schoolForm: string }[]; details: string; approve?: string }, m: Messages): AlertMail {
  const seconds = Math.round((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
  const lines = [m.alertWhy[kind], '', m.alertFacts(r.syncDate, r.exitCode, r.exitName, EXIT_CODE_MEANINGS[r.exitName] ?? r.exitName, r.startedAt, seconds)];
  if (r.counts) {
    const c = r.counts;
    lines.push(m.alertCounts(c.schools, c.students, c.staff, c.classes, c.teachingGroups, c.memberships));
  }
  if (r.error) lines.push(m.alertMessage(r.error.message));
  if (r.outcome === 'held' && o.approve) lines.push('', m.alertApprove(o.approve));
  lines.push('', m.alertSchools(o.schools.map((s) => `${s.unitCode}/${s.schoolForm}`).join(', ')), m.alertDetails(o.details));
  return { subject: m.alertSubject(m.alertOutcome[r.outcome], r.syncDate, o.server), text: `${lines.join('\n')}\n` };
}
