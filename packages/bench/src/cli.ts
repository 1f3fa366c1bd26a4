#!/usr/bin/env node
/**
 * `bench <name> [--json] [options]` (the root script `pnpm bench`): runs one benchmark of the hub and prints a
 * summary a person can read, or with `--json` exactly one JSON object on stdout. Progress goes to stderr.
 * `bench --help` lists the benchmarks and their options.
 */
import { CrmError } from '@wedsync/crm-core';
import { destroyOpenDatabases } from './databases.js';
import { stderrReporter } from './measure.js';
import { type BenchmarkDefinition, benchmarks, UsageError, usage } from './registry.js';

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const definition: BenchmarkDefinition | undefined = benchmarks.find((benchmark) => benchmark.name === name);
  if (definition === undefined) {
    throw new UsageError(
      `Unknown benchmark \`${name}\`. The benchmarks are: ${benchmarks.map((benchmark) => benchmark.name).join(', ')}`,
    );
  }
  const { json, values } = definition.parse(rest);
  const result = await definition.run(values, stderrReporter());
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : definition.format(result));
  return 0;
}

// Interrupted (Ctrl-C, a time limit): remove the databases of the run (PostgreSQL ones would outlive it), then stop.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`bench: ${signal}, removing the run's databases\n`);
    void destroyOpenDatabases().finally(() => process.exit(130));
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
    const context =
      CrmError.isInstance(error) && Object.keys(error.context).length > 0
        ? ` ${JSON.stringify(error.context)}`
        : '';
    process.stderr.write(
      `bench: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}${context}\n`,
    );
    process.exitCode = 1;
  },
);
