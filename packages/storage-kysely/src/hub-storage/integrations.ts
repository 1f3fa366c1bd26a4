/**
 * `crm_integrations`: the integrations of each supplier. `auth_config` is stored as given (the vault's sealed
 * envelope) and never appears in an error.
 */
import {
  ConflictError,
  type ConnectionStatus,
  type CreateIntegrationOptions,
  type CrmIntegration,
  CrmSyncConfigSchema,
  connectionStatuses,
  crmProviderIds,
  type IntegrationPatch,
  type IntegrationStore,
  InvalidArgumentError,
  lastSyncStatuses,
  type NewIntegration,
  NotFoundError,
  StorageError,
  type SupplierScope,
  type SyncOutcome,
  TierLimitError,
} from '@wedsync/crm-core';
import { sql } from 'kysely';
import { encodeJson, encodeNullableJson, encodeTimestamp } from '../json.js';
import {
  checkDate,
  checkInteger,
  checkJsonObject,
  checkOneOf,
  checkText,
  checkUuid,
  isUuid,
} from './checks.js';
import { decodeRow, selection, type TableColumns } from './codec.js';
import {
  type AnyDatabase,
  classifyDriverError,
  guard,
  inTransaction,
  type StorageContext,
} from './context.js';

const table = 'crm_integrations';

/** The columns of crm_integrations. */
export const integrationColumns: TableColumns = {
  id: 'text',
  supplier_id: 'text',
  crm_provider: 'text',
  connection_name: 'text',
  connection_status: 'text',
  auth_config: 'json',
  sync_config: 'json',
  last_sync_at: 'timestamp',
  last_sync_status: 'text',
  sync_error_details: 'json',
  created_at: 'timestamp',
  updated_at: 'timestamp',
};

const uniqueFields = ['supplier_id', 'crm_provider', 'connection_name'] as const;

/** A stored row as the contract's CrmIntegration (sync_config parsed with its defaults). */
export function decodeIntegration(row: Readonly<Record<string, unknown>>): CrmIntegration {
  const decoded = decodeRow(integrationColumns, row);
  const syncConfig = CrmSyncConfigSchema.safeParse(decoded['sync_config'] ?? {});
  if (!syncConfig.success) {
    throw new StorageError(`Stored sync_config of integration \`${String(decoded['id'])}\` is not valid`, {
      context: {
        operation: 'decode',
        table,
        integrationId: decoded['id'],
        issues: syncConfig.error.issues.map((issue) => issue.path.join('.')),
      },
      cause: syncConfig.error,
    });
  }
  return {
    ...decoded,
    auth_config: decoded['auth_config'] ?? {},
    sync_config: syncConfig.data,
  } as CrmIntegration;
}

function checkSyncConfig(value: unknown): string {
  const parsed = CrmSyncConfigSchema.safeParse(value);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
    throw new InvalidArgumentError(
      `Expected \`sync_config\` to be a valid sync config; invalid: ${paths.join(', ')}`,
      {
        context: { field: 'sync_config', issues: paths },
        cause: parsed.error,
      },
    );
  }
  return encodeJson(parsed.data, 'sync_config');
}

function notFound(id: string, scope: SupplierScope): NotFoundError {
  return new NotFoundError(`Integration \`${id}\` was not found`, {
    context: { integrationId: id, ...(scope.supplierId === null ? {} : { supplierId: scope.supplierId }) },
  });
}

/** Whether a scoped lookup can match at all (ids that are not UUIDs cannot exist on any dialect). */
function canMatch(id: string, scope: SupplierScope): boolean {
  return isUuid(id) && (scope.supplierId === null || isUuid(scope.supplierId));
}

function checkScope(scope: SupplierScope): SupplierScope {
  if (typeof scope !== 'object' || scope === null || !('supplierId' in scope)) {
    throw new InvalidArgumentError(
      'Expected a scope `{ supplierId }` (a supplier id, or null for system access)',
      {
        context: { field: 'scope' },
      },
    );
  }
  if (scope.supplierId !== null && typeof scope.supplierId !== 'string') {
    throw new InvalidArgumentError('Expected `scope.supplierId` to be a string or null', {
      context: { field: 'scope.supplierId' },
    });
  }
  return scope;
}

