import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Core's engine is tested end to end against the real storage, fake CRM servers and providers. Those
    // packages depend on core, so core cannot depend on them: its tests read their sources directly, and every
    // import of core (theirs too) resolves to this package's sources, so one copy of core runs.
    alias: [
      { find: /^@wedsync\/crm-core$/, replacement: source('./src/index.ts') },
      { find: /^@wedsync\/crm-storage-kysely$/, replacement: source('../storage-kysely/src/index.ts') },
      { find: /^@wedsync\/crm-provider-kit$/, replacement: source('../provider-kit/src/index.ts') },
      { find: /^@wedsync\/crm-testkit\/servers$/, replacement: source('../testkit/src/servers.ts') },
      { find: /^@wedsync\/crm-testkit$/, replacement: source('../testkit/src/index.ts') },
      { find: /^@wedsync\/crm-tave$/, replacement: source('../providers/tave/src/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', ['json', { outputFile: '.vitest/report.json' }]],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/index.ts', 'src/**/index.ts'],
      reporter: ['text-summary', 'text'],
      thresholds: { lines: 90 },
    },
  },
});
