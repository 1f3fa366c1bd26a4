import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` holds the contract suites (they import vitest); `servers` holds the fake CRM servers and the data
  // generators, which demos and benchmarks use without vitest.
  entry: ['src/index.ts', 'src/servers.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
