#!/usr/bin/env node
// Sums the vitest JSON reports every package wrote during `turbo run test` and prints one closing line
// "N passed, N failed, N skipped". With CRM_TEST_REQUIRE_BACKENDS=sqlite-memory,postgres (set by .ci/run)
// it fails when no passing test ran against one of those storage backends: the test names carry the
// backend in brackets, e.g. "storage contract [postgres] > ...".
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const packageDirectories = ['packages', 'packages/providers', 'examples'].flatMap((parent) => {
  const full = join(root, parent);
  if (!existsSync(full)) return [];
  if (parent === 'examples') return [full];
  return readdirSync(full, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(full, entry.name));
});

let passed = 0;
let failed = 0;
let skipped = 0;
const passedNames = [];
const reports = [];
// report.json: a package's tests; soak-report.json: the reliability suites `pnpm test` runs at a small size.
const reportPaths = packageDirectories.flatMap((directory) =>
  ['report.json', 'soak-report.json'].map((name) => join(directory, '.vitest', name)),
);
for (const reportPath of reportPaths) {
  if (!existsSync(reportPath)) continue;
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  reports.push(reportPath.slice(root.length));
  for (const file of report.testResults ?? []) {
    for (const assertion of file.assertionResults ?? []) {
      if (assertion.status === 'passed') {
        passed += 1;
        passedNames.push(assertion.fullName ?? assertion.title ?? '');
      } else if (assertion.status === 'failed') failed += 1;
      else skipped += 1;
    }
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
  }
}

const required = (process.env.CRM_TEST_REQUIRE_BACKENDS ?? '')
  .split(',')
  .map((name) => name.trim())
  .filter(Boolean);
const missing = required.filter((backend) => !passedNames.some((name) => name.includes(`[${backend}]`)));
for (const backend of required) {
  const count = passedNames.filter((name) => name.includes(`[${backend}]`)).length;
  console.log(`storage backend ${backend}: ${count} passing tests`);
}
console.log(`test reports read: ${reports.length}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (reports.length === 0) {
  console.error('No vitest report was found: no test ran.');
  process.exit(1);
}
if (missing.length > 0) {
  console.error(`No passing test ran against: ${missing.join(', ')}`);
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
