import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One throw-away PostgreSQL cluster per run when the server is installed (else its tests skip loudly).
    globalSetup: ['test/helpers/postgres-cluster.ts'],
  },
});
