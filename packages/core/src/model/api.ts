/**
 * Request and response bodies of the spec's REST endpoints (`/api/crm/...`). The hub's facade
 * operations take and return exactly these, so a host's HTTP layer is a thin adapter.
 */
import { z } from 'zod';
import { CrmProviderIdSchema, TriggerableJobTypeSchema } from './enums.js';
import { CrmFieldMappingSchema, FieldDefinitionSchema, FieldMappingErrorSchema } from './field-mapping.js';
import { CrmIntegrationSchema, CrmSyncConfigPatchSchema, CrmSyncConfigSchema } from './integration.js';
import { CrmSyncJobSchema, CrmSyncLogSchema } from './job.js';
import { CrmProviderDescriptorSchema } from './provider.js';

const isoTimestamp = z.iso.datetime({ offset: true });

/** Pagination query of the list endpoints. */
export const PageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(500).default(50),
});
export type PageQuery = z.infer<typeof PageQuerySchema>;
export type PageQueryInput = z.input<typeof PageQuerySchema>;

// GET /api/crm/providers
export const GetCrmProvidersResponseSchema = z.object({ providers: z.array(CrmProviderDescriptorSchema) });
export type GetCrmProvidersResponse = z.infer<typeof GetCrmProvidersResponseSchema>;

// GET /api/crm/integrations
export const GetCrmIntegrationsResponseSchema = z.object({ integrations: z.array(CrmIntegrationSchema) });
export type GetCrmIntegrationsResponse = z.infer<typeof GetCrmIntegrationsResponseSchema>;

// POST /api/crm/integrations
export const CreateCrmIntegrationRequestSchema = z.object({
  crm_provider: CrmProviderIdSchema,
  connection_name: z.string().trim().min(1).max(200),
  auth_config: z.record(z.string(), z.unknown()).default({}),
  sync_config: CrmSyncConfigSchema.default(CrmSyncConfigSchema.parse({})),
});
export type CreateCrmIntegrationRequest = z.infer<typeof CreateCrmIntegrationRequestSchema>;
export type CreateCrmIntegrationRequestInput = z.input<typeof CreateCrmIntegrationRequestSchema>;
export const CreateCrmIntegrationResponseSchema = z.object({
  integration: CrmIntegrationSchema,
  auth_url: z.string().optional(),
});
export type CreateCrmIntegrationResponse = z.infer<typeof CreateCrmIntegrationResponseSchema>;

// PUT /api/crm/integrations/:id
export const UpdateCrmIntegrationRequestSchema = z.object({
  connection_name: z.string().trim().min(1).max(200).optional(),
  sync_config: CrmSyncConfigPatchSchema.optional(),
});
export type UpdateCrmIntegrationRequest = z.infer<typeof UpdateCrmIntegrationRequestSchema>;
export const UpdateCrmIntegrationResponseSchema = z.object({ integration: CrmIntegrationSchema });
export type UpdateCrmIntegrationResponse = z.infer<typeof UpdateCrmIntegrationResponseSchema>;

// POST /api/crm/integrations/:id/sync
export const TriggerCrmSyncRequestSchema = z.object({
  job_type: TriggerableJobTypeSchema,
  job_config: z.record(z.string(), z.unknown()).default({}),
});
export type TriggerCrmSyncRequest = z.infer<typeof TriggerCrmSyncRequestSchema>;
export type TriggerCrmSyncRequestInput = z.input<typeof TriggerCrmSyncRequestSchema>;
export const TriggerCrmSyncResponseSchema = z.object({ sync_job: CrmSyncJobSchema });
export type TriggerCrmSyncResponse = z.infer<typeof TriggerCrmSyncResponseSchema>;

// GET /api/crm/integrations/:id/sync-jobs
export const GetSyncJobsResponseSchema = z.object({
  sync_jobs: z.array(CrmSyncJobSchema),
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  per_page: z.number().int().min(1),
});
export type GetSyncJobsResponse = z.infer<typeof GetSyncJobsResponseSchema>;

// GET /api/crm/integrations/:id/sync-logs
export const GetSyncLogsResponseSchema = z.object({
  logs: z.array(CrmSyncLogSchema),
  total: z.number().int().min(0),
  page: z.number().int().min(1),
  per_page: z.number().int().min(1),
});
export type GetSyncLogsResponse = z.infer<typeof GetSyncLogsResponseSchema>;

// DELETE /api/crm/integrations/:id
export const DeleteCrmIntegrationResponseSchema = z.object({ success: z.boolean(), message: z.string() });
export type DeleteCrmIntegrationResponse = z.infer<typeof DeleteCrmIntegrationResponseSchema>;

// POST /api/crm/integrations/:id/test-connection
export const TestCrmConnectionResponseSchema = z.object({
  success: z.boolean(),
  connection_info: z.object({
    provider: z.string(),
    account_name: z.string().optional(),
    available_features: z.array(z.string()),
    rate_limit_status: z.object({
      remaining_requests: z.number().int().min(0),
      reset_time: isoTimestamp,
    }),
  }),
  error_message: z.string().optional(),
});
export type TestCrmConnectionResponse = z.infer<typeof TestCrmConnectionResponseSchema>;

// GET /api/crm/integrations/:id/field-mappings
export const GetFieldMappingsResponseSchema = z.object({
  mappings: z.array(CrmFieldMappingSchema),
  available_wedsync_fields: z.array(FieldDefinitionSchema),
  available_crm_fields: z.array(FieldDefinitionSchema),
});
export type GetFieldMappingsResponse = z.infer<typeof GetFieldMappingsResponseSchema>;

// POST /api/crm/integrations/:id/field-mappings
export const UpdateFieldMappingsRequestSchema = z.object({ mappings: z.array(CrmFieldMappingSchema) });
export type UpdateFieldMappingsRequest = z.infer<typeof UpdateFieldMappingsRequestSchema>;
export const UpdateFieldMappingsResponseSchema = z.object({
  mappings: z.array(CrmFieldMappingSchema),
  validation_errors: z.array(FieldMappingErrorSchema).optional(),
});
export type UpdateFieldMappingsResponse = z.infer<typeof UpdateFieldMappingsResponseSchema>;
