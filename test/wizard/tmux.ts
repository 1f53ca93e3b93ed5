/**
 * A real pseudo-terminal for the wizard's end-to-end test: a tmux server on a
 * socket of the test's own, one session, keys sent with `send-keys` and the
 * screen read with `capture-pane`. Only this server is ever stopped.
 */
import { execFileSync } from 'node:child_process';

export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface Pane {
  /** Types text literally (no key names). */
  type(text: string): void;
  /** Presses keys by tmux name: Enter, Down, Up, BSpace, C-c. */
  press(...keys: string[]): void;
  /** Everything the pane has shown: its scrollback and the screen, wrapped lines joined, trailing blanks cut. */
  transcript(): string;
  /** Waits until the pane has shown `text` at least `nth` times; throws with what it shows when that does not come in time. */
  waitFor(text: string, nth?: number, timeoutMs?: number): Promise<void>;
  /** Stops this tmux server (and with it the session). */
  close(): void;
}

/** Starts `command` (run by bash) in a detached session of size 200×50 on a fresh tmux server. */
export function openPane(command: string, socket = `procapita-sync-test-${process.pid}-${Date.now()}`): Pane {
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  tmux('new-session', '-d', '-s', 'wizard', '-x', '200', '-y', '50', 'bash', '-c', command);
  tmux('set-option', '-t', 'wizard', 'history-limit', '20000');
  const transcript = () =>
    tmux('capture-pane', '-p', '-J', '-S', '-', '-E', '-', '-t', 'wizard')
      .split('\n')
      .map((line) => line.replace(/\s+$/, ''))
      .join('\n')
      .replace(/\n+$/, '\n');
  return {
    type: (text) => void tmux('send-keys', '-t', 'wizard', '-l', text),
    press: (...keys) => void tmux('send-keys', '-t', 'wizard', ...keys),
    transcript,
    async waitFor(text, nth = 1, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const all = transcript();
        if (all.split(text).length - 1 >= nth) return;
        if (Date.now() > until) throw new Error(`The pane did not show "${text}"${nth > 1 ? ` ${nth} times` : ''} within ${timeoutMs / 1000} s. It shows:\n${all}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    close: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
}
