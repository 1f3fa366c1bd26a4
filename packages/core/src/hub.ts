/**
 * `createCrmHub(options)` — the facade a host uses: one operation per endpoint of the spec (`/api/crm/...`),
 * taking and returning the spec's request and response bodies, so a host's HTTP layer is a thin adapter. Every
 * operation that touches an integration is scoped to the calling supplier: another supplier's integration or
 * job is reported as not found.
 *
 * Credentials: `auth_config` is checked by the provider, sealed by the vault (bound to the integration's id,
 * generated first) BEFORE storage sees it, and never returned: an integration shows which credential keys are
 * set, each value `'[set]'`. Secrets stay out of logs, errors, events and stored error details.
 *
 * Field mappings of every record type live in one list; see `sync/record-types.ts` for the convention
 * (`project.name` is a project field, `first_name` a client field, `crm_field` a path into that type's raw data).
 *
 * Jobs are created here (`triggerSync`, `scheduleDueSyncs`) and run by a runner (`createInProcessRunner`, or a
 * host's own through `claimJob` + `runJob`).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  ConflictError,
  CrmError,
  InvalidArgumentError,
  NotFoundError,
  TierLimitError,
  UnsupportedCapabilityError,
  ValidationError,
  type ValidationIssue,
} from './errors/index.js';
import { isPlainObject } from './mapping/types.js';
import {
  type CreateCrmIntegrationRequestInput,
  CreateCrmIntegrationRequestSchema,
  type CreateCrmIntegrationResponse,
  type DeleteCrmIntegrationResponse,
  type GetCrmIntegrationsResponse,
  type GetCrmProvidersResponse,
  type GetFieldMappingsResponse,
  type GetSyncLogsResponse,
  PageQuerySchema,
  type TestCrmConnectionResponse,
  type TriggerCrmSyncRequestInput,
  TriggerCrmSyncRequestSchema,
  UpdateCrmIntegrationRequestSchema,
  type UpdateCrmIntegrationResponse,
  UpdateFieldMappingsRequestSchema,
  type UpdateFieldMappingsResponse,
} from './model/api.js';
import type { RecordType } from './model/canonical.js';
import {
  type CrmProviderId,
  crmProviderIds,
  integrationLimitsByTier,
  type LogActionType,
  LogActionTypeSchema,
  type SupplierTier,
  SupplierTierSchema,
} from './model/enums.js';
import type { CrmFieldMapping, FieldMappingError } from './model/field-mapping.js';
import type { CrmIntegration, CrmSyncConfig } from './model/integration.js';
import type { CrmFeature, CrmProviderDescriptor } from './model/provider.js';
import { redactSecrets } from './security/redact.js';
import type { Vault } from './security/vault.js';
import type { ClientStore } from './spec/client-store.js';
import type {
  ClaimOptions,
  FieldConflictPage,
  FieldConflictResolution,
  FieldConflictStatus,
  HubStorage,
  SyncJobPage,
  SyncJobRecord,
} from './spec/hub-storage.js';
import type {
  CrmProviderV1,
  ProviderConnectionInfo,
  ProviderHttpClientFactory,
  ProviderLogger,
} from './spec/provider.js';
import { type ResolveConflictResult, resolveFieldConflict } from './sync/conflicts.js';
import { deletionThresholdOf } from './sync/deletions.js';
import {
  createHubEvents,
  type HubEventEmitter,
  type HubEventListener,
  type HubEventName,
  type HubEvents,
} from './sync/events.js';
import { assertCanExport } from './sync/export.js';
import type { ImportMappingOptions } from './sync/full-import.js';
import { findPreviousImport } from './sync/incremental.js';
import {
  providerDefaultMappings,
  qualifiedCrmFields,
  qualifiedWedsyncFields,
  readableRecordTypes,
  validateMappingsByRecordType,
} from './sync/record-types.js';
import { buildSyncReport, type SyncReport } from './sync/report.js';
import { type RollbackJobResult, rollbackSyncJob } from './sync/rollback.js';
import { type JobEnvironment, type JobRunOutcome, type RunJobOptions, runSyncJob } from './sync/run-job.js';
import { credentialSecrets, openSession } from './sync/session.js';

/** Options of {@link createCrmHub}. */
export interface CrmHubOptions {
  /** The hub's own tables (e.g. `createKyselyStorage({ db })` after `migrate()`). */
  readonly storage: HubStorage;
  /** The host's records (e.g. `createKyselyClientStore({ db })`); same backend as `storage` (one commit per page). */
  readonly clientStore: ClientStore;
  /** The CRM plugins this hub offers; each `id` must be one of the spec's crm_provider values, once. */
  readonly providers: readonly CrmProviderV1[];
  /** Seals credentials before storage sees them (`createVault({ keys })`). */
  readonly vault: Vault;
  /**
   * Builds each session's HTTP clients, rate limited and retrying per integration (provider-kit's
   * `createProviderHttpFactory()`). @default undefined (a provider that needs HTTP then fails with
   * UnsupportedCapabilityError)
   */
  readonly httpClientFactory?: ProviderHttpClientFactory;
  /**
   * The supplier's tier, for integration limits, when the storage has no `getSupplierTier`.
   * @default undefined (required when the storage has no `getSupplierTier`)
   */
  readonly getSupplierTier?: (supplierId: string) => SupplierTier | Promise<SupplierTier>;
  /** Where the hub and providers log (through a redacting wrapper). @default a logger that drops everything */
  readonly logger?: ProviderLogger;
  /** The hub's clock, for leases and timestamps it passes. @default () => new Date() */
  readonly clock?: () => Date;
  /**
   * Mapping defaults of an integration (e.g. the supplier's country for phones written without one). The CRM's
   * own settings (currency, date format) override them, and a job's `job_config.mapping_options` overrides both.
   * @default {}
   */
  readonly mappingDefaults?:
    | ImportMappingOptions
    | ((integration: CrmIntegration) => ImportMappingOptions | Promise<ImportMappingOptions>);
  /**
   * Builds the authorization URL returned with a new integration of an OAuth2 provider (the OAuth flow is the
   * host's: it knows its redirect URI and keeps the PKCE verifier). @default undefined (no `auth_url`)
   */
  readonly authorizationUrl?: (request: {
    readonly integration: CrmIntegration;
    readonly provider: CrmProviderV1;
  }) => string | Promise<string>;
  /** How long `testConnection` waits for the CRM, in milliseconds. @default 30000 */
  readonly testConnectionTimeoutMs?: number;
}

