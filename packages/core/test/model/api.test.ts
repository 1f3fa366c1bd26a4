import { describe, expect, it } from 'vitest';
import {
  CreateCrmIntegrationRequestSchema,
  CreateCrmIntegrationResponseSchema,
  DeleteCrmIntegrationResponseSchema,
  GetCrmIntegrationsResponseSchema,
  GetCrmProvidersResponseSchema,
  GetFieldMappingsResponseSchema,
  GetSyncJobsResponseSchema,
  GetSyncLogsResponseSchema,
  PageQuerySchema,
  TestCrmConnectionResponseSchema,
  TriggerCrmSyncRequestSchema,
  TriggerCrmSyncResponseSchema,
  UpdateCrmIntegrationRequestSchema,
  UpdateCrmIntegrationResponseSchema,
  UpdateFieldMappingsRequestSchema,
  UpdateFieldMappingsResponseSchema,
} from '../../src/model/api.js';
import { CrmSyncConfigSchema } from '../../src/model/integration.js';

const defaultConfig = CrmSyncConfigSchema.parse({});
const integration = {
  id: 'integration-1',
  supplier_id: 'supplier-1',
  crm_provider: 'honeybook',
  connection_name: 'HoneyBook',
  connection_status: 'pending_auth',
  auth_config: {},
  sync_config: defaultConfig,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const job = {
  id: 'job-1',
  integration_id: 'integration-1',
  job_type: 'incremental_sync',
  job_status: 'pending',
  job_config: {},
  progress_percent: 0,
  records_processed: 0,
  created_at: '2026-01-01T00:00:00Z',
};

function pathsOf(
  schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } },
  value: unknown,
): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : (result.error?.issues ?? []).map((issue) => issue.path.map(String).join('.'));
}

describe('PageQuerySchema', () => {
  it('coerces query strings and fills defaults', () => {
    expect(PageQuerySchema.parse({})).toEqual({ page: 1, per_page: 50 });
    expect(PageQuerySchema.parse({ page: '3', per_page: '500' })).toEqual({ page: 3, per_page: 500 });
  });

  it('rejects pages below 1, more than 500 per page and fractions', () => {
    expect(pathsOf(PageQuerySchema, { page: '0' })).toEqual(['page']);
    expect(pathsOf(PageQuerySchema, { per_page: '501' })).toEqual(['per_page']);
    expect(pathsOf(PageQuerySchema, { page: '1.5' })).toEqual(['page']);
    expect(pathsOf(PageQuerySchema, { page: 'two' })).toEqual(['page']);
  });
});

describe('CreateCrmIntegrationRequestSchema', () => {
  it('trims the name and fills the default auth and sync config', () => {
    expect(
      CreateCrmIntegrationRequestSchema.parse({ crm_provider: 'tave', connection_name: '  My Tave  ' }),
    ).toEqual({
      crm_provider: 'tave',
      connection_name: 'My Tave',
      auth_config: {},
      sync_config: defaultConfig,
    });
    expect(defaultConfig.sync_interval_minutes).toBe(60);
  });

  it('parses a given sync config with its own defaults', () => {
    const request = CreateCrmIntegrationRequestSchema.parse({
      crm_provider: 'dubsado',
      connection_name: 'Dubsado',
      auth_config: { api_key: 'k' },
      sync_config: { sync_interval_minutes: 15 },
    });
    expect(request.sync_config).toEqual({ ...defaultConfig, sync_interval_minutes: 15 });
  });

  it.each([
    ['crm_provider', { crm_provider: 'salesforce', connection_name: 'x' }],
    ['connection_name', { crm_provider: 'tave', connection_name: '   ' }],
    ['connection_name', { crm_provider: 'tave', connection_name: 'x'.repeat(201) }],
    [
      'sync_config.sync_interval_minutes',
      { crm_provider: 'tave', connection_name: 'x', sync_config: { sync_interval_minutes: 7 } },
    ],
    ['sync_config', { crm_provider: 'tave', connection_name: 'x', sync_config: { unknown: true } }],
  ])('rejects a bad %s', (path, request) => {
    expect(pathsOf(CreateCrmIntegrationRequestSchema, request)).toEqual([path]);
  });
});

describe('UpdateCrmIntegrationRequestSchema', () => {
  it('accepts a partial sync config and a trimmed name', () => {
    expect(UpdateCrmIntegrationRequestSchema.parse({})).toEqual({});
    const update = UpdateCrmIntegrationRequestSchema.parse({ sync_config: { auto_sync_enabled: true } });
    expect(update.sync_config?.auto_sync_enabled).toBe(true);
    expect(UpdateCrmIntegrationRequestSchema.parse({ connection_name: ' Renamed ' }).connection_name).toBe(
      'Renamed',
    );
  });

  // A patch must not fill defaults: merging it over the stored config would silently reset other fields.
  it('does not fill defaults for sync config fields the update leaves out', () => {
    const update = UpdateCrmIntegrationRequestSchema.parse({ sync_config: { auto_sync_enabled: true } });
    expect(update.sync_config).toEqual({ auto_sync_enabled: true });
  });

  it('still checks the values it is given', () => {
    expect(
      pathsOf(UpdateCrmIntegrationRequestSchema, { sync_config: { sync_interval_minutes: 90 } }),
    ).toEqual(['sync_config.sync_interval_minutes']);
    expect(pathsOf(UpdateCrmIntegrationRequestSchema, { connection_name: '' })).toEqual(['connection_name']);
  });
});

