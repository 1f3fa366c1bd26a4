import { describe, expect, it } from 'vitest';
import {
  AuthTypeSchema,
  ConflictResolutionSchema,
  ConnectionStatusSchema,
  CrmFeatureNameSchema,
  CrmProviderIdSchema,
  FeatureOperationSchema,
  FieldTypeSchema,
  integrationLimitsByTier,
  JobStatusSchema,
  JobTypeSchema,
  LastSyncStatusSchema,
  LogActionTypeSchema,
  StagingStatusSchema,
  SupplierTierSchema,
  SyncDirectionSchema,
  SyncIntervalSchema,
  syncIntervals,
  TriggerableJobTypeSchema,
} from '../../src/model/enums.js';

describe('enums of the spec', () => {
  it('list exactly the values of the spec', () => {
    expect(CrmProviderIdSchema.options).toEqual([
      'tave',
      'lightblue',
      'honeybook',
      'seventeen',
      'shootq',
      'pixieset',
      'iris_works',
      'dubsado',
      'studio_ninja',
      'custom',
    ]);
    expect(ConnectionStatusSchema.options).toEqual([
      'connected',
      'disconnected',
      'error',
      'pending_auth',
      'sync_in_progress',
    ]);
    expect(LastSyncStatusSchema.options).toEqual(['success', 'partial', 'failed']);
    expect(SyncDirectionSchema.options).toEqual(['import_only', 'export_only', 'bidirectional']);
    expect(FieldTypeSchema.options).toEqual([
      'text',
      'email',
      'phone',
      'date',
      'number',
      'boolean',
      'json',
      'array',
    ]);
    expect(ConflictResolutionSchema.options).toEqual([
      'wedsync_wins',
      'crm_wins',
      'newest_wins',
      'manual_review',
    ]);
    expect(JobTypeSchema.options).toEqual([
      'full_import',
      'incremental_sync',
      'export_to_crm',
      'field_mapping_update',
    ]);
    expect(TriggerableJobTypeSchema.options).toEqual(['full_import', 'incremental_sync', 'export_to_crm']);
    expect(JobStatusSchema.options).toEqual(['pending', 'running', 'completed', 'failed', 'cancelled']);
    expect(LogActionTypeSchema.options).toEqual(['created', 'updated', 'deleted', 'skipped', 'error']);
    expect(StagingStatusSchema.options).toEqual(['pending', 'processed', 'error', 'duplicate']);
    expect(AuthTypeSchema.options).toEqual(['oauth2', 'api_key', 'basic_auth', 'custom']);
    expect(CrmFeatureNameSchema.options).toEqual([
      'clients',
      'projects',
      'invoices',
      'events',
      'tasks',
      'documents',
      'communications',
    ]);
    expect(FeatureOperationSchema.options).toEqual(['read', 'write', 'delete']);
  });

  it('reject values outside the enum', () => {
    expect(CrmProviderIdSchema.safeParse('salesforce').success).toBe(false);
    expect(CrmProviderIdSchema.safeParse('Tave').success).toBe(false);
    expect(TriggerableJobTypeSchema.safeParse('field_mapping_update').success).toBe(false);
    expect(FieldTypeSchema.safeParse('datetime').success).toBe(false);
  });
});

describe('SyncIntervalSchema', () => {
  it('accepts only 15, 30, 60, 240 and 1440 minutes', () => {
    expect(syncIntervals).toEqual([15, 30, 60, 240, 1440]);
    for (const minutes of syncIntervals) expect(SyncIntervalSchema.parse(minutes)).toBe(minutes);
    for (const minutes of [0, 1, 5, 10, 45, 90, 120, 1439, 2880, -15, 15.5, '60', null]) {
      expect(SyncIntervalSchema.safeParse(minutes).success, String(minutes)).toBe(false);
    }
  });
});

describe('integrationLimitsByTier', () => {
  it('gives each tier its integration limit (null is unlimited)', () => {
    expect(SupplierTierSchema.options).toEqual(['FREE', 'STARTER', 'PROFESSIONAL', 'SCALE', 'ENTERPRISE']);
    expect(integrationLimitsByTier).toEqual({
      FREE: 0,
      STARTER: 1,
      PROFESSIONAL: 3,
      SCALE: 5,
      ENTERPRISE: null,
    });
    expect(Object.keys(integrationLimitsByTier)).toEqual(SupplierTierSchema.options);
  });
});