/** Identifies the caller's supplier. */
export interface SupplierRequest {
  readonly supplierId: string;
}

/** An operation on one of the supplier's integrations. */
export interface IntegrationRequest extends SupplierRequest {
  readonly integrationId: string;
}

/** An operation on one of the supplier's jobs. */
export interface JobRequest extends SupplierRequest {
  readonly jobId: string;
}

/** Page-number query of the list operations (the spec's query string). */
export interface PageRequest {
  /** @default 1 */
  readonly page?: number | string;
  /** @default 50 */
  readonly per_page?: number | string;
}

/** Filters of `listSyncLogs`. */
export interface SyncLogsRequest extends IntegrationRequest, PageRequest {
  readonly job_id?: string;
  readonly action_type?: LogActionType;
  readonly record_type?: string;
}

/** Filters of `listConflicts`. */
export interface ConflictsRequest extends IntegrationRequest, PageRequest {
  /** @default 'open' */
  readonly status?: FieldConflictStatus;
  readonly record_type?: RecordType;
}

/** `resolveConflict`: the conflict and the choice. */
export interface ResolveConflictRequest extends SupplierRequest {
  readonly conflictId: string;
  readonly resolution: FieldConflictResolution;
}

/** A job as the hub returns it: the spec's CRMSyncJob plus counts, result and checkpoint columns. */
export type HubSyncJob = SyncJobRecord;

/** The hub facade. */
export interface CrmHub extends HubEvents {
  /** Subscribing to progress and job events (`hub.events.on('progress', listener)`; also `hub.on`). */
  readonly events: HubEvents;
  /** GET /api/crm/providers */
  listProviders(): GetCrmProvidersResponse;
  /** GET /api/crm/integrations */
  listIntegrations(request: SupplierRequest): Promise<GetCrmIntegrationsResponse>;
  /** GET /api/crm/integrations/:id */
  getIntegration(request: IntegrationRequest): Promise<{ integration: CrmIntegration }>;
  /** POST /api/crm/integrations */
  createIntegration(
    request: SupplierRequest & { readonly body: CreateCrmIntegrationRequestInput },
  ): Promise<CreateCrmIntegrationResponse>;
  /** PUT /api/crm/integrations/:id */
  updateIntegration(
    request: IntegrationRequest & { readonly body: z.input<typeof UpdateCrmIntegrationRequestSchema> },
  ): Promise<UpdateCrmIntegrationResponse>;
  /** Replaces the credentials (re-authentication): sealed again, connection back to `pending_auth`. */
  updateCredentials(
    request: IntegrationRequest & { readonly authConfig: Record<string, unknown> },
  ): Promise<{ integration: CrmIntegration }>;
  /** DELETE /api/crm/integrations/:id (WedSync's imported records are kept). */
  deleteIntegration(request: IntegrationRequest): Promise<DeleteCrmIntegrationResponse>;
  /** POST /api/crm/integrations/:id/test-connection (sets connection_status `connected` or `error`). */
  testConnection(request: IntegrationRequest): Promise<TestCrmConnectionResponse>;
  /** POST /api/crm/integrations/:id/sync. JobAlreadyActiveError (naming the job) when one is pending or running. */
  triggerSync(
    request: IntegrationRequest & { readonly body: TriggerCrmSyncRequestInput },
  ): Promise<{ sync_job: HubSyncJob }>;
  /** GET /api/crm/integrations/:id/sync-jobs, newest first. */
  listSyncJobs(request: IntegrationRequest & PageRequest): Promise<SyncJobPage>;
  /** One job of the supplier's. */
  getSyncJob(request: JobRequest): Promise<{ sync_job: HubSyncJob }>;
  /** Cancels a job: a pending one at once, a running one after its page in flight. */
  cancelSyncJob(request: JobRequest): Promise<{ sync_job: HubSyncJob }>;
  /**
   * Rolls back a finished job from its before-images, in one transaction: restores what it updated or marked
   * deleted, erases what it created (with their record links), logs each record and marks the job rolled back.
   * ConflictError when the job is not finished, is already rolled back, or (without `force`) records changed
   * since it ran (the error's context lists them); JobAlreadyActiveError while another job of the integration
   * is pending or running. With `force`, changed records are left as they are and counted as `skipped`.
   */
  rollbackJob(request: JobRequest & { readonly force?: boolean }): Promise<RollbackJobResult>;
  /**
   * The review queue: the integration's field conflicts (open ones by default), newest first. Each holds the
   * field, the base both sides agreed on, WedSync's value, the CRM's value and both modification times.
   */
  listConflicts(request: ConflictsRequest): Promise<FieldConflictPage>;
  /**
   * Resolves an open conflict by choosing a side (`{ side: 'wedsync' | 'crm' }`) or a new value (`{ value }`):
   * WedSync's record takes the chosen value now, and the next sync sends it to the CRM when it differs from the
   * CRM's. NotFoundError for another supplier's conflict; ConflictError when it is no longer open;
   * ValidationError when the value makes the record invalid (nothing is written).
   */
  resolveConflict(request: ResolveConflictRequest): Promise<ResolveConflictResult>;
  /**
   * What a job did (or, for a dry run, would have done), record by record and field by field, in a stable order:
   * one entry per record and direction, from its sync logs. A dry run's report equals the report of the same run
   * made for real (but for CRM ids a real create assigns).
   */
  getSyncReport(request: JobRequest): Promise<SyncReport>;
  /**
   * Queues a `field_mapping_update`: the latest staged CRM record of each external id is mapped again with the
   * integration's current mappings (after `updateFieldMappings`), without a request to the CRM. `dryRun` previews
   * it. JobAlreadyActiveError while a job of the integration is pending or running; ConflictError for an
   * export-only integration (it imports nothing).
   */
  triggerFieldMappingUpdate(
    request: IntegrationRequest & { readonly dryRun?: boolean },
  ): Promise<{ sync_job: HubSyncJob }>;
  /** GET /api/crm/integrations/:id/sync-logs, newest first. */
  listSyncLogs(request: SyncLogsRequest): Promise<GetSyncLogsResponse>;
  /** GET /api/crm/integrations/:id/field-mappings, with the field pickers' catalogs. */
  getFieldMappings(request: IntegrationRequest): Promise<GetFieldMappingsResponse>;
  /**
   * POST /api/crm/integrations/:id/field-mappings. Valid mappings replace the integration's mappings; invalid
   * ones are NOT saved: the response returns them with `validation_errors` (each with a suggested fix).
   */
  updateFieldMappings(
    request: IntegrationRequest & { readonly body: unknown },
  ): Promise<UpdateFieldMappingsResponse>;
  /**
   * Creates a job for every integration due for an automatic sync (auto sync on, interval elapsed, connected,
   * no active job): an `incremental_sync` when it has a completed import whose watermarks it can read on from,
   * else a `full_import`. Returns the jobs created.
   */
  scheduleDueSyncs(options?: { readonly now?: Date; readonly limit?: number }): Promise<HubSyncJob[]>;
  /** For runners: takes the oldest pending job, or a running one whose lease expired (to resume it). */
  claimJob(options: Omit<ClaimOptions, 'now'>): Promise<SyncJobRecord | undefined>;
  /** For runners: runs a claimed job to its end (or until it is parked, aborted or loses its lease). */
  runJob(job: SyncJobRecord, options: RunJobOptions): Promise<JobRunOutcome>;
  /** The hub's clock. */
  readonly clock: () => Date;
}

