import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Until @wedsync/crm-testkit is a devDependency of this package, the tests read its sources (hono, faker and
    // the other imports of those files resolve from testkit's own folder). The provider contract suite is not yet
    // exported from testkit's index, so the bare specifier points at its folder.
    alias: [
      { find: /^@wedsync\/crm-testkit\/servers$/, replacement: source('../../testkit/src/servers.ts') },
      {
        find: /^@wedsync\/crm-testkit$/,
        replacement: source('../../testkit/src/provider-contract/index.ts'),
      },
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
      exclude: ['src/index.ts'],
      reporter: ['text-summary', 'text'],
    },
  },
});
