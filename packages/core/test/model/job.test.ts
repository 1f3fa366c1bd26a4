import { describe, expect, it } from 'vitest';
import { CrmSyncJobSchema, CrmSyncLogSchema } from '../../src/model/job.js';

const job = {
  id: 'job-1',
  integration_id: 'integration-1',
  job_type: 'full_import',
  job_status: 'running',
  job_config: { record_types: ['client'] },
  progress_percent: 40,
  records_processed: 498,
  records_total: 1247,
  started_at: '2026-01-01T10:00:00Z',
  created_at: '2026-01-01T09:59:59Z',
};

const log = {
  id: 'log-1',
  integration_id: 'integration-1',
  sync_job_id: 'job-1',
  record_type: 'client',
  record_id: 'tave-123',
  wedsync_record_id: 'client-9',
  action_type: 'updated',
  action_details: { fields: ['email'] },
  processed_at: '2026-01-01T10:00:01.5+02:00',
};

function pathsOf(schema: typeof CrmSyncJobSchema | typeof CrmSyncLogSchema, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('CrmSyncJobSchema', () => {
  it('parses a job, with or without optional fields', () => {
    expect(CrmSyncJobSchema.parse(job)).toEqual(job);
    const { records_total, started_at, ...pending } = job;
    expect(CrmSyncJobSchema.parse({ ...pending, job_status: 'pending', progress_percent: 0 })).toMatchObject({
      job_status: 'pending',
    });
    expect(
      CrmSyncJobSchema.parse({
        ...job,
        job_status: 'failed',
        error_details: { message: 'rate limited' },
        completed_at: '2026-01-01T10:05:00Z',
      }).error_details,
    ).toEqual({ message: 'rate limited' });
  });

  it.each([
    ['progress_percent', { progress_percent: 101 }],
    ['progress_percent', { progress_percent: -1 }],
    ['progress_percent', { progress_percent: 40.5 }],
    ['records_processed', { records_processed: -1 }],
    ['records_total', { records_total: 1.5 }],
    ['job_type', { job_type: 'import' }],
    ['job_status', { job_status: 'done' }],
    ['created_at', { created_at: 'yesterday' }],
    ['job_config', { job_config: null }],
  ])('rejects a bad %s', (path, patch) => {
    expect(pathsOf(CrmSyncJobSchema, { ...job, ...patch })).toEqual([path]);
  });
});

describe('CrmSyncLogSchema', () => {
  it('parses a log entry', () => {
    expect(CrmSyncLogSchema.parse(log)).toEqual(log);
    expect(
      CrmSyncLogSchema.parse({ ...log, action_type: 'error', error_message: 'Invalid email' }).error_message,
    ).toBe('Invalid email');
  });

  it.each([
    ['action_type', { action_type: 'merged' }],
    ['processed_at', { processed_at: '2026-01-01' }],
    ['record_id', { record_id: 123 }],
  ])('rejects a bad %s', (path, patch) => {
    expect(pathsOf(CrmSyncLogSchema, { ...log, ...patch })).toEqual([path]);
  });
});
