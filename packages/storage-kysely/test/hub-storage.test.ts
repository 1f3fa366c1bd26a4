import { randomUUID } from 'node:crypto';
import { runStorageContract } from '@wedsync/crm-testkit';
import { createKyselyStorage } from '../src/index.js';
import { testBackends } from './backends.js';

for (const backend of testBackends()) {
  runStorageContract({
    name: backend.name,
    async createStorage() {
      const database = await backend.create();
      const storage = createKyselyStorage({ db: database.db });
      await storage.migrate();
      return {
        storage,
        async createSupplier(options = {}) {
          const id = randomUUID();
          await database.db
            .insertInto('suppliers')
            .values({
              id,
              name: options.name ?? `Supplier ${id.slice(0, 8)}`,
              tier: options.tier ?? 'PROFESSIONAL',
            })
            .execute();
          return id;
        },
        cleanup: () => database.destroy(),
      };
    },
  });
}
