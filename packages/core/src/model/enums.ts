import { z } from 'zod';

/** Every CRM the spec names (`crm_integrations.crm_provider`). */
export const crmProviderIds = [
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
] as const;
export const CrmProviderIdSchema = z.enum(crmProviderIds);
export type CrmProviderId = z.infer<typeof CrmProviderIdSchema>;

export const connectionStatuses = [
  'connected',
  'disconnected',
  'error',
  'pending_auth',
  'sync_in_progress',
] as const;
export const ConnectionStatusSchema = z.enum(connectionStatuses);
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const lastSyncStatuses = ['success', 'partial', 'failed'] as const;
export const LastSyncStatusSchema = z.enum(lastSyncStatuses);
export type LastSyncStatus = z.infer<typeof LastSyncStatusSchema>;

export const syncDirections = ['import_only', 'export_only', 'bidirectional'] as const;
export const SyncDirectionSchema = z.enum(syncDirections);
export type SyncDirection = z.infer<typeof SyncDirectionSchema>;

export const fieldTypes = ['text', 'email', 'phone', 'date', 'number', 'boolean', 'json', 'array'] as const;
export const FieldTypeSchema = z.enum(fieldTypes);
export type FieldType = z.infer<typeof FieldTypeSchema>;

export const conflictResolutions = ['wedsync_wins', 'crm_wins', 'newest_wins', 'manual_review'] as const;
export const ConflictResolutionSchema = z.enum(conflictResolutions);
export type ConflictResolution = z.infer<typeof ConflictResolutionSchema>;

export const jobTypes = ['full_import', 'incremental_sync', 'export_to_crm', 'field_mapping_update'] as const;
export const JobTypeSchema = z.enum(jobTypes);
export type JobType = z.infer<typeof JobTypeSchema>;

/** Job types a caller may trigger through the sync endpoint (the spec's TriggerCRMSyncRequest). */
export const triggerableJobTypes = ['full_import', 'incremental_sync', 'export_to_crm'] as const;
export const TriggerableJobTypeSchema = z.enum(triggerableJobTypes);
export type TriggerableJobType = z.infer<typeof TriggerableJobTypeSchema>;

export const jobStatuses = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export const JobStatusSchema = z.enum(jobStatuses);
export type JobStatus = z.infer<typeof JobStatusSchema>;

export const logActionTypes = ['created', 'updated', 'deleted', 'skipped', 'error'] as const;
export const LogActionTypeSchema = z.enum(logActionTypes);
export type LogActionType = z.infer<typeof LogActionTypeSchema>;

export const stagingStatuses = ['pending', 'processed', 'error', 'duplicate'] as const;
export const StagingStatusSchema = z.enum(stagingStatuses);
export type StagingStatus = z.infer<typeof StagingStatusSchema>;

export const authTypes = ['oauth2', 'api_key', 'basic_auth', 'custom'] as const;
export const AuthTypeSchema = z.enum(authTypes);
export type AuthType = z.infer<typeof AuthTypeSchema>;

export const crmFeatureNames = [
  'clients',
  'projects',
  'invoices',
  'events',
  'tasks',
  'documents',
  'communications',
] as const;
export const CrmFeatureNameSchema = z.enum(crmFeatureNames);
export type CrmFeatureName = z.infer<typeof CrmFeatureNameSchema>;

export const featureOperations = ['read', 'write', 'delete'] as const;
export const FeatureOperationSchema = z.enum(featureOperations);
export type FeatureOperation = z.infer<typeof FeatureOperationSchema>;

/** Sync intervals the spec allows, in minutes (15 min to daily). */
export const syncIntervals = [15, 30, 60, 240, 1440] as const;
export const SyncIntervalSchema = z.union(
  syncIntervals.map((minutes) => z.literal(minutes)) as [
    z.ZodLiteral<15>,
    z.ZodLiteral<30>,
    z.ZodLiteral<60>,
    z.ZodLiteral<240>,
    z.ZodLiteral<1440>,
  ],
);
export type SyncInterval = z.infer<typeof SyncIntervalSchema>;

/** Supplier tiers and how many integrations each may hold (`null` = unlimited). */
export const supplierTiers = ['FREE', 'STARTER', 'PROFESSIONAL', 'SCALE', 'ENTERPRISE'] as const;
export const SupplierTierSchema = z.enum(supplierTiers);
export type SupplierTier = z.infer<typeof SupplierTierSchema>;
export const integrationLimitsByTier: Readonly<Record<SupplierTier, number | null>> = {
  FREE: 0,
  STARTER: 1,
  PROFESSIONAL: 3,
  SCALE: 5,
  ENTERPRISE: null,
};