function checkMaxIntegrations(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  return checkInteger(value, 'maxIntegrations', 0);
}

// biome-ignore lint/suspicious/noExplicitAny: a where-able query builder over untyped tables.
function whereScoped<Query extends { where: (...args: any[]) => Query }>(
  query: Query,
  id: string,
  scope: SupplierScope,
): Query {
  const byId = query.where('id', '=', id.toLowerCase());
  return scope.supplierId === null ? byId : byId.where('supplier_id', '=', scope.supplierId.toLowerCase());
}

async function lockSupplierAndCount(
  context: StorageContext,
  db: AnyDatabase,
  supplierId: string,
  limit: number,
): Promise<void> {
  let supplierQuery = db
    .selectFrom(context.suppliers.table)
    .select(sql.ref(context.suppliers.idColumn).as('id'))
    .where(context.suppliers.idColumn, '=', supplierId);
  // Serialises concurrent creates for one supplier so the count below stays true until the insert commits.
  if (context.dialect === 'postgres') supplierQuery = supplierQuery.forUpdate();
  const supplier = await supplierQuery.executeTakeFirst();
  if (supplier === undefined) {
    throw new NotFoundError(`Supplier \`${supplierId}\` was not found`, { context: { supplierId } });
  }
  const counted = await db
    .selectFrom(table)
    .select((expression) => expression.fn.countAll().as('count'))
    .where('supplier_id', '=', supplierId)
    .executeTakeFirstOrThrow();
  const count = Number(counted.count);
  if (count >= limit) {
    throw new TierLimitError(
      `Supplier \`${supplierId}\` already holds ${count} of ${limit} allowed integrations`,
      {
        context: { supplierId, limit, count },
      },
    );
  }
}