const silentLogger: ProviderLogger = { debug() {}, info() {}, warn() {}, error() {} };
const setMarker = '[set]';

function describe(value: unknown): string {
  if (value === null) return '`null` (null)';
  if (Array.isArray(value)) return '(array)';
  if (typeof value === 'string')
    return `\`${value.length > 40 ? `${value.slice(0, 40)}...` : value}\` (string)`;
  if (typeof value === 'number' || typeof value === 'boolean')
    return `\`${String(value)}\` (${typeof value})`;
  return `(${typeof value})`;
}

function checkText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a non-empty string, got ${describe(value)}`, {
      context: { argument: name },
    });
  }
  return value;
}

function checkRequest<Request extends object>(request: unknown, operation: string): Request {
  if (typeof request !== 'object' || request === null) {
    throw new InvalidArgumentError(
      `Expected the argument of \`${operation}\` to be an object, got ${describe(request)}`,
      {
        context: { operation },
      },
    );
  }
  return request as Request;
}

/** Parses a request body with its schema; ValidationError with every issue's path otherwise. */
function parseBody<Schema extends z.ZodType>(schema: Schema, body: unknown, what: string): z.infer<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues: ValidationIssue[] = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  throw new ValidationError(
    `Invalid ${what}: ${issues
      .slice(0, 3)
      .map((issue) => `${issue.path || '(body)'}: ${issue.message}`)
      .join('; ')}`,
    { issues, context: { issues }, cause: parsed.error },
  );
}

function mappingIssues(errors: readonly FieldMappingError[], prefix: string): ValidationIssue[] {
  return errors.map((error) => ({
    path: error.mapping_index < 0 ? prefix : `${prefix}.${error.mapping_index}`,
    message: error.suggested_fix === undefined ? error.error : `${error.error} (${error.suggested_fix})`,
  }));
}

function featureName(recordType: RecordType): CrmFeature['feature'] {
  // The spec's feature names have no `payments`: a payment is part of the invoicing feature.
  return recordType === 'client'
    ? 'clients'
    : recordType === 'project'
      ? 'projects'
      : recordType === 'event'
        ? 'events'
        : 'invoices';
}

function describeProvider(provider: CrmProviderV1): CrmProviderDescriptor {
  const features = new Map<CrmFeature['feature'], { operations: Set<string>; limitations: string[] }>();
  for (const recordType of ['client', 'project', 'event', 'invoice', 'payment'] as const) {
    const feature = provider.features[recordType];
    if (feature === undefined) continue;
    const name = featureName(recordType);
    const entry = features.get(name) ?? { operations: new Set<string>(), limitations: [] };
    const operations = (['read', 'write', 'delete'] as const).filter((operation) => feature[operation]);
    for (const operation of operations) entry.operations.add(operation);
    const prefix = recordType === 'payment' ? 'payments: ' : '';
    if (recordType === 'payment') {
      entry.limitations.push(
        `payments: ${operations.length === 0 ? 'not supported' : operations.join(', ')}`,
      );
    }
    for (const limitation of feature.limitations ?? []) entry.limitations.push(`${prefix}${limitation}`);
    features.set(name, entry);
  }
  const fieldMappings = readableRecordTypes(provider).flatMap((recordType) => {
    const catalog = new Map(qualifiedWedsyncFields(recordType).map((field) => [field.name, field]));
    return providerDefaultMappings({
      ...provider,
      features: { [recordType]: provider.features[recordType] },
    } as CrmProviderV1).map((mapping) => ({
      standard_field: mapping.wedsync_field,
      provider_field: mapping.crm_field,
      field_type: mapping.field_type,
      description: catalog.get(mapping.wedsync_field)?.description ?? '',
      is_required: mapping.is_required,
    }));
  });
  return {
    id: provider.id,
    name: provider.name,
    description: provider.description,
    logo_url: provider.logoUrl ?? '',
    auth_type: provider.authKind === 'csv' ? 'custom' : provider.authKind,
    ...(provider.oauth2 === undefined
      ? {}
      : { auth_url: provider.oauth2.authorizationUrl, scopes: [...provider.oauth2.scopes] }),
    supported_features: [...features].map(([feature, entry]) => ({
      feature,
      supported_operations: [...entry.operations] as CrmFeature['supported_operations'],
      ...(entry.limitations.length === 0 ? {} : { limitations: entry.limitations }),
    })),
    rate_limits: {
      requests_per_minute: provider.rateLimits.requestsPerMinute,
      requests_per_hour: provider.rateLimits.requestsPerHour,
    },
    field_mappings: fieldMappings,
  };
}

