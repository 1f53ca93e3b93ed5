/**
 * The run's one deadline (runDeadlineSeconds). Every wait on the network
 * takes its signal: connecting to SQL Server and reading it, and the upload
 * with the service's whole answer. A server or proxy that trickles its answer,
 * a byte or a row at a time, trips no idle timeout; the deadline ends it. The
 * heartbeat is not under it: it reports the deadline's failure, with a short
 * timeout of its own.
 */
import { AppError } from './errors';
import { safe } from './safe-text';

export interface RunDeadline {
  readonly signal: AbortSignal;
  readonly seconds: number;
}

export function startRunDeadline(seconds: number): RunDeadline {
  // AbortSignal.timeout's timer does not keep the process alive.
  return { signal: AbortSignal.timeout(seconds * 1000), seconds };
}

/** The stages the deadline can cut, each with its exit code: reading ends like a lost source (4), the upload like one that did not get through (9). */
const EXPIRED = {
  reading: (seconds: number) =>
    new AppError(
      'sourceUnavailable',
      safe`The run's deadline passed while reading ProCapita (runDeadlineSeconds: ${seconds} s). Nothing was delivered; the next run reads again. Check that SQL Server answers at its usual speed; if the read needs longer, raise runDeadlineSeconds.`,
    ),
  uploading: (seconds: number) =>
    new AppError(
      'uploadFailed',
      safe`The run's deadline passed during the upload (runDeadlineSeconds: ${seconds} s). The service may have the snapshot; the next run sends it again under the same Idempotency-Key, so it is never imported twice. Check the network, the proxy and the service's status; if the upload needs longer, raise runDeadlineSeconds.`,
    ),
} as const;

export type Stage = keyof typeof EXPIRED;

/**
 * Runs `work` with the deadline's signal. Once the deadline passes it rejects at
 * once with the stage's error, whatever `work` is still waiting for, so a
 * library that is slow to stop cannot hold the run (`work` stops on the signal
 * and closes its connections). A failure after the deadline is the deadline's
 * too: the abort caused it.
 */
export function withinDeadline<T>(deadline: RunDeadline, stage: Stage, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal } = deadline;
  const expired = () => EXPIRED[stage](deadline.seconds);
  if (signal.aborted) return Promise.reject(expired());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(expired());
    signal.addEventListener('abort', onAbort, { once: true });
    work(signal)
      .then(resolve, (err: unknown) => reject(signal.aborted ? expired() : err))
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}
