// Examples in docs are run by a test: each example script runs as a child process and its output is checked, and
// every code block of the guides that names its source (`<!-- source: examples/x.mjs -->` on the line before the
// fence) must appear verbatim, whitespace aside, in that file — every `js` block must name one — so the guides
// cannot drift from code that runs. The examples import the built packages: run `pnpm build` first (turbo's
// `test` task depends on `^build`).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const examples = fileURLToPath(new URL('..', import.meta.url));
const root = join(examples, '..');
/** Guides whose `js` blocks must each name the example they come from. */
const guides = ['docs/getting-started.md', 'docs/writing-a-provider.md'];
/** Other pages whose blocks that name a source are checked the same way. */
const quotingPages = [
  'packages/core/README.md',
  'packages/provider-kit/README.md',
  'packages/storage-kysely/README.md',
  'packages/testkit/README.md',
];

/** Runs an example with node; resolves with its exit code and output (never rejects on a failing script). */
function runExample(script, args = [], timeoutMs = 90_000) {
  const environment = { ...process.env };
  // Hermetic: the examples make up their own keys when these are unset.
  delete environment.CRM_VAULT_KEY;
  delete environment.DEMO_TAVE_API_KEY;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(examples, script), ...args], {
      cwd: examples,
      env: environment,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Fails with the script's output when it did not exit 0. */
function assertSucceeded(result, script) {
  assert.equal(
    result.code,
    0,
    `${script} exited with ${result.code ?? result.signal}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
  );
}

/** The line of `output` that starts with `prefix` (exactly one). */
function lineStarting(output, prefix) {
  const lines = output.split('\n').filter((line) => line.startsWith(prefix));
  assert.equal(lines.length, 1, `expected one line starting with "${prefix}" in:\n${output}`);
  return lines[0];
}

/** `client: 24 read, 23 created, 1 rejected` -> { read: 24, created: 23, rejected: 1 }. */
function countsOf(line) {
  return Object.fromEntries(
    [...line.matchAll(/(\d+) ([a-z_]+)/g)].map((match) => [match[2], Number(match[1])]),
  );
}

/** Fenced code blocks of a Markdown file, each with its language, line and the source it names. */
function codeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let index = 0; index < lines.length; index += 1) {
    const open = /^(`{3,})(\S*)\s*$/.exec(lines[index]);
    if (open === null) continue;
    const fence = open[1];
    let end = index + 1;
    while (end < lines.length && !lines[end].startsWith(fence)) end += 1;
    let previous = index - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous -= 1;
    const marker = previous >= 0 ? /^<!--\s*source:\s*(\S+)\s*-->$/.exec(lines[previous].trim()) : null;
    blocks.push({
      language: open[2],
      line: index + 1,
      code: lines.slice(index + 1, end).join('\n'),
      source: marker?.[1],
    });
    index = end;
  }
  return blocks;
}

const withoutWhitespace = (text) => text.replace(/\s+/g, '');

test('getting-started.mjs connects, imports the fake studio and lists the rejected record', async () => {
  const result = await runExample('getting-started.mjs');
  assertSucceeded(result, 'getting-started.mjs');
  const output = result.stdout;
  assert.equal(lineStarting(output, 'connection:'), 'connection: ok');
  assert.equal(lineStarting(output, 'account:'), 'account: Sarah Ellis Photography');
  assert.match(lineStarting(output, 'job:'), /^job: completed \(partial\), \d+ records$/);

  // Progress: at least one event per record type, in import order, ending at 100%.
  const progress = output.split('\n').filter((line) => line.startsWith('progress:'));
  const types = [...new Set(progress.map((line) => line.split(' ')[1]))];
  assert.deepEqual(types, ['client', 'project', 'event', 'invoice', 'payment']);
  assert.match(progress.at(-1), /^progress: payment 100% /);

  // The studio has 24 clients, one with an invalid email: it is rejected, the rest are created, and the
  // records that belong to the rejected client are rejected too (never imported without their parent).
  const clients = countsOf(lineStarting(output, 'client:'));
  assert.deepEqual(clients, { read: 24, created: 23, rejected: 1 });
  for (const type of ['project', 'event', 'invoice', 'payment']) {
    const counts = countsOf(lineStarting(output, `${type}:`));
    assert.ok(counts.read > 0, `${type}s read`);
    assert.ok(counts.rejected > 0, `${type}s of the rejected client rejected`);
    assert.equal(counts.created + counts.rejected, counts.read, `${type}: created + rejected = read`);
  }
  const rejectedLines = output.split('\n').filter((line) => line.startsWith('rejected '));
  const rejectedCount = ['client', 'project', 'event', 'invoice', 'payment']
    .map((type) => countsOf(lineStarting(output, `${type}:`)).rejected)
    .reduce((sum, count) => sum + count, 0);
  assert.equal(rejectedLines.length, rejectedCount, 'one error log per rejected record');
  assert.equal(rejectedLines.filter((line) => line.startsWith('rejected client ')).length, 1);
  assert.match(lineStarting(output, 'rejected client '), /email: invalid_email/);
  assert.ok(
    rejectedLines
      .filter((line) => !line.startsWith('rejected client '))
      .every((line) => /was not imported/.test(line)),
    'the other rejections name the missing parent',
  );
  assert.equal(result.stderr, '');
});

