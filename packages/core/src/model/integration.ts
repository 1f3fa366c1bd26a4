import { z } from 'zod';
import {
  ConflictResolutionSchema,
  ConnectionStatusSchema,
  CrmProviderIdSchema,
  LastSyncStatusSchema,
  SyncDirectionSchema,
  SyncIntervalSchema,
} from './enums.js';
import { CrmFieldMappingSchema } from './field-mapping.js';

const isoDate = z.iso.date();
const isoTimestamp = z.iso.datetime({ offset: true });

const dateRangeSchema = z
  .object({ start_date: isoDate, end_date: isoDate })
  .refine((range) => range.start_date <= range.end_date, {
    message: 'start_date must be on or before end_date',
    path: ['end_date'],
    when: (payload) => payload.issues.length === 0,
  });

/** The fields of a sync config without defaults: the base of the config and of a patch of it. */
export const CrmSyncConfigFieldsSchema = z
  .object({
    auto_sync_enabled: z.boolean(),
    sync_interval_minutes: SyncIntervalSchema,
    sync_direction: SyncDirectionSchema,
    import_historical_data: z.boolean(),
    import_date_range: dateRangeSchema.optional(),
    field_mappings: z.array(CrmFieldMappingSchema),
    conflict_resolution: ConflictResolutionSchema,
    excluded_record_types: z.array(z.string()),
  })
  .strict();

/**
 * A partial sync config: only the fields the caller sends. No defaults on purpose, so that merging a parsed
 * patch over the stored config never resets a field the caller did not name.
 */
export const CrmSyncConfigPatchSchema = CrmSyncConfigFieldsSchema.partial();
export type CrmSyncConfigPatch = z.infer<typeof CrmSyncConfigPatchSchema>;

/** The spec's CRMSyncConfig, with a default for every field so `{}` is a valid config. */
export const CrmSyncConfigSchema = CrmSyncConfigFieldsSchema.extend({
  auto_sync_enabled: z.boolean().default(false),
  sync_interval_minutes: SyncIntervalSchema.default(60),
  sync_direction: SyncDirectionSchema.default('import_only'),
  import_historical_data: z.boolean().default(true),
  field_mappings: z.array(CrmFieldMappingSchema).default([]),
  conflict_resolution: ConflictResolutionSchema.default('manual_review'),
  excluded_record_types: z.array(z.string()).default([]),
});
export type CrmSyncConfig = z.infer<typeof CrmSyncConfigSchema>;
export type CrmSyncConfigInput = z.input<typeof CrmSyncConfigSchema>;

/**
 * The spec's CRMIntegration as the hub returns it. `auth_config` here is what may be shown: the
 * hub never returns credentials, only which keys are set (each value replaced by `'[set]'`).
 */
export const CrmIntegrationSchema = z.object({
  id: z.string(),
  supplier_id: z.string(),
  crm_provider: CrmProviderIdSchema,
  connection_name: z.string().min(1).max(200),
  connection_status: ConnectionStatusSchema,
  auth_config: z.record(z.string(), z.unknown()),
  sync_config: CrmSyncConfigSchema,
  last_sync_at: isoTimestamp.optional(),
  last_sync_status: LastSyncStatusSchema.optional(),
  sync_error_details: z.record(z.string(), z.unknown()).optional(),
  created_at: isoTimestamp,
  updated_at: isoTimestamp,
});
export type CrmIntegration = z.infer<typeof CrmIntegrationSchema>;