describe('TriggerCrmSyncRequestSchema', () => {
  it('accepts triggerable job types with a default config', () => {
    expect(TriggerCrmSyncRequestSchema.parse({ job_type: 'full_import' })).toEqual({
      job_type: 'full_import',
      job_config: {},
    });
    expect(
      TriggerCrmSyncRequestSchema.parse({ job_type: 'export_to_crm', job_config: { dry_run: true } }),
    ).toEqual({
      job_type: 'export_to_crm',
      job_config: { dry_run: true },
    });
  });

  it('refuses job types a caller may not trigger', () => {
    expect(pathsOf(TriggerCrmSyncRequestSchema, { job_type: 'field_mapping_update' })).toEqual(['job_type']);
    expect(pathsOf(TriggerCrmSyncRequestSchema, {})).toEqual(['job_type']);
    expect(pathsOf(TriggerCrmSyncRequestSchema, { job_type: 'full_import', job_config: [] })).toEqual([
      'job_config',
    ]);
  });
});

describe('field mapping requests', () => {
  it('parses mappings with their defaults', () => {
    expect(
      UpdateFieldMappingsRequestSchema.parse({
        mappings: [{ wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' }],
      }),
    ).toEqual({
      mappings: [
        {
          wedsync_field: 'first_name',
          crm_field: 'firstName',
          field_type: 'text',
          transform_rules: {},
          sync_direction: 'bidirectional',
          is_required: false,
        },
      ],
    });
    expect(
      pathsOf(UpdateFieldMappingsRequestSchema, {
        mappings: [{ wedsync_field: 'x', crm_field: 'y', field_type: 'colour' }],
      }),
    ).toEqual(['mappings.0.field_type']);
  });
});

describe('response bodies', () => {
  it('parse what the hub returns', () => {
    expect(GetCrmProvidersResponseSchema.parse({ providers: [] })).toEqual({ providers: [] });
    expect(GetCrmIntegrationsResponseSchema.parse({ integrations: [integration] }).integrations).toHaveLength(
      1,
    );
    expect(
      CreateCrmIntegrationResponseSchema.parse({ integration, auth_url: 'https://example.com/auth' })
        .auth_url,
    ).toBe('https://example.com/auth');
    expect(UpdateCrmIntegrationResponseSchema.parse({ integration }).integration.id).toBe('integration-1');
    expect(TriggerCrmSyncResponseSchema.parse({ sync_job: job }).sync_job.id).toBe('job-1');
    expect(GetSyncJobsResponseSchema.parse({ sync_jobs: [job], total: 1, page: 1, per_page: 50 }).total).toBe(
      1,
    );
    expect(pathsOf(GetSyncJobsResponseSchema, { sync_jobs: [], total: -1, page: 0, per_page: 50 })).toEqual([
      'total',
      'page',
    ]);
    expect(
      GetSyncLogsResponseSchema.parse({
        logs: [
          {
            id: 'log-1',
            integration_id: 'integration-1',
            record_type: 'client',
            record_id: 'r1',
            action_type: 'created',
            action_details: {},
            processed_at: '2026-01-01T00:00:00Z',
          },
        ],
        total: 1,
        page: 1,
        per_page: 50,
      }).logs,
    ).toHaveLength(1);
    expect(DeleteCrmIntegrationResponseSchema.parse({ success: true, message: 'Deleted' })).toEqual({
      success: true,
      message: 'Deleted',
    });
    expect(
      GetFieldMappingsResponseSchema.parse({
        mappings: [],
        available_wedsync_fields: [
          {
            name: 'first_name',
            display_name: 'First name',
            field_type: 'text',
            description: 'x',
            is_required: true,
          },
        ],
        available_crm_fields: [],
      }).available_wedsync_fields,
    ).toHaveLength(1);
    expect(
      UpdateFieldMappingsResponseSchema.parse({
        mappings: [],
        validation_errors: [
          { mapping_index: 0, field: 'wedsync_field', error: 'Unknown field `frist_name`' },
        ],
      }).validation_errors,
    ).toHaveLength(1);
  });

  it('parses a connection test result', () => {
    const body = {
      success: true,
      connection_info: {
        provider: 'tave',
        account_name: 'Emma Photo',
        available_features: ['clients'],
        rate_limit_status: { remaining_requests: 59, reset_time: '2026-01-01T00:01:00Z' },
      },
    };
    expect(TestCrmConnectionResponseSchema.parse(body)).toEqual(body);
    expect(
      pathsOf(TestCrmConnectionResponseSchema, {
        ...body,
        connection_info: {
          ...body.connection_info,
          rate_limit_status: { remaining_requests: -1, reset_time: 'soon' },
        },
      }),
    ).toEqual([
      'connection_info.rate_limit_status.remaining_requests',
      'connection_info.rate_limit_status.reset_time',
    ]);
  });
});
