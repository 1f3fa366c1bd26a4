/**
 * export_to_crm outcomes with an in-memory writable provider: refusals are logged and counted `rejected`, a
 * retryable failure is sent once more, an uncertain create without `findExisting` is never re-sent blindly, and a
 * project whose client is not in the CRM waits.
 */
import { describe, expect, it } from 'vitest';
import type { CrmProviderV1, ProviderRecordChange, ProviderWriteResult } from '../../src/index.js';
import { createInProcessRunner } from '../../src/runner/index.js';
import { createFakeProvider, createTestHub, emptyData } from '../sync/fixtures.js';

describe('export_to_crm outcomes', () => {
  it('rejects refusals, retries once, never re-sends an uncertain create blindly, and lets projects wait', async () => {
    const { provider: base } = createFakeProvider({ data: emptyData() });
    const calls: { recordType: string; changes: readonly ProviderRecordChange[] }[] = [];
    const answerOverride = new Map<string, 'created'>();
    const answer = (change: ProviderRecordChange, attempt: number): ProviderWriteResult => {
      const name = String(change.data['firstName']);
      if (name === 'Refused' && answerOverride.get('Refused') !== 'created')
        return {
          idempotencyKey: change.idempotencyKey,
          status: 'failed',
          error: 'refused',
          retryable: false,
        };
      if (name === 'Uncertain')
        return {
          idempotencyKey: change.idempotencyKey,
          status: 'failed',
          error: 'outcome unknown',
          retryable: true,
        };
      if (name === 'Busy' && attempt === 0)
        return {
          idempotencyKey: change.idempotencyKey,
          status: 'failed',
          error: 'rate limited',
          retryable: true,
        };
      return { idempotencyKey: change.idempotencyKey, status: 'created', externalId: `crm-${name}` };
    };
    const seen = new Map<string, number>();
    const provider: CrmProviderV1 = {
      ...base,
      features: {
        client: { read: true, write: true, delete: false },
        project: { read: true, write: true, delete: false },
      },
      async connect(context) {
        const session = await base.connect(context);
        return {
          ...session,
          async write(recordType, changes) {
            calls.push({ recordType, changes });
            return changes.map((change) => {
              const attempt = seen.get(change.idempotencyKey) ?? 0;
              seen.set(change.idempotencyKey, attempt + 1);
              return answer(change, attempt);
            });
          },
        };
      },
    };
    const testHub = await createTestHub({ providers: [provider] });
    try {
      const { hub, supplierId, clientStore } = testHub;
      const { integration } = await hub.createIntegration({
        supplierId,
        body: {
          crm_provider: 'tave',
          connection_name: 'Writable',
          auth_config: { api_key: 'live-secret-key-123456' },
          sync_config: { sync_direction: 'bidirectional' },
        } as never,
      });
      const rows = await clientStore.upsert(
        'client',
        ['Fine', 'Refused', 'Uncertain', 'Busy'].map((first_name) => ({
          supplier_id: supplierId,
          record: { first_name, phone: '+14155550100' },
        })),
      );
      const projects = await clientStore.upsert('project', [
        { supplier_id: supplierId, record: { client_id: rows[1]?.id as string, name: 'Waits' } },
        { supplier_id: supplierId, record: { client_id: rows[0]?.id as string, name: 'Goes' } },
      ]);
      await hub.triggerSync({
        supplierId,
        integrationId: integration.id,
        body: { job_type: 'export_to_crm' },
      });
      const [outcome] = await createInProcessRunner({ hub }).drain();
      expect(outcome).toMatchObject({ status: 'completed', resultStatus: 'partial' });
      expect(outcome?.counts).toMatchObject({
        'client.created': 2,
        'client.rejected': 2,
        'project.created': 1,
        'project.skipped': 1,
      });
      // Busy was sent twice; Uncertain once (no findExisting to look it up); Refused once.
      const sent = (name: string) =>
        calls.flatMap((call) => call.changes).filter((change) => change.data['firstName'] === name).length;
      expect([sent('Busy'), sent('Uncertain'), sent('Refused')]).toEqual([2, 1, 1]);
      const project = calls.find((call) => call.recordType === 'project')?.changes[0];
      expect(project?.data).toMatchObject({ name: 'Goes', clientContactId: 'crm-Fine' });
      const logs = (await hub.listSyncLogs({ supplierId, integrationId: integration.id, per_page: 100 }))
        .logs;
      expect(
        logs
          .filter((log) => log.action_type === 'error')
          .map((log) => log.action_details['reason'])
          .sort(),
      ).toEqual(['crm_refused', 'outcome_unknown']);
      expect(logs.some((log) => log.action_details['reason'] === 'waiting_for_client')).toBe(true);

      // The next export retries the waiting project first, though it did not change: once its client is in the
      // CRM it goes; until then it keeps waiting.
      const waitingJob = await testHub.storage.jobs.get(outcome?.jobId as string);
      // Uncertain (a create that may have happened, with no findExisting to check) is not retried: only a person
      // can tell whether the CRM has it. Busy went on its second attempt.
      expect(waitingJob.checkpoint?.['waiting']).toEqual({ project: [projects[0]?.id] });
      answerOverride.set('Refused', 'created');
      await clientStore.upsert('client', [
        {
          id: rows[1]?.id as string,
          supplier_id: supplierId,
          record: { first_name: 'Refused', phone: '+14155550101' },
        },
      ]);
      await hub.triggerSync({
        supplierId,
        integrationId: integration.id,
        body: { job_type: 'export_to_crm' },
      });
      const [again] = await createInProcessRunner({ hub }).drain();
      expect(again?.counts).toMatchObject({ 'client.created': 1, 'project.created': 1 });
      expect(again?.counts['client.read']).toBe(1);
      const waits = calls.filter((call) => call.recordType === 'project').flatMap((call) => call.changes);
      expect(waits.at(-1)?.data).toMatchObject({ name: 'Waits', clientContactId: 'crm-Refused' });
      expect(
        (await testHub.storage.jobs.get(again?.jobId as string)).checkpoint?.['waiting'],
      ).toBeUndefined();
    } finally {
      await testHub.destroy();
    }
  });
});
