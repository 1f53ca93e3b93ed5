/**
 * The heartbeat: after every run, delivered, unchanged, held or failed, one small POST
 * to the service (docs/upload-api.md), so the cloud side can alert when a
 * site goes quiet. No personal data, no error text. Sent once with a short
 * timeout and never retried; its failure never changes the run's outcome.
 */
import type { Credentials } from '../configure/credentials';
import { AppError, errorChain, type ExitCodeName } from '../errors';
import { ours, safe, type SafeText } from '../safe-text';
import { dispatcherFor, type HttpsTarget } from './https-sink';

export interface Heartbeat {
  readonly agent: { readonly name: 'procapita-sync'; readonly version: string };
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: 'delivered' | 'unchanged' | 'held' | 'failed';
  readonly exitCode: number;
  readonly exitName: ExitCodeName;
  readonly syncDate: string | null;
  readonly contentHash: string | null;
  readonly importId: string | null;
}

const TIMEOUT_MS = 10_000;

/** The configured heartbeatUrl, or the snapshot URL with its last segment replaced: …/v1/snapshots → …/v1/heartbeat. */
export function heartbeatUrl(target: { url: string; heartbeatUrl?: string }): string {
  return target.heartbeatUrl ?? new URL('heartbeat', target.url.replace(/\/+$/, '')).href;
}

/** Resolves with why it failed, or undefined when the service took it. Never throws. */
export async function sendHeartbeat(beat: Heartbeat, target: HttpsTarget & { heartbeatUrl?: string }, io: { credentials: Credentials; env: NodeJS.ProcessEnv }): Promise<SafeText | undefined> {
  try {
    const apiKey = await io.credentials.get('apiKey');
    const { request } = await import('undici');
    const dispatcher = await dispatcherFor(target, io, TIMEOUT_MS);
    try {
      const res = await request(heartbeatUrl(target), {
        method: 'POST',
        dispatcher,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'user-agent': `procapita-sync/${beat.agent.version}` },
        body: JSON.stringify(beat),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
        // The whole heartbeat, answer included: it goes out after a run the deadline ended, too.
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.body.dump();
      return res.statusCode >= 200 && res.statusCode < 300 ? undefined : safe`HTTP ${res.statusCode}`;
    } finally {
      await dispatcher.close().catch(() => undefined);
    }
  } catch (err) {
    const { codes } = errorChain(err);
    // AppError messages (a missing key, an unreadable CA file) are written for the admin; anything else is named by its code.
    if (err instanceof AppError) return err.message;
    const code = /\b(E[A-Z]+|UND_ERR_[A-Z_]+)\b/.exec(codes)?.[1];
    return code ? ours(code) : safe`network error`;
  }
}