test('custom-provider.mjs imports Confetti through the hub and reports the missing write', async () => {
  const result = await runExample('custom-provider.mjs');
  assertSucceeded(result, 'custom-provider.mjs');
  const output = result.stdout;
  assert.equal(lineStarting(output, 'provider:'), 'provider: Confetti CRM (clients: read; projects: read)');
  assert.equal(lineStarting(output, 'connection:'), 'connection: ok');
  // testConnection, then three pages of contacts and two of bookings.
  assert.equal(lineStarting(output, 'job:'), 'job: completed (partial), 6 requests');
  // Seven contacts: Priya Shah was typed in by hand (linked, not created), c-104 has an invalid email.
  assert.deepEqual(countsOf(lineStarting(output, 'client:')), {
    read: 7,
    created: 5,
    linked: 1,
    rejected: 1,
  });
  // Six bookings: b-204 belongs to the rejected contact.
  assert.deepEqual(countsOf(lineStarting(output, 'project:')), {
    read: 6,
    created: 5,
    linked: 0,
    rejected: 1,
  });
  assert.match(lineStarting(output, 'rejected client c-104:'), /email: invalid_email/);
  assert.match(lineStarting(output, 'rejected project b-204:'), /client `c-104` was not imported/);
  assert.equal(
    lineStarting(output, 'export:'),
    'export: UnsupportedCapabilityError (unsupported_capability): Provider `custom` cannot write clients or projects to the CRM, so there is nothing to export to',
  );
  assert.equal(result.stderr, '');
});

test('demo.mjs --json imports the whole studio, keeps the API key out of the database, and syncs both ways', async () => {
  const database = join(tmpdir(), `wedsync-examples-demo-${process.pid}.sqlite`);
  try {
    const result = await runExample('demo.mjs', ['--json', '--database', database]);
    assertSucceeded(result, 'demo.mjs');
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.seeded, 250);
    assert.deepEqual(summary.job.status, 'completed');
    assert.equal(
      summary.created + summary.linked + summary.flagged + summary.rejected + summary.skipped,
      summary.seeded,
      'every client record is created, linked, flagged, rejected or skipped',
    );
    assert.equal(summary.rejected, summary.studio.planted_bad_records);
    assert.equal(summary.rejected_reasons.length, summary.rejected);
    assert.ok(summary.linked >= 3, 'the hand-typed clients that are also in Tave are linked');
    assert.ok(summary.flagged >= 1, 'an uncertain duplicate is flagged for review');
    assert.equal(summary.database_contains_api_key, false);
    // The two-way round: each edit moved its way, the conflict was decided by the policy, nothing echoed back.
    const { sync } = summary;
    assert.equal(sync.policy, 'newest_wins');
    assert.deepEqual(
      sync.toCrm.map((item) => item.fields.join(',')).sort(),
      ['phone', 'secondary_email'],
      'the two WedSync edits reached Tave',
    );
    assert.deepEqual(
      sync.toWedsync.map((item) => `${item.type}:${item.fields.join(',')}`).sort(),
      ['client:email', 'client:first_name,full_name', 'client:guest_count', 'project:guest_count'],
      "Tave's edits reached WedSync (the job's guest count on the project and on its client)",
    );
    assert.equal(sync.conflicts.length, 1);
    const [conflict] = sync.conflicts;
    assert.equal(conflict.decision, "Tave's value kept (newest_wins)", 'Tave edited last');
    assert.equal(conflict.final_wedsync, conflict.crm_value);
    assert.equal(conflict.final_crm, conflict.crm_value);
    assert.deepEqual(sync.second_sync, { toWedsync: 0, toCrm: 0, fields: [] });
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(database + suffix, { force: true });
  }
});

test('field-mapping.mjs maps the record as docs/field-mapping.md says', async () => {
  const result = await runExample('field-mapping.mjs');
  assertSucceeded(result, 'field-mapping.mjs');
  const [validation, ...rest] = result.stdout.split('\n');
  assert.equal(validation, '[]', 'the mappings are valid');
  const mapped = JSON.parse(rest.join('\n'));
  assert.equal(mapped.ok, true);
  assert.deepEqual(mapped.errors, []);
  assert.deepEqual(mapped.value, {
    first_name: 'Zoë',
    email: 'Zoe.OBrien@Example.com',
    phone: '+447700900123',
    wedding_date: '2026-06-12',
    status: { stage: 'booked' },
    budget: { amount_minor: 125050 },
  });
});

for (const guide of [...guides, ...quotingPages]) {
  const markdown = readFileSync(join(root, guide), 'utf8');
  const blocks = codeBlocks(markdown);

  if (guides.includes(guide)) {
    test(`${guide} has js blocks, each naming its source`, () => {
      const js = blocks.filter((block) => block.language === 'js');
      assert.ok(js.length > 0, `${guide} has no js block`);
      for (const block of js) {
        assert.ok(
          block.source !== undefined,
          `${guide}:${block.line}: a js block needs <!-- source: examples/<file>.mjs --> on the line before it`,
        );
      }
    });
  }

  for (const block of blocks.filter((entry) => entry.source !== undefined)) {
    test(`${guide}:${block.line} (${block.language}) appears in ${block.source}`, () => {
      const sourcePath = join(root, block.source);
      assert.ok(existsSync(sourcePath), `${block.source} does not exist`);
      const code = withoutWhitespace(block.code);
      assert.ok(code.length > 0, 'the block is empty');
      const source = withoutWhitespace(readFileSync(sourcePath, 'utf8'));
      assert.ok(
        source.includes(code),
        `${guide}:${block.line}: this block is not in ${relative(root, sourcePath)} (whitespace aside):\n${block.code}`,
      );
    });
  }
}