function checkProviders(providers: unknown): Map<string, CrmProviderV1> {
  if (!Array.isArray(providers)) {
    throw new InvalidArgumentError(
      `Expected \`providers\` to be an array of CrmProviderV1, got ${describe(providers)}`,
      {
        context: { option: 'providers' },
      },
    );
  }
  const byId = new Map<string, CrmProviderV1>();
  providers.forEach((provider: CrmProviderV1, index) => {
    if (typeof provider !== 'object' || provider === null || provider.specificationVersion !== 'v1') {
      throw new InvalidArgumentError(
        `Expected \`providers[${index}]\` to be a CrmProviderV1 (specificationVersion 'v1')`,
        {
          context: { option: `providers[${index}]` },
        },
      );
    }
    if (!(crmProviderIds as readonly string[]).includes(provider.id)) {
      throw new InvalidArgumentError(
        `Expected \`providers[${index}].id\` to be one of ${crmProviderIds.join(', ')}, got ${describe(provider.id)}`,
        { context: { option: `providers[${index}].id` } },
      );
    }
    if (byId.has(provider.id)) {
      throw new InvalidArgumentError(`Expected each provider id once, got \`${provider.id}\` twice`, {
        context: { option: `providers[${index}].id` },
      });
    }
    byId.set(provider.id, provider);
  });
  return byId;
}

function checkFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(`Expected \`${name}\` to be a function, got ${describe(value)}`, {
      context: { option: name },
    });
  }
}

/**
 * Creates the hub. Nothing touches the database or a CRM until an operation is called.
 * @throws InvalidArgumentError when an option is not acceptable.
 */
