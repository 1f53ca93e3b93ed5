import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // CLI tests spawn real processes; give them room on a 2-core machine.
    testTimeout: 30_000,
  },
});
