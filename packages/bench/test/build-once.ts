/**
 * Vitest global setup: builds this package (tsup) before the tests, because the benchmarks fork its built
 * entries (`dist/fake-tave-child.js`, and `dist/cli.js` for the memory benchmark's import processes).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(
    process.execPath,
    [fileURLToPath(new URL('../node_modules/tsup/dist/cli-default.js', import.meta.url))],
    {
      cwd: packageDirectory,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}
