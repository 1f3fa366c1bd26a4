/**
 * Runs the shared ClientStore contract on every test backend (both SQLite variants, PGlite, and PostgreSQL when
 * CRM_TEST_PG_URL is set), with the HubStorage of the same database for the shared-transaction tests.
 */
import { randomUUID } from 'node:crypto';
import { runClientStoreContract } from '@wedsync/crm-testkit';
import {
  createKyselyClientStore,
  createKyselyStorage,
  nameKey,
  normalizeEmail,
  normalizePhone,
} from '../src/index.js';
import { testBackends } from './backends.js';

for (const backend of testBackends()) {
  runClientStoreContract({
    name: backend.name,
    normalizer: { normalizeEmail, normalizePhone, nameKey },
    changeStamps: true,
    async createStore() {
      const { db, destroy } = await backend.create();
      const hubStorage = createKyselyStorage({ db });
      await hubStorage.migrate();
      return {
        store: createKyselyClientStore({ db }),
        hubStorage,
        async createSupplier() {
          const id = randomUUID();
          await db
            .insertInto('suppliers')
            .values({ id, name: `Studio ${id.slice(0, 8)}` })
            .execute();
          return id;
        },
        destroy,
      };
    },
  });
}
