/**
 * Runs the shared ClientStore contract on every test backend (both SQLite variants, PGlite, and PostgreSQL when
 * CRM_TEST_PG_URL is set), with the HubStorage of the same database for the shared-transaction tests; and once more
 * on the first backend with a store that lacks the optional change stamps, as a host's own store may.
 */
import { randomUUID } from 'node:crypto';
import type { ClientStore } from '@wedsync/crm-core';
import { runClientStoreContract } from '@wedsync/crm-testkit';
import {
  createKyselyClientStore,
  createKyselyStorage,
  nameKey,
  normalizeEmail,
  normalizePhone,
} from '../src/index.js';
import { type TestBackend, testBackends } from './backends.js';

/** The contract's options for the kysely store on one backend, with or without its change stamps. */
function contractOptions(backend: TestBackend, changeStamps: boolean) {
  return {
    name: changeStamps ? backend.name : `${backend.name}, without change stamps`,
    normalizer: { normalizeEmail, normalizePhone, nameKey },
    changeStamps,
    async createStore() {
      const { db, destroy } = await backend.create();
      const hubStorage = createKyselyStorage({ db });
      await hubStorage.migrate();
      const full = createKyselyClientStore({ db });
      const { changeStampsSince: _offered, ...withoutStamps } = full;
      const store: ClientStore = changeStamps ? full : withoutStamps;
      return {
        store,
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
  };
}

for (const backend of testBackends()) runClientStoreContract(contractOptions(backend, true));

const [firstBackend] = testBackends();
if (firstBackend !== undefined) runClientStoreContract(contractOptions(firstBackend, false));
