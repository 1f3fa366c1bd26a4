/** Where the built entries of this package are, for the benchmarks that start them as processes. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '@wedsync/crm-core';

/**
 * The path of the built entry `name` (e.g. `cli.js`): next to this module once built (`dist/`), or in `../dist`
 * when this module runs from its TypeScript source (the tests).
 *
 * @throws NotFoundError when the package is not built.
 */
export function builtEntry(name: string): string {
  const candidates = [new URL(`./${name}`, import.meta.url), new URL(`../dist/${name}`, import.meta.url)].map(
    (url) => fileURLToPath(url),
  );
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new NotFoundError(
      `The entry ${name} is not built: run \`pnpm --filter @wedsync/crm-bench build\``,
      {
        context: { looked_in: candidates },
      },
    );
  }
  return found;
}
