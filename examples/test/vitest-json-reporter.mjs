// A node:test reporter that writes the run as vitest's JSON report, to examples/.vitest/report.json, where
// scripts/test-summary.mjs reads every package's report (`{ testResults: [{ assertionResults: [{ status,
// fullName }] }] }`). Used beside the `spec` reporter (see the `test` script of examples/package.json); it prints
// one line naming the report at the end.
//
// Names: a test inside a suite is `suite > test`, as vitest writes `fullName`. Statuses: `passed`, `failed`,
// `skipped` (node's skip) and `todo`. A test file that fails before declaring any test (a syntax error, a failed
// import) is one failed entry named after the file.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the report goes: examples/.vitest/report.json, wherever the runner was started from. */
export const reportPath = fileURLToPath(new URL('../.vitest/report.json', import.meta.url));
const thisFile = fileURLToPath(import.meta.url);
const examplesDirectory = dirname(dirname(thisFile));

/** Writes vitest's JSON report of the events of one `node --test` run (a node:test custom reporter). */
export default async function* vitestJsonReporter(source) {
  // A report left by an earlier run must not count if this one dies before writing its own.
  rmSync(reportPath, { force: true });
  const startTime = Date.now();
  /** Per file: finished entries at each nesting level, waiting for their parent to finish. */
  const files = new Map();
  const fileOf = (name) => {
    let file = files.get(name);
    if (file === undefined) {
      file = { pending: [], results: [], failureMessages: [] };
      files.set(name, file);
    }
    return file;
  };

  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, nesting, file: filePath, skip, todo, details } = event.data;
    // node:test runs every .mjs file of test/ (this reporter too): a file that declares no test is not a test.
    if (filePath === thisFile) continue;
    const file = fileOf(filePath ?? '(unknown file)');
    const children = file.pending[nesting + 1] ?? [];
    file.pending[nesting + 1] = [];
    const failed = event.type === 'test:fail';
    let entries;
    if (children.length > 0 || details?.type === 'suite') {
      // A suite (or a test with subtests): its name goes in front of its children's.
      entries = children.map((child) => ({ ...child, path: [name, ...child.path] }));
    } else if (nesting === 0 && name === filePath) {
      // The file itself: reported only when it failed outside any test, or declared none.
      entries = failed
        ? [{ path: [relative(examplesDirectory, name)], status: 'failed', error: details?.error }]
        : [];
    } else {
      const status = failed
        ? 'failed'
        : todo !== undefined && todo !== false
          ? 'todo'
          : skip
            ? 'skipped'
            : 'passed';
      entries = [{ path: [name], status, duration: details?.duration_ms, error: details?.error }];
    }
    if (nesting === 0) file.results.push(...entries);
    else {
      file.pending[nesting] ??= [];
      file.pending[nesting].push(...entries);
    }
  }

  const testResults = [...files].map(([name, file]) => {
    const assertionResults = file.results.map((entry) => ({
      ancestorTitles: entry.path.slice(0, -1),
      title: entry.path.at(-1),
      fullName: entry.path.join(' > '),
      status: entry.status,
      duration: entry.duration,
      failureMessages: entry.error === undefined ? [] : [describeError(entry.error)],
    }));
    const failed = assertionResults.some((result) => result.status === 'failed');
    return {
      name,
      status: failed ? 'failed' : 'passed',
      message: '',
      startTime,
      endTime: Date.now(),
      assertionResults,
    };
  });
  const all = testResults.flatMap((result) => result.assertionResults);
  const count = (status) => all.filter((result) => result.status === status).length;
  const report = {
    numTotalTestSuites: testResults.length,
    numPassedTestSuites: testResults.filter((result) => result.status === 'passed').length,
    numFailedTestSuites: testResults.filter((result) => result.status === 'failed').length,
    numTotalTests: all.length,
    numPassedTests: count('passed'),
    numFailedTests: count('failed'),
    numPendingTests: count('skipped'),
    numTodoTests: count('todo'),
    startTime,
    success: count('failed') === 0,
    testResults,
  };
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  yield `vitest-style report: ${relative(process.cwd(), reportPath) || reportPath} (${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numPendingTests + report.numTodoTests} skipped)\n`;
}

function describeError(error) {
  // node:test wraps a failure in an error whose `cause` is what the test threw.
  const cause = error?.cause ?? error;
  if (cause instanceof Error) return cause.stack ?? `${cause.name}: ${cause.message}`;
  return String(cause);
}