/** The integrations part of the kysely HubStorage. */
export function createIntegrationStore(context: StorageContext): IntegrationStore {
  const columns = () => selection(context, integrationColumns);

  return {
    async create(integration: NewIntegration, options: CreateIntegrationOptions = {}) {
      const id = integration.id === undefined ? crypto.randomUUID() : checkUuid(integration.id, 'id');
      const supplierId = checkUuid(integration.supplier_id, 'supplier_id');
      const provider = checkOneOf(integration.crm_provider, crmProviderIds, 'crm_provider');
      const name = checkText(integration.connection_name, 'connection_name', 200);
      const status = checkOneOf(
        integration.connection_status ?? 'pending_auth',
        connectionStatuses,
        'connection_status',
      );
      const authConfig = encodeJson(checkJsonObject(integration.auth_config, 'auth_config'), 'auth_config');
      const syncConfig = checkSyncConfig(integration.sync_config);
      const limit = checkMaxIntegrations(options.maxIntegrations);
      const now = encodeTimestamp(context.clock(), 'now');
      return guard(context, 'create an integration', table, () =>
        inTransaction(context, async (db) => {
          if (limit !== null) await lockSupplierAndCount(context, db, supplierId, limit);
          let inserted: Record<string, unknown> | undefined;
          try {
            inserted = await db
              .insertInto(table)
              .values({
                id,
                supplier_id: supplierId,
                crm_provider: provider,
                connection_name: name,
                connection_status: status,
                auth_config: authConfig,
                sync_config: syncConfig,
                last_sync_at: null,
                last_sync_status: null,
                sync_error_details: null,
                created_at: now,
                updated_at: now,
              })
              .onConflict((conflict) => conflict.doNothing())
              .returning(columns())
              .executeTakeFirst();
          } catch (error) {
            if (classifyDriverError(error).kind === 'foreign_key') {
              throw new NotFoundError(`Supplier \`${supplierId}\` was not found`, {
                context: { supplierId },
                cause: error,
              });
            }
            throw error;
          }
          if (inserted !== undefined) return decodeIntegration(inserted);
          const sameName = await db
            .selectFrom(table)
            .select('id')
            .where('supplier_id', '=', supplierId)
            .where('crm_provider', '=', provider)
            .where('connection_name', '=', name)
            .executeTakeFirst();
          if (sameName !== undefined) {
            throw new ConflictError(
              `Supplier \`${supplierId}\` already has a \`${provider}\` integration named \`${name}\``,
              {
                context: {
                  fields: [...uniqueFields],
                  supplierId,
                  crmProvider: provider,
                  connectionName: name,
                  existingIntegrationId: String(sameName.id),
                },
              },
            );
          }
          throw new ConflictError(`An integration with id \`${id}\` already exists`, {
            context: { fields: ['id'], integrationId: id },
          });
        }),
      );
    },

    async get(id: string, scope: SupplierScope) {
      checkText(id, 'id');
      checkScope(scope);
      return guard(context, 'read an integration', table, async () => {
        if (!canMatch(id, scope)) throw notFound(id, scope);
        const row = await whereScoped(
          context.db.selectFrom(table).select(columns()),
          id,
          scope,
        ).executeTakeFirst();
        if (row === undefined) throw notFound(id, scope);
        return decodeIntegration(row);
      });
    },

    async list(scope: { readonly supplierId: string }) {
      const supplierId = checkText(scope?.supplierId, 'supplierId');
      return guard(context, 'list integrations', table, async () => {
        if (!isUuid(supplierId)) return [];
        const rows = await context.db
          .selectFrom(table)
          .select(columns())
          .where('supplier_id', '=', supplierId.toLowerCase())
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(decodeIntegration);
      });
    },

    async count(scope: { readonly supplierId: string }) {
      const supplierId = checkText(scope?.supplierId, 'supplierId');
      return guard(context, 'count integrations', table, async () => {
        if (!isUuid(supplierId)) return 0;
        const row = await context.db
          .selectFrom(table)
          .select((expression) => expression.fn.countAll().as('count'))
          .where('supplier_id', '=', supplierId.toLowerCase())
          .executeTakeFirstOrThrow();
        return Number(row.count);
      });
    },

    async update(id: string, scope: SupplierScope, patch: IntegrationPatch) {
      checkText(id, 'id');
      checkScope(scope);
      const values: Record<string, unknown> = {};
      if (patch.connection_name !== undefined) {
        values['connection_name'] = checkText(patch.connection_name, 'connection_name', 200);
      }
      if (patch.connection_status !== undefined) {
        values['connection_status'] = checkOneOf(
          patch.connection_status,
          connectionStatuses,
          'connection_status',
        );
      }
      if (patch.auth_config !== undefined) {
        values['auth_config'] = encodeJson(checkJsonObject(patch.auth_config, 'auth_config'), 'auth_config');
      }
      if (patch.sync_config !== undefined) values['sync_config'] = checkSyncConfig(patch.sync_config);
      values['updated_at'] = encodeTimestamp(context.clock(), 'now');
      return guard(context, 'update an integration', table, async () => {
        if (!canMatch(id, scope)) throw notFound(id, scope);
        let row: Record<string, unknown> | undefined;
        try {
          row = await whereScoped(context.db.updateTable(table).set(values), id, scope)
            .returning(columns())
            .executeTakeFirst();
        } catch (error) {
          if (classifyDriverError(error).kind === 'unique') {
            throw new ConflictError(
              `Another integration of this supplier and provider is already named \`${String(values['connection_name'])}\``,
              {
                context: {
                  fields: [...uniqueFields],
                  integrationId: id,
                  connectionName: values['connection_name'],
                },
                cause: error,
              },
            );
          }
          throw error;
        }
        if (row === undefined) throw notFound(id, scope);
        return decodeIntegration(row);
      });
    },

    async delete(id: string, scope: SupplierScope) {
      checkText(id, 'id');
      checkScope(scope);
      return guard(context, 'delete an integration', table, async () => {
        if (!canMatch(id, scope)) throw notFound(id, scope);
        const result = await whereScoped(context.db.deleteFrom(table), id, scope).executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw notFound(id, scope);
      });
    },

    async setConnectionStatus(id: string, status: ConnectionStatus) {
      checkText(id, 'id');
      const checked = checkOneOf(status, connectionStatuses, 'status');
      const now = encodeTimestamp(context.clock(), 'now');
      return guard(context, 'set a connection status', table, async () => {
        const scope = { supplierId: null };
        if (!canMatch(id, scope)) throw notFound(id, scope);
        const result = await context.db
          .updateTable(table)
          .set({ connection_status: checked, updated_at: now })
          .where('id', '=', id.toLowerCase())
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound(id, scope);
      });
    },

    async recordSyncOutcome(id: string, outcome: SyncOutcome) {
      checkText(id, 'id');
      const lastSyncAt = encodeTimestamp(checkDate(outcome?.last_sync_at, 'last_sync_at'), 'last_sync_at');
      const status = checkOneOf(outcome.last_sync_status, lastSyncStatuses, 'last_sync_status');
      const details =
        outcome.sync_error_details === undefined || outcome.sync_error_details === null
          ? null
          : encodeNullableJson(
              checkJsonObject(outcome.sync_error_details, 'sync_error_details'),
              'sync_error_details',
            );
      const now = encodeTimestamp(context.clock(), 'now');
      return guard(context, 'record a sync outcome', table, async () => {
        const scope = { supplierId: null };
        if (!canMatch(id, scope)) throw notFound(id, scope);
        const result = await context.db
          .updateTable(table)
          .set({
            last_sync_at: lastSyncAt,
            last_sync_status: status,
            sync_error_details: details,
            updated_at: now,
          })
          .where('id', '=', id.toLowerCase())
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) throw notFound(id, scope);
      });
    },

    async listDueForAutoSync(now: Date, options: { readonly limit?: number } = {}) {
      const at = encodeTimestamp(checkDate(now, 'now'), 'now');
      const limit = options.limit === undefined ? 1000 : checkInteger(options.limit, 'limit', 1, 10_000);
      return guard(context, 'list integrations due for sync', table, async () => {
        const autoSyncEnabled =
          context.dialect === 'postgres'
            ? sql<boolean>`(sync_config -> 'auto_sync_enabled') = 'true'::jsonb`
            : sql<boolean>`json_extract(sync_config, '$.auto_sync_enabled') = 1`;
        // sync_interval_minutes defaults to 60, as in the sync config schema.
        const due =
          context.dialect === 'postgres'
            ? sql<boolean>`(last_sync_at IS NULL OR last_sync_at + make_interval(mins => coalesce((sync_config ->> 'sync_interval_minutes')::int, 60)) <= ${at}::timestamptz)`
            : sql<boolean>`(last_sync_at IS NULL OR strftime('%Y-%m-%dT%H:%M:%fZ', last_sync_at, printf('+%d minutes', coalesce(json_extract(sync_config, '$.sync_interval_minutes'), 60))) <= ${at})`;
        const rows = await context.db
          .selectFrom(table)
          .select(columns())
          .where('connection_status', '=', 'connected')
          .where(autoSyncEnabled)
          .where(due)
          .where((expression) =>
            expression.not(
              expression.exists(
                expression
                  .selectFrom('crm_sync_jobs')
                  .select(sql.lit(1).as('one'))
                  .whereRef('crm_sync_jobs.integration_id', '=', 'crm_integrations.id')
                  .where('crm_sync_jobs.job_status', 'in', ['pending', 'running']),
              ),
            ),
          )
          .orderBy(sql`last_sync_at asc nulls first`)
          .orderBy('id')
          .limit(limit)
          .execute();
        return rows.map(decodeIntegration);
      });
    },
  };
}
