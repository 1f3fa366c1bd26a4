import { defineConfig } from 'tsup';

export default defineConfig({
  // `cli` is what `pnpm bench` runs; `fake-tave-child` is the entry the benchmarks fork to serve the fake Tave
  // from its own process; `index` exports the benchmark functions (the tests call them in-process).
  entry: ['src/cli.ts', 'src/fake-tave-child.ts', 'src/index.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
