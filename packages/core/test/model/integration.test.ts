import { describe, expect, it } from 'vitest';
import { CrmIntegrationSchema, CrmSyncConfigSchema } from '../../src/model/integration.js';

const defaults = {
  auto_sync_enabled: false,
  sync_interval_minutes: 60,
  sync_direction: 'import_only',
  import_historical_data: true,
  field_mappings: [],
  conflict_resolution: 'manual_review',
  excluded_record_types: [],
};

function pathsOf(value: unknown): string[] {
  const result = CrmSyncConfigSchema.safeParse(value);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('CrmSyncConfigSchema', () => {
  it('turns {} into the default config', () => {
    expect(CrmSyncConfigSchema.parse({})).toEqual(defaults);
    expect('import_date_range' in CrmSyncConfigSchema.parse({})).toBe(false);
  });

  it('keeps given values and fills the rest', () => {
    const config = CrmSyncConfigSchema.parse({
      auto_sync_enabled: true,
      sync_interval_minutes: 240,
      sync_direction: 'bidirectional',
      conflict_resolution: 'newest_wins',
      import_date_range: { start_date: '2024-01-01', end_date: '2024-12-31' },
      field_mappings: [{ wedsync_field: 'email', crm_field: 'email', field_type: 'email' }],
    });
    expect(config).toEqual({
      ...defaults,
      auto_sync_enabled: true,
      sync_interval_minutes: 240,
      sync_direction: 'bidirectional',
      conflict_resolution: 'newest_wins',
      import_date_range: { start_date: '2024-01-01', end_date: '2024-12-31' },
      field_mappings: [
        {
          wedsync_field: 'email',
          crm_field: 'email',
          field_type: 'email',
          transform_rules: {},
          sync_direction: 'bidirectional',
          is_required: false,
        },
      ],
    });
  });

  it('allows only the spec sync intervals', () => {
    for (const minutes of [15, 30, 60, 240, 1440]) {
      expect(CrmSyncConfigSchema.parse({ sync_interval_minutes: minutes }).sync_interval_minutes).toBe(
        minutes,
      );
    }
    expect(pathsOf({ sync_interval_minutes: 45 })).toEqual(['sync_interval_minutes']);
    expect(pathsOf({ sync_interval_minutes: 5 })).toEqual(['sync_interval_minutes']);
  });

  it('requires import_date_range to be in order, reported at end_date', () => {
    expect(
      CrmSyncConfigSchema.parse({ import_date_range: { start_date: '2024-05-01', end_date: '2024-05-01' } }),
    ).toMatchObject({ import_date_range: { start_date: '2024-05-01', end_date: '2024-05-01' } });
    const result = CrmSyncConfigSchema.safeParse({
      import_date_range: { start_date: '2024-12-31', end_date: '2024-01-01' },
    });
    expect(result.error?.issues).toEqual([
      expect.objectContaining({
        path: ['import_date_range', 'end_date'],
        message: 'start_date must be on or before end_date',
      }),
    ]);
    expect(pathsOf({ import_date_range: { start_date: '2024/01/01', end_date: '2024-02-01' } })).toContain(
      'import_date_range.start_date',
    );
    expect(pathsOf({ import_date_range: { start_date: '2024-01-01' } })).toEqual([
      'import_date_range.end_date',
    ]);
  });

  // The order check runs only on well-formed dates, so a malformed date gets one issue, not two.
  it('reports only the malformed date, not a spurious order issue', () => {
    expect(pathsOf({ import_date_range: { start_date: '2024/01/01', end_date: '2024-02-01' } })).toEqual([
      'import_date_range.start_date',
    ]);
  });

  it('rejects unknown keys and bad enum values', () => {
    expect(pathsOf({ sync_interval: 60 })).toEqual(['']);
    expect(pathsOf({ sync_direction: 'both' })).toEqual(['sync_direction']);
    expect(pathsOf({ conflict_resolution: 'ask' })).toEqual(['conflict_resolution']);
    expect(pathsOf({ excluded_record_types: 'invoices' })).toEqual(['excluded_record_types']);
    expect(pathsOf({ field_mappings: [{ wedsync_field: 'email' }] })).toEqual([
      'field_mappings.0.crm_field',
      'field_mappings.0.field_type',
    ]);
  });
});

describe('CrmIntegrationSchema', () => {
  const integration = {
    id: 'integration-1',
    supplier_id: 'supplier-1',
    crm_provider: 'tave',
    connection_name: 'Studio Tave',
    connection_status: 'connected',
    auth_config: { api_key: '[set]' },
    sync_config: defaults,
    last_sync_at: '2026-01-02T03:04:05.678Z',
    last_sync_status: 'partial',
    sync_error_details: { failed: 2 },
    created_at: '2026-01-01T00:00:00+00:00',
    updated_at: '2026-01-02T03:04:05Z',
  };

  it('parses an integration as the hub returns it', () => {
    expect(CrmIntegrationSchema.parse(integration)).toEqual(integration);
    const { last_sync_at, last_sync_status, sync_error_details, ...minimal } = integration;
    expect(CrmIntegrationSchema.parse({ ...minimal, sync_config: {} })).toEqual({
      ...minimal,
      sync_config: defaults,
    });
  });

  it.each([
    ['crm_provider', { crm_provider: 'salesforce' }],
    ['connection_name', { connection_name: '' }],
    ['connection_name', { connection_name: 'x'.repeat(201) }],
    ['connection_status', { connection_status: 'ok' }],
    ['last_sync_at', { last_sync_at: '2026-01-02 03:04:05' }],
    ['created_at', { created_at: '2026-01-01T00:00:00' }],
    ['last_sync_status', { last_sync_status: 'running' }],
    ['sync_config.sync_interval_minutes', { sync_config: { sync_interval_minutes: 10 } }],
  ])('rejects a bad %s', (path, patch) => {
    const result = CrmIntegrationSchema.safeParse({ ...integration, ...patch });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });
});
