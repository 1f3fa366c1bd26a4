/** Storage contract: transactions — commit, rollback, nesting by reuse, and binding through a handle. */
import type { TransactionHandle } from '@wedsync/crm-core';
import { expect } from 'vitest';
import { type ContractScope, expectCrmError, integrationFixture } from './harness.js';

class Boom extends Error {}

/** Transactions. */
export function transactionTests({ fixture, group, test }: ContractScope): void {
  group('transactions', () => {
    test('a transaction commits every write of its callback together', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.jobs.claim({ owner: 'runner-t', leaseMs: 60_000, integrationId });
      const result = await storage.transaction(async (tx) => {
        await tx.staging.insert([
          { integration_id: integrationId, sync_job_id: job.id, external_id: 'a', raw_data: {} },
        ]);
        await tx.links.upsert([
          {
            integration_id: integrationId,
            record_type: 'client',
            external_id: 'a',
            wedsync_record_id: 'w-a',
          },
        ]);
        await tx.logs.insert([
          {
            integration_id: integrationId,
            sync_job_id: job.id,
            record_type: 'client',
            record_id: 'a',
            action_type: 'created',
          },
        ]);
        await tx.jobs.saveProgress(job.id, {
          owner: 'runner-t',
          checkpoint: { cursor: 'page-1' },
          records_processed: 1,
        });
        return 'done';
      });
      expect(result).toBe('done');
      expect((await storage.staging.list({ jobId: job.id })).staging_rows).toHaveLength(1);
      expect(await storage.links.findByExternalIds(integrationId, 'client', ['a'])).toHaveLength(1);
      expect((await storage.logs.list(integrationId)).total).toBe(1);
      expect((await storage.jobs.get(job.id)).checkpoint).toEqual({ cursor: 'page-1' });
    });

    test('a transaction whose callback throws writes nothing and rethrows the error unchanged', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      const job = await storage.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
      await storage.jobs.claim({ owner: 'runner-t', leaseMs: 60_000, integrationId });
      const boom = new Boom('page failed');
      await expect(
        storage.transaction(async (tx) => {
          await tx.staging.insert([
            { integration_id: integrationId, sync_job_id: job.id, external_id: 'b', raw_data: {} },
          ]);
          await tx.links.upsert([
            {
              integration_id: integrationId,
              record_type: 'client',
              external_id: 'b',
              wedsync_record_id: 'w-b',
            },
          ]);
          await tx.jobs.saveProgress(job.id, { owner: 'runner-t', checkpoint: { cursor: 'page-2' } });
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await storage.staging.list({ jobId: job.id })).staging_rows).toEqual([]);
      expect(await storage.links.findByExternalIds(integrationId, 'client', ['b'])).toEqual([]);
      expect(await storage.jobs.get(job.id)).not.toHaveProperty('checkpoint');

      // A storage error inside rolls back too, and surfaces as the CrmError it is.
      await expectCrmError(
        storage.transaction(async (tx) => {
          await tx.links.upsert([
            {
              integration_id: integrationId,
              record_type: 'client',
              external_id: 'c',
              wedsync_record_id: 'w-c',
            },
          ]);
          await tx.jobs.create({ integration_id: integrationId, job_type: 'full_import' });
        }),
        'job_already_active',
      );
      expect(await storage.links.findByExternalIds(integrationId, 'client', ['c'])).toEqual([]);
    });

    test('nested transactions reuse the open one; withTransaction binds a storage to a handle', async () => {
      const { storage } = fixture();
      const { integrationId } = await integrationFixture(fixture());
      let outerHandle: TransactionHandle | undefined;
      await expect(
        storage.transaction(async (tx, handle) => {
          outerHandle = handle;
          expect(typeof handle.storageKind).toBe('string');
          await tx.transaction(async (inner, innerHandle) => {
            expect(innerHandle).toBe(handle);
            await inner.links.upsert([
              {
                integration_id: integrationId,
                record_type: 'event',
                external_id: 'e-1',
                wedsync_record_id: 'w-e1',
              },
            ]);
          });
          const bound = storage.withTransaction(handle);
          await bound.links.upsert([
            {
              integration_id: integrationId,
              record_type: 'event',
              external_id: 'e-2',
              wedsync_record_id: 'w-e2',
            },
          ]);
          // Visible inside the transaction.
          expect(await tx.links.findByExternalIds(integrationId, 'event', ['e-1', 'e-2'])).toHaveLength(2);
          throw new Boom('undo both');
        }),
      ).rejects.toBeInstanceOf(Boom);
      expect(outerHandle).toBeDefined();
      expect(await storage.links.findByExternalIds(integrationId, 'event', ['e-1', 'e-2'])).toEqual([]);

      await storage.transaction(async (_tx, handle) => {
        await storage.withTransaction(handle).links.upsert([
          {
            integration_id: integrationId,
            record_type: 'event',
            external_id: 'e-3',
            wedsync_record_id: 'w-e3',
          },
        ]);
      });
      expect(await storage.links.findByExternalIds(integrationId, 'event', ['e-3'])).toHaveLength(1);
    });

    test('withTransaction refuses a handle it did not make', async () => {
      const { storage } = fixture();
      const foreign = { storageKind: 'someone-else' } as unknown as TransactionHandle;
      let error: unknown;
      try {
        storage.withTransaction(foreign);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ code: 'invalid_argument' });
    });
  });
}