export function createCrmHub(options: CrmHubOptions): CrmHub {
  const checked = checkRequest<CrmHubOptions>(options, 'createCrmHub');
  const { storage, clientStore, vault } = checked;
  for (const [name, value, members] of [
    ['storage', storage, ['integrations', 'jobs', 'transaction']],
    ['clientStore', clientStore, ['upsert', 'withTransaction']],
    ['vault', vault, ['seal', 'open']],
  ] as const) {
    if (typeof value !== 'object' || value === null || members.some((member) => !(member in value))) {
      throw new InvalidArgumentError(`Expected \`${name}\` to have ${members.join(', ')}`, {
        context: { option: name },
      });
    }
  }
  const providers = checkProviders(checked.providers);
  checkFunction(checked.httpClientFactory, 'httpClientFactory');
  checkFunction(checked.getSupplierTier, 'getSupplierTier');
  checkFunction(checked.clock, 'clock');
  checkFunction(checked.authorizationUrl, 'authorizationUrl');
  if (storage.getSupplierTier === undefined && checked.getSupplierTier === undefined) {
    throw new InvalidArgumentError(
      'Expected `getSupplierTier`: the storage cannot read supplier tiers, so the host must supply them',
      { context: { option: 'getSupplierTier' } },
    );
  }
  const testTimeoutMs = checked.testConnectionTimeoutMs ?? 30_000;
  if (typeof testTimeoutMs !== 'number' || !Number.isFinite(testTimeoutMs) || testTimeoutMs <= 0) {
    throw new InvalidArgumentError(
      `Expected \`testConnectionTimeoutMs\` to be a finite number > 0, got ${describe(testTimeoutMs)}`,
      { context: { option: 'testConnectionTimeoutMs' } },
    );
  }
  const logger = checked.logger ?? silentLogger;
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    if (typeof logger?.[level] !== 'function') {
      throw new InvalidArgumentError(
        `Expected \`logger.${level}\` to be a function, got ${describe(logger?.[level])}`,
        { context: { option: `logger.${level}` } },
      );
    }
  }
  const clock = checked.clock ?? (() => new Date());
  const defaults = checked.mappingDefaults;
  if (defaults !== undefined && typeof defaults !== 'function' && !isPlainObject(defaults)) {
    throw new InvalidArgumentError(
      `Expected \`mappingDefaults\` to be an object or a function, got ${describe(defaults)}`,
      { context: { option: 'mappingDefaults' } },
    );
  }
  const mappingDefaults =
    defaults === undefined
      ? undefined
      : typeof defaults === 'function'
        ? defaults
        : () => defaults as ImportMappingOptions;

  const events: HubEventEmitter = createHubEvents({
    onListenerError: (name, error) =>
      logger.warn('A hub event listener threw', {
        event: name,
        error: CrmError.isInstance(error) ? error.code : error instanceof Error ? error.name : typeof error,
      }),
  });
  const environment: JobEnvironment = {
    storage,
    clientStore,
    providers,
    events,
    clock,
    vault,
    logger,
    httpClientFactory: checked.httpClientFactory,
    mappingDefaults,
  };

  /** What is left of an integration's request budget, as the HTTP factory counts it (spec field names). */
  const budgetStatusOf = (integrationId: string) => {
    const status = checked.httpClientFactory?.budgetStatus?.(integrationId);
    return status === undefined
      ? undefined
      : { remaining_requests: status.remainingRequests, reset_time: status.resetTime };
  };

  const providerOf = (id: string): CrmProviderV1 => {
    const provider = providers.get(id);
    if (provider === undefined) {
      throw new UnsupportedCapabilityError(`No provider is installed for \`${id}\``, {
        context: { providerId: id },
      });
    }
    return provider;
  };

  /** The credential keys an integration holds, without their values. */
  const shownAuthConfig = (integration: CrmIntegration, keys?: readonly string[]): Record<string, string> => {
    let names = keys;
    if (names === undefined) {
      try {
        const opened = vault.open(integration.auth_config, { integrationId: integration.id });
        names = isPlainObject(opened) ? Object.keys(opened) : [];
      } catch (error) {
        logger.warn('Credentials of an integration cannot be opened', {
          integrationId: integration.id,
          error: CrmError.isInstance(error) ? error.code : 'error',
        });
        names = [];
      }
    }
    return Object.fromEntries(names.map((name) => [name, setMarker]));
  };
  const present = (integration: CrmIntegration, keys?: readonly string[]): CrmIntegration => ({
    ...integration,
    auth_config: shownAuthConfig(integration, keys),
  });

  const scopedIntegration = (request: IntegrationRequest): Promise<CrmIntegration> => {
    const supplierId = checkText(request.supplierId, 'supplierId');
    const integrationId = checkText(request.integrationId, 'integrationId');
    return storage.integrations.get(integrationId, { supplierId });
  };

  const scopedJob = async (request: JobRequest): Promise<SyncJobRecord> => {
    const supplierId = checkText(request.supplierId, 'supplierId');
    const jobId = checkText(request.jobId, 'jobId');
    const notFound = (cause?: unknown) =>
      new NotFoundError(`Sync job \`${jobId}\` was not found`, { context: { jobId, supplierId }, cause });
    let job: SyncJobRecord;
    try {
      job = await storage.jobs.get(jobId);
      await storage.integrations.get(job.integration_id, { supplierId });
    } catch (error) {
      if (CrmError.isInstance(error) && error.code === 'not_found') throw notFound(error);
      throw error;
    }
    return job;
  };

  const checkCredentials = (provider: CrmProviderV1, credentials: Record<string, unknown>): void => {
    if (provider.validateCredentials === undefined) return;
    try {
      provider.validateCredentials(credentials);
    } catch (error) {
      if (CrmError.isInstance(error) && error.code === 'validation_failed') throw error;
      const message = error instanceof Error ? error.message : 'The credentials are not valid';
      const safe = String(redactSecrets(message, { knownSecrets: credentialSecrets(credentials) }));
      throw new ValidationError(`Invalid auth_config: ${safe}`, {
        issues: [{ path: 'auth_config', message: safe }],
        context: { providerId: provider.id },
      });
    }
  };

  const tierLimit = async (supplierId: string): Promise<{ tier: SupplierTier; limit: number | null }> => {
    const raw =
      storage.getSupplierTier !== undefined
        ? await storage.getSupplierTier(supplierId)
        : await (checked.getSupplierTier as NonNullable<CrmHubOptions['getSupplierTier']>)(supplierId);
    const tier = SupplierTierSchema.safeParse(raw);
    if (!tier.success) {
      throw new InvalidArgumentError(
        `Expected the tier of supplier \`${supplierId}\` to be one of FREE, STARTER, PROFESSIONAL, SCALE, ENTERPRISE, got ${describe(raw)}`,
        { context: { supplierId } },
      );
    }
    return { tier: tier.data, limit: integrationLimitsByTier[tier.data] };
  };

  const checkMappings = (provider: CrmProviderV1, mappings: readonly unknown[], path: string): void => {
    const errors = validateMappingsByRecordType(mappings, provider);
    if (errors.length === 0) return;
    const issues = mappingIssues(errors, path);
    throw new ValidationError(`Invalid field mappings: ${issues[0]?.message ?? ''}`, {
      issues,
      context: { validation_errors: errors },
    });
  };

  const hub: CrmHub = {
    events,
    clock,
    on<Name extends HubEventName>(name: Name, listener: HubEventListener<Name>) {
      return events.on(name, listener);
    },
    off<Name extends HubEventName>(name: Name, listener: HubEventListener<Name>) {
      events.off(name, listener);
    },

    listProviders() {
      return { providers: [...providers.values()].map(describeProvider) };
    },

    async listIntegrations(request) {
      const supplierId = checkText(
        checkRequest<SupplierRequest>(request, 'listIntegrations').supplierId,
        'supplierId',
      );
      const integrations = await storage.integrations.list({ supplierId });
      return { integrations: integrations.map((integration) => present(integration)) };
    },

    async getIntegration(request) {
      const integration = await scopedIntegration(checkRequest(request, 'getIntegration'));
      return { integration: present(integration) };
    },

    async createIntegration(request) {
      const { supplierId: rawSupplier, body } = checkRequest<SupplierRequest & { body: unknown }>(
        request,
        'createIntegration',
      );
      const supplierId = checkText(rawSupplier, 'supplierId');
      const parsed = parseBody(CreateCrmIntegrationRequestSchema, body, 'integration');
      const provider = providers.get(parsed.crm_provider);
      if (provider === undefined) {
        const message = `No provider is installed for \`${parsed.crm_provider}\``;
        throw new ValidationError(message, {
          issues: [{ path: 'crm_provider', message }],
          context: { providerId: parsed.crm_provider },
        });
      }
      checkCredentials(provider, parsed.auth_config);
      const requested = parsed.sync_config.field_mappings;
      if (requested.length > 0) checkMappings(provider, requested, 'sync_config.field_mappings');
      const mappings = requested.length > 0 ? requested : providerDefaultMappings(provider);
      const { tier, limit } = await tierLimit(supplierId);
      const id = randomUUID();
      const sealed = vault.seal(parsed.auth_config, { integrationId: id });
      let integration: CrmIntegration;
      try {
        integration = await storage.transaction(async (transaction) => {
          const created = await transaction.integrations.create(
            {
              id,
              supplier_id: supplierId,
              crm_provider: parsed.crm_provider as CrmProviderId,
              connection_name: parsed.connection_name,
              connection_status: 'pending_auth',
              auth_config: sealed,
              sync_config: { ...parsed.sync_config, field_mappings: mappings },
            },
            { maxIntegrations: limit },
          );
          await transaction.fieldMappings.replace(id, mappings);
          return created;
        });
      } catch (error) {
        if (CrmError.isInstance(error) && error.code === 'tier_limit_exceeded') {
          throw new TierLimitError(
            `The ${tier} tier allows ${limit} integration${limit === 1 ? '' : 's'}; supplier \`${supplierId}\` cannot add another`,
            { context: { ...error.context, supplierId, tier, limit }, cause: error },
          );
        }
        throw error;
      }
      let authUrl: string | undefined;
      if (provider.authKind === 'oauth2' && checked.authorizationUrl !== undefined) {
        authUrl = await checked.authorizationUrl({ integration: present(integration, []), provider });
      }
      return {
        integration: present(integration, Object.keys(parsed.auth_config)),
        ...(authUrl === undefined ? {} : { auth_url: authUrl }),
      };
    },

    async updateIntegration(request) {
      const checkedRequest = checkRequest<IntegrationRequest & { body: unknown }>(
        request,
        'updateIntegration',
      );
      const current = await scopedIntegration(checkedRequest);
      const body = parseBody(UpdateCrmIntegrationRequestSchema, checkedRequest.body, 'integration update');
      const provider = providerOf(current.crm_provider);
      const mappings = body.sync_config?.field_mappings;
      if (mappings !== undefined) checkMappings(provider, mappings, 'sync_config.field_mappings');
      const syncConfig: CrmSyncConfig | undefined =
        body.sync_config === undefined ? undefined : { ...current.sync_config, ...body.sync_config };
      const scope = { supplierId: current.supplier_id };
      const updated = await storage.transaction(async (transaction) => {
        const result = await transaction.integrations.update(current.id, scope, {
          ...(body.connection_name === undefined ? {} : { connection_name: body.connection_name }),
          ...(syncConfig === undefined ? {} : { sync_config: syncConfig }),
        });
        if (mappings !== undefined) await transaction.fieldMappings.replace(current.id, mappings);
        return result;
      });
      return { integration: present(updated) };
    },

    async updateCredentials(request) {
      const checkedRequest = checkRequest<IntegrationRequest & { authConfig: unknown }>(
        request,
        'updateCredentials',
      );
      const current = await scopedIntegration(checkedRequest);
      const authConfig = checkedRequest.authConfig;
      if (!isPlainObject(authConfig)) {
        throw new ValidationError('Invalid auth_config: expected an object', {
          issues: [{ path: 'auth_config', message: 'Expected an object' }],
        });
      }
      checkCredentials(providerOf(current.crm_provider), authConfig);
      const sealed = vault.seal(authConfig, { integrationId: current.id });
      const updated = await storage.integrations.update(
        current.id,
        { supplierId: current.supplier_id },
        { auth_config: sealed, connection_status: 'pending_auth' },
      );
      return { integration: present(updated, Object.keys(authConfig)) };
    },

    async deleteIntegration(request) {
      const checkedRequest = checkRequest<IntegrationRequest>(request, 'deleteIntegration');
      const supplierId = checkText(checkedRequest.supplierId, 'supplierId');
      const integrationId = checkText(checkedRequest.integrationId, 'integrationId');
      await storage.integrations.delete(integrationId, { supplierId });
      return {
        success: true,
        message: `Integration \`${integrationId}\` was deleted; the records it imported stay in WedSync`,
      };
    },

    async testConnection(request) {
      const integration = await scopedIntegration(checkRequest(request, 'testConnection'));
      const provider = providerOf(integration.crm_provider);
      const now = clock();
      let info: ProviderConnectionInfo | undefined;
      let failure: unknown;
      let secrets: readonly string[] = [];
      const signal = AbortSignal.timeout(testTimeoutMs);
      try {
        const opened = await openSession(provider, integration, { signal, environment });
        try {
          info = await opened.session.testConnection({ signal });
        } finally {
          secrets = opened.knownSecrets();
          await opened.close();
        }
      } catch (error) {
        failure = error;
      }
      // A success during a sync leaves `sync_in_progress`: the job sets the status when it ends.
      if (info === undefined || integration.connection_status !== 'sync_in_progress') {
        await storage.integrations.setConnectionStatus(
          integration.id,
          info === undefined ? 'error' : 'connected',
        );
      }
      const features = Object.entries(provider.features)
        .filter(([, feature]) => feature?.read === true || feature?.write === true)
        .map(([recordType]) => recordType);
      const reset =
        info?.rateLimitStatus === undefined ? Number.NaN : Date.parse(info.rateLimitStatus.resetTime);
      const response: TestCrmConnectionResponse = {
        success: info !== undefined,
        connection_info: {
          provider: provider.id,
          ...(info?.accountName === undefined ? {} : { account_name: info.accountName }),
          available_features: info === undefined ? features : [...info.availableFeatures],
          // When the CRM does not report its live budget, the hub reports what is left of the budget it
          // enforces (from the HTTP factory), or the whole per-minute budget when the factory cannot say.
          rate_limit_status:
            info?.rateLimitStatus !== undefined && !Number.isNaN(reset)
              ? {
                  remaining_requests: Math.max(0, Math.floor(info.rateLimitStatus.remainingRequests)),
                  reset_time: new Date(reset).toISOString(),
                }
              : (budgetStatusOf(integration.id) ?? {
                  remaining_requests: provider.rateLimits.requestsPerMinute,
                  reset_time: new Date(now.getTime() + 60_000).toISOString(),
                }),
        },
      };
      if (failure !== undefined) {
        const message = failure instanceof Error ? failure.message : String(failure);
        return { ...response, error_message: String(redactSecrets(message, { knownSecrets: secrets })) };
      }
      return response;
    },

    async triggerSync(request) {
      const checkedRequest = checkRequest<IntegrationRequest & { body: unknown }>(request, 'triggerSync');
      const integration = await scopedIntegration(checkedRequest);
      const body = parseBody(TriggerCrmSyncRequestSchema, checkedRequest.body ?? {}, 'sync request');
      const provider = providerOf(integration.crm_provider);
      // Refused before any job exists: a provider that cannot write, an integration that only imports.
      const dryRun = body.job_config['dry_run'];
      if (dryRun !== undefined && typeof dryRun !== 'boolean') {
        throw new ValidationError('Invalid sync request: `job_config.dry_run` must be a boolean', {
          context: { integrationId: integration.id },
          issues: [{ path: 'job_config.dry_run', message: `Expected a boolean, got ${typeof dryRun}` }],
        });
      }
      try {
        deletionThresholdOf(body.job_config);
      } catch (error) {
        throw new ValidationError('Invalid sync request: `job_config.deletion_threshold`', {
          context: { integrationId: integration.id },
          issues: [{ path: 'job_config.deletion_threshold', message: (error as Error).message }],
          cause: error,
        });
      }
      if (body.job_type === 'export_to_crm') assertCanExport(provider, integration);
      else if (body.job_type === 'full_import' && integration.sync_config.sync_direction === 'export_only') {
        throw new ConflictError(
          `Integration \`${integration.id}\` only exports (sync_direction export_only): it cannot import`,
          { context: { integrationId: integration.id, jobType: body.job_type } },
        );
      }
      if (integration.connection_status === 'sync_in_progress') {
        // A job that was cancelled while no runner held it leaves the status behind: repair it.
        const active = await storage.jobs.findActive(integration.id);
        if (active === undefined) await storage.integrations.setConnectionStatus(integration.id, 'connected');
      }
      const job = await storage.jobs.create({
        integration_id: integration.id,
        job_type: body.job_type,
        job_config: { ...body.job_config, trigger: 'request' },
        dry_run: dryRun === true,
      });
      events.emit('jobQueued', {
        jobId: job.id,
        integrationId: integration.id,
        jobType: job.job_type,
        trigger: 'request',
      });
      return { sync_job: job };
    },

    async listSyncJobs(request) {
      const checkedRequest = checkRequest<IntegrationRequest & PageRequest>(request, 'listSyncJobs');
      const integration = await scopedIntegration(checkedRequest);
      const page = parseBody(PageQuerySchema, pageQuery(checkedRequest), 'page query');
      return storage.jobs.list(integration.id, page);
    },

    async getSyncJob(request) {
      return { sync_job: await scopedJob(checkRequest(request, 'getSyncJob')) };
    },

    async cancelSyncJob(request) {
      const job = await scopedJob(checkRequest(request, 'cancelSyncJob'));
      const now = clock();
      let cancelled = await storage.jobs.cancel(job.id, { now });
      const leaseEnd =
        cancelled.lease_expires_at === undefined
          ? Number.NEGATIVE_INFINITY
          : Date.parse(cancelled.lease_expires_at);
      if (cancelled.job_status === 'running' && leaseEnd < now.getTime()) {
        // No runner holds it (parked, or its runner died): a claim sweeps it to `cancelled` now.
        const claimed = await storage.jobs.claim({
          owner: 'wedsync-hub/cancel',
          leaseMs: 1,
          integrationId: job.integration_id,
          now,
        });
        if (claimed !== undefined) {
          await storage.jobs.heartbeat(claimed.id, {
            owner: 'wedsync-hub/cancel',
            leaseMs: 1,
            now: new Date(now.getTime() - 2),
          });
        }
        cancelled = await storage.jobs.get(job.id);
        if (cancelled.job_status === 'cancelled') {
          const integration = await storage.integrations.get(job.integration_id, { supplierId: null });
          if (integration.connection_status === 'sync_in_progress') {
            await storage.integrations.setConnectionStatus(integration.id, 'connected');
          }
        }
      }
      return { sync_job: cancelled };
    },

    async listConflicts(request) {
      const checkedRequest = checkRequest<ConflictsRequest>(request, 'listConflicts');
      const integration = await scopedIntegration(checkedRequest);
      const page = parseBody(PageQuerySchema, pageQuery(checkedRequest), 'page query');
      if (
        checkedRequest.status !== undefined &&
        !['open', 'resolved', 'dismissed'].includes(checkedRequest.status)
      ) {
        throw new InvalidArgumentError(
          `Expected \`status\` to be open, resolved or dismissed, got \`${String(checkedRequest.status)}\``,
          { context: { argument: 'status' } },
        );
      }
      return storage.conflicts.list(integration.id, {
        ...page,
        ...(checkedRequest.status === undefined ? {} : { status: checkedRequest.status }),
        ...(checkedRequest.record_type === undefined ? {} : { recordType: checkedRequest.record_type }),
      });
    },

    async resolveConflict(request) {
      const checkedRequest = checkRequest<ResolveConflictRequest>(request, 'resolveConflict');
      const supplierId = checkText(checkedRequest.supplierId, 'supplierId');
      const conflictId = checkText(checkedRequest.conflictId, 'conflictId');
      const resolution = checkedRequest.resolution as unknown;
      const validSide =
        isPlainObject(resolution) &&
        'side' in resolution &&
        (resolution['side'] === 'wedsync' || resolution['side'] === 'crm');
      const validValue = isPlainObject(resolution) && !('side' in resolution) && 'value' in resolution;
      if (!validSide && !validValue) {
        throw new InvalidArgumentError(
          "Expected `resolution` to be `{ side: 'wedsync' | 'crm' }` or `{ value }` (a new value for the field)",
          { context: { argument: 'resolution', conflictId } },
        );
      }
      const notFound = (cause?: unknown) =>
        new NotFoundError(`Conflict \`${conflictId}\` was not found`, {
          context: { conflictId, supplierId },
          cause,
        });
      try {
        const conflict = await storage.conflicts.get(conflictId);
        await storage.integrations.get(conflict.integration_id, { supplierId });
      } catch (error) {
        if (CrmError.isInstance(error) && error.code === 'not_found') throw notFound(error);
        throw error;
      }
      return resolveFieldConflict(
        { storage, clientStore, clock },
        supplierId,
        conflictId,
        checkedRequest.resolution,
      );
    },

    async triggerFieldMappingUpdate(request) {
      const checkedRequest = checkRequest<IntegrationRequest & { dryRun?: boolean }>(
        request,
        'triggerFieldMappingUpdate',
      );
      const integration = await scopedIntegration(checkedRequest);
      if (checkedRequest.dryRun !== undefined && typeof checkedRequest.dryRun !== 'boolean') {
        throw new InvalidArgumentError('Expected `dryRun` to be a boolean', {
          context: { argument: 'dryRun' },
        });
      }
      if (integration.sync_config.sync_direction === 'export_only') {
        throw new ConflictError(
          `Integration \`${integration.id}\` only exports (sync_direction export_only): it has no imported records to map again`,
          { context: { integrationId: integration.id, jobType: 'field_mapping_update' } },
        );
      }
      const job = await storage.jobs.create({
        integration_id: integration.id,
        job_type: 'field_mapping_update',
        job_config: { trigger: 'request' },
        dry_run: checkedRequest.dryRun === true,
      });
      events.emit('jobQueued', {
        jobId: job.id,
        integrationId: integration.id,
        jobType: job.job_type,
        trigger: 'request',
      });
      return { sync_job: job };
    },

    async getSyncReport(request) {
      const job = await scopedJob(checkRequest(request, 'getSyncReport'));
      return buildSyncReport(storage, job);
    },

    async rollbackJob(request) {
      const checkedRequest = checkRequest<JobRequest & { force?: boolean }>(request, 'rollbackJob');
      const job = await scopedJob(checkedRequest);
      return rollbackSyncJob({ storage, clientStore, clock }, job, {
        ...(checkedRequest.force === undefined ? {} : { force: checkedRequest.force }),
      });
    },

    async listSyncLogs(request) {
      const checkedRequest = checkRequest<SyncLogsRequest>(request, 'listSyncLogs');
      const integration = await scopedIntegration(checkedRequest);
      const page = parseBody(PageQuerySchema, pageQuery(checkedRequest), 'page query');
      const actionType =
        checkedRequest.action_type === undefined
          ? undefined
          : parseBody(LogActionTypeSchema, checkedRequest.action_type, 'action_type');
      return storage.logs.list(integration.id, {
        ...page,
        ...(checkedRequest.job_id === undefined ? {} : { jobId: checkText(checkedRequest.job_id, 'job_id') }),
        ...(actionType === undefined ? {} : { actionType }),
        ...(checkedRequest.record_type === undefined
          ? {}
          : { recordType: checkText(checkedRequest.record_type, 'record_type') }),
      });
    },

    async getFieldMappings(request) {
      const integration = await scopedIntegration(checkRequest(request, 'getFieldMappings'));
      const provider = providerOf(integration.crm_provider);
      const types = readableRecordTypes(provider);
      return {
        mappings: await storage.fieldMappings.list(integration.id),
        available_wedsync_fields: types.flatMap((recordType) => qualifiedWedsyncFields(recordType)),
        available_crm_fields: types.flatMap((recordType) => qualifiedCrmFields(provider, recordType)),
      };
    },

    async updateFieldMappings(request) {
      const checkedRequest = checkRequest<IntegrationRequest & { body: unknown }>(
        request,
        'updateFieldMappings',
      );
      const integration = await scopedIntegration(checkedRequest);
      const provider = providerOf(integration.crm_provider);
      const body = checkedRequest.body;
      if (!isPlainObject(body) || !Array.isArray(body['mappings'])) {
        throw new ValidationError('Invalid field mappings: expected `{ mappings: [...] }`', {
          issues: [{ path: 'mappings', message: 'Expected an array of field mappings' }],
        });
      }
      const submitted = body['mappings'] as unknown[];
      const errors = validateMappingsByRecordType(submitted, provider);
      if (errors.length > 0) {
        return { mappings: submitted as CrmFieldMapping[], validation_errors: errors };
      }
      const { mappings } = parseBody(UpdateFieldMappingsRequestSchema, body, 'field mappings');
      const saved = await storage.transaction(async (transaction) => {
        const stored = await transaction.fieldMappings.replace(integration.id, mappings);
        await transaction.integrations.update(
          integration.id,
          { supplierId: integration.supplier_id },
          { sync_config: { ...integration.sync_config, field_mappings: stored } },
        );
        return stored;
      });
      return { mappings: saved };
    },

    async scheduleDueSyncs(scheduleOptions = {}) {
      const now = scheduleOptions.now ?? clock();
      const due = await storage.integrations.listDueForAutoSync(
        now,
        scheduleOptions.limit === undefined ? {} : { limit: scheduleOptions.limit },
      );
      const created: SyncJobRecord[] = [];
      for (const integration of due) {
        if (!providers.has(integration.crm_provider)) continue;
        try {
          // An incremental sync reads on from the watermark of the latest completed import; an integration
          // without one (never imported, or its last import rolled back) gets a full import. An export-only
          // integration gets an incremental sync, which only exports.
          const exportOnly = integration.sync_config.sync_direction === 'export_only';
          const previous = exportOnly ? undefined : await findPreviousImport(storage, integration.id);
          const job = await storage.jobs.create({
            integration_id: integration.id,
            ...(previous === undefined && !exportOnly
              ? {
                  job_type: 'full_import' as const,
                  job_config: { trigger: 'schedule', requested_job_type: 'incremental_sync' },
                }
              : { job_type: 'incremental_sync' as const, job_config: { trigger: 'schedule' } }),
          });
          created.push(job);
          events.emit('jobQueued', {
            jobId: job.id,
            integrationId: integration.id,
            jobType: job.job_type,
            trigger: 'schedule',
          });
        } catch (error) {
          if (CrmError.isInstance(error) && error.code === 'job_already_active') continue;
          throw error;
        }
      }
      return created;
    },

    claimJob(claimOptions) {
      return storage.jobs.claim({ ...claimOptions, now: clock() });
    },

    runJob(job, runOptions) {
      return runSyncJob(environment, job, runOptions);
    },
  };
  return hub;
}

function pageQuery(request: PageRequest): Record<string, unknown> {
  return {
    ...(request.page === undefined ? {} : { page: request.page }),
    ...(request.per_page === undefined ? {} : { per_page: request.per_page }),
  };
}
