import { z } from 'zod';
import { JobStatusSchema, JobTypeSchema, LogActionTypeSchema } from './enums.js';

const isoTimestamp = z.iso.datetime({ offset: true });

/** The spec's CRMSyncJob. */
export const CrmSyncJobSchema = z.object({
  id: z.string(),
  integration_id: z.string(),
  job_type: JobTypeSchema,
  job_status: JobStatusSchema,
  job_config: z.record(z.string(), z.unknown()),
  progress_percent: z.number().int().min(0).max(100),
  records_processed: z.number().int().min(0),
  records_total: z.number().int().min(0).optional(),
  error_details: z.record(z.string(), z.unknown()).optional(),
  started_at: isoTimestamp.optional(),
  completed_at: isoTimestamp.optional(),
  created_at: isoTimestamp,
});
export type CrmSyncJob = z.infer<typeof CrmSyncJobSchema>;

/** The spec's CRMSyncLog. */
export const CrmSyncLogSchema = z.object({
  id: z.string(),
  integration_id: z.string(),
  sync_job_id: z.string().optional(),
  record_type: z.string(),
  record_id: z.string(),
  wedsync_record_id: z.string().optional(),
  action_type: LogActionTypeSchema,
  action_details: z.record(z.string(), z.unknown()),
  error_message: z.string().optional(),
  processed_at: isoTimestamp,
});
export type CrmSyncLog = z.infer<typeof CrmSyncLogSchema>;
