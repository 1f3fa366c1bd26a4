/**
 * The shared HubStorage contract suite. Every HubStorage implementation runs it from a vitest file, once per
 * database it supports (kysely's every-dialect suite is the model); test names say which:
 * `storage contract [pglite] > sync jobs > concurrent claims return distinct jobs`.
 *
 * One fixture (one migrated database) serves the whole suite: PGlite takes seconds to start. Each test works in
 * suppliers and integrations of its own, so tests never depend on each other's rows. The groups of optional
 * members (the scratch space) skip their tests when the storage does not offer them.
 *
 * ```ts
 * import { runStorageContract } from '@wedsync/crm-testkit';
 * runStorageContract({
 *   name: 'sqlite',
 *   createStorage: async () => ({ storage, createSupplier, cleanup }),
 *   skip: { 'sync jobs > concurrent claims return distinct jobs': 'single connection' },
 * });
 * ```
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { contractScope, type StorageContractFixture, type StorageContractOptions } from './harness.js';
import { integrationTests } from './integrations.js';
import { jobTests } from './jobs.js';
import { recordTests } from './records.js';
import { scratchTests } from './scratch.js';
import { transactionTests } from './transactions.js';

export type { StorageContractFixture, StorageContractOptions } from './harness.js';
export { awkwardJson, largeBatchSize } from './records.js';

/**
 * Declares the storage contract suite for one storage. Call it at the top level of a vitest test file.
 * `skip` keys are `<group> > <test name>` (e.g. `'sync jobs > concurrent claims return distinct jobs'`).
 */
export function runStorageContract(options: StorageContractOptions): void {
  describe(`storage contract [${options.name}]`, () => {
    let fixture: StorageContractFixture | undefined;
    const current = (): StorageContractFixture => {
      if (fixture === undefined)
        throw new Error('The storage contract fixture is not ready (createStorage failed?)');
      return fixture;
    };

    beforeAll(async () => {
      fixture = await options.createStorage();
    }, 120_000);

    afterAll(async () => {
      await fixture?.cleanup();
    }, 120_000);

    const scope = contractScope(options, current);
    integrationTests(scope);
    jobTests(scope);
    recordTests(scope);
    transactionTests(scope);
    scratchTests(scope);
  });
}
