/**
 * The demo (examples/demo.mjs) as a user runs it: a child process that starts a fake Tave studio, imports it into
 * an embedded SQLite file and prints a JSON summary. The summary must add up, name the planted bad records as
 * rejected, and the database file must not hold the API key — which this test checks in the file's bytes too.
 *
 * The demo runs the built packages: `pnpm build` must have run (CI builds before it tests).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { leakedForms, plantedBadRecords } from './harness.js';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../../../../examples/demo.mjs', import.meta.url));
const builtPackages = [
  '../../dist/index.js',
  '../../../provider-kit/dist/index.js',
  '../../../storage-kysely/dist/index.js',
  '../../../providers/tave/dist/index.js',
  '../../../testkit/dist/servers.js',
].map((path) => fileURLToPath(new URL(path, import.meta.url)));
const apiKey = 'demo-e2e-key-Hq7Vb2Nc9Xt4Lp1Wm6Rz';

describe('the demo [sqlite-file]', () => {
  let directory: string | undefined;
  afterAll(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  it('imports a 60-record studio, accounts for every client and keeps the API key out of the database', async () => {
    const missing = builtPackages.filter((path) => !existsSync(path));
    if (missing.length > 0) {
      throw new Error(
        `The demo runs the built packages; run \`pnpm build\` first (missing: ${missing.join(', ')})`,
      );
    }
    directory = await mkdtemp(join(tmpdir(), 'crm-demo-'));
    const database = join(directory, 'demo.sqlite');
    const { stdout } = await run(
      process.execPath,
      [demo, '--json', '--records', '60', '--database', database],
      { env: { ...process.env, DEMO_TAVE_API_KEY: apiKey }, timeout: 30_000 },
    );
    const summary = JSON.parse(stdout.trim()) as Record<string, unknown>;

    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        'seeded',
        'created',
        'linked',
        'flagged',
        'rejected',
        'requests',
        'seconds',
        'database',
      ]),
    );
    const count = (key: string) => summary[key] as number;
    expect(count('seeded')).toBe(60);
    expect(count('created') + count('linked') + count('flagged') + count('rejected')).toBe(count('seeded'));
    expect(count('rejected')).toBe(Object.values(plantedBadRecords).reduce((sum, value) => sum + value, 0));
    expect(count('linked')).toBeGreaterThan(0);
    expect(count('flagged')).toBeGreaterThan(0);
    expect(count('requests')).toBeGreaterThan(0);
    expect(count('seconds')).toBeGreaterThan(0);
    expect(summary['database']).toBe(database);
    expect(summary['database_contains_api_key']).toBe(false);
    expect(summary['job']).toMatchObject({ status: 'completed' });

    // The database the demo left, byte by byte (and its WAL, if one is left over).
    const bytes = await readFile(database);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.includes(Buffer.from('crm_integrations'))).toBe(true);
    expect(leakedForms(bytes, apiKey)).toEqual([]);
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(database + suffix))
        expect(leakedForms(await readFile(database + suffix), apiKey)).toEqual([]);
    }
    expect(stdout).not.toContain(apiKey);
  }, 40_000);
});
