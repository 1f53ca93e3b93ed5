import { ours, safe, type SafeText } from './safe-text';

/**
 * Exit codes and the one error type for expected failures. An AppError's
 * message is shown to the admin as is, so it must say what to do; it is
 * SafeText, so it cannot carry a value read from the data or a secret.
 * docs/exit-codes.md documents the same table; a test keeps the two in step.
 */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  sourceUnavailable: 4,
  schemaMismatch: 5,
  outputFailed: 6,
  privacyGate: 7,
  accessDenied: 8,
  uploadFailed: 9,
  uploadRejected: 10,
  emailMapping: 11,
  heldByGuard: 12,
  alreadyRunning: 13,
  consistencyGate: 14,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

export const EXIT_CODE_MEANINGS: Record<ExitCodeName, string> = {
  ok: 'ok: the roster was written',
  internal: 'internal error: a bug; please report it',
  usage: 'usage: unknown command, missing option or invalid --date',
  config: 'configuration: the file is missing, not JSON, or invalid',
  sourceUnavailable: 'source unavailable: the database or fixture cannot be reached or read, or not before the run\'s deadline',
  schemaMismatch: 'schema mismatch: a table or column the queries need is missing or has the wrong type, or one id is on rows that differ',
  outputFailed: 'local files: the snapshot folder, the state folder or the log folder cannot be written',
  privacyGate: 'privacy gate: the outgoing roster broke a privacy rule; nothing was written',
  accessDenied: 'access denied: a secret is missing, a login or API key was refused, or the account may not read a table',
  uploadFailed: 'upload failed: the service could not be reached in time, or its certificate is not trusted; retried until the deadline',
  uploadRejected: 'upload rejected: the service refused the snapshot (400, 409, 413, 422), or its answer confirmed another snapshot or other counts; not retried',
  emailMapping: 'e-mail mapping: the mapping table is missing or broken, or building it from Active Directory failed',
  heldByGuard: 'held by the deletion guard: too much would be removed; nothing was delivered (see the review file, then `approve`)',
  alreadyRunning: 'already running: another run holds the lock; this one did nothing',
  consistencyGate: 'consistency gate: the snapshot does not hold together (a dangling or duplicate id, or counts that differ from the decisions); nothing was delivered',
};

/**
 * The failures the setup wizard can put in its own questions' words (wizard/steps/shared.ts): the message names
 * configuration keys, which is right for the log and doctor, while the wizard's user only ever saw its questions.
 */
export type FailureKind = 'sqlLoginRefused' | 'sqlCertificate' | 'sqlUnreachable' | 'sqlHostUnknown' | 'ldapBindRefused' | 'ldapCertificate' | 'targetKeyRefused' | 'targetCertificate';

export class AppError extends Error {
  declare readonly message: SafeText;

  constructor(
    readonly code: ExitCodeName,
    message: SafeText,
    /** What kind of failure it is, where the wizard can say it in its questions' words. */
    readonly kind?: FailureKind,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get exitCode(): number {
    return ExitCode[this.code];
  }
}

/** A system error's code (ENOENT, EACCES, …), or 'error': a code is ours to show, a message may not be. */
export function errnoOf(err: unknown): SafeText {
  const code = (err as { code?: unknown } | null)?.code;
  return ours(typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'error');
}

/**
 * Every code and message along an error's chain of causes: mssql wraps
 * tedious, which wraps Node's socket errors, and undici nests its own.
 */
/** Codes are identifiers and safe to show; messages are only for matching, never for showing: a server's message can quote a value. */
export function errorChain(err: unknown): { codes: SafeText; messages: string } {
  const codes: string[] = [];
  const messages: string[] = [];
  const seen = new Set<unknown>();
  const visit = (x: unknown) => {
    if (!x || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    const e = x as { code?: unknown; message?: unknown; originalError?: unknown; cause?: unknown; errors?: unknown };
    if (typeof e.code === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(e.code)) codes.push(e.code);
    if (typeof e.message === 'string') messages.push(e.message);
    visit(e.originalError);
    visit(e.cause);
    if (Array.isArray(e.errors)) e.errors.forEach(visit);
  };
  visit(err);
  return { codes: ours(codes.join(' ')), messages: messages.join(' ') };
}

/**
 * An unexpected error (a bug), for the admin and the log: its class and where in our code it was thrown. Its message
 * is left out, since a library's message can quote the value it choked on.
 */
export function internalError(err: unknown): SafeText {
  const name = err instanceof Error && /^[A-Za-z]+$/.test(err.name) ? err.name : 'error';
  const frames = err instanceof Error ? (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 3).map((l) => l.trim().replace(/[^\s(]*[\\/]/g, '')) : [];
  return safe`internal error (${ours(name)})${frames.length > 0 ? safe`: ${ours(frames.join(' '))}` : ''}; please report it with the log`;
}
