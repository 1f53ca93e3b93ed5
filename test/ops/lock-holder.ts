/**
 * For test/ops/lock.test.ts: one run's part in races for the run lock, as a
 * process of its own. Prints READY once loaded, then reads commands, one a
 * line, from standard input:
 *
 *   go       try to take the lock in STATE_DIR; print `OK` (`OK took over PID`) or the exit code
 *            (with a note when the lock it found could not be read)
 *   release  release the lock, if it got it; print `RELEASED`
 *
 * and ends with standard input.
 *
 *   node --import tsx test/ops/lock-holder.ts STATE_DIR
 */
import { createInterface } from 'node:readline';
import { AppError } from '../../src/errors';
import { acquireRunLock, type RunLock } from '../../src/run-lock';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: lock-holder.ts STATE_DIR');
const say = (line: string) => process.stdout.write(`${line}\n`);
let lock: RunLock | undefined;
say('READY');
for await (const command of createInterface({ input: process.stdin })) {
  if (command === 'go') {
    try {
      lock = await acquireRunLock(stateDir, new Date());
      say(`OK${lock.tookOver ? ` took over ${lock.tookOver.holder?.pid}` : ''}`);
    } catch (err) {
      // A lock read while another run was still writing it would say so: a race lost that way is a bug, not a refusal.
      const unreadable = err instanceof AppError && /cannot be read/.test(err.message);
      say(err instanceof AppError ? `${err.exitCode}${unreadable ? ' (lock read half-written)' : ''}` : `unexpected: ${(err as Error).message}`);
    }
  } else if (command === 'release') {
    await lock?.release();
    lock = undefined;
    say('RELEASED');
  }
}
