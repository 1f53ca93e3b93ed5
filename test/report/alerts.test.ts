import { describe, expect, it } from 'vitest';
import { alertKind } from '../../src/report/alerts';

describe('alertKind: which runs send an e-mail alert', () => {
  it.each([
    ['failed', undefined, false, 'failed'],
    ['held', 'delivered', false, 'held'],
    ['delivered', 'failed', false, 'recovered'],
    ['unchanged', 'held', false, 'recovered'],
    ['delivered', 'delivered', false, undefined],
    ['unchanged', undefined, false, undefined],
    ['delivered', 'unchanged', true, 'every'],
    ['failed', 'failed', true, 'failed'],
  ] as const)('%s after %s (every run: %s): %s', (outcome, previous, everyRun, kind) => {
    expect(alertKind(outcome, previous, everyRun)).toBe(kind);
  });
});
