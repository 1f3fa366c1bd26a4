/**
 * A database as an older release of the storage left it, for the tests of a migration on existing data: the hub's
 * migrations applied up to a given one, and the supplier and integration rows its data hangs from.
 */
import { type Kysely, Migrator } from 'kysely';
import { resolveHostSchema } from '../src/index.js';
import { hubMigrationNames, hubMigrations } from '../src/migrations/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the storage's own (untyped) tables.
type AnyDatabase = Kysely<any>;

/** Applies the hub's migrations up to and including `last`, as an older release of the storage did. */
export async function migrateUpTo(
  db: AnyDatabase,
  dialect: 'postgres' | 'sqlite',
  last: (typeof hubMigrationNames)[number],
): Promise<void> {
  const all = hubMigrations({ dialect, hostTables: 'create', schema: resolveHostSchema() });
  const names = hubMigrationNames.slice(0, hubMigrationNames.indexOf(last) + 1);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => Object.fromEntries(names.map((name) => [name, all[name]])) },
    migrationTableName: 'crm_hub_migration',
    migrationLockTableName: 'crm_hub_migration_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
}

/** A supplier (the embedded host table) and one Tave integration of it, written with plain inserts. */
export async function insertIntegration(
  db: AnyDatabase,
  ids: { readonly supplierId: string; readonly integrationId: string },
): Promise<void> {
  await db
    .insertInto('suppliers')
    .values({ id: ids.supplierId, name: 'Studio', tier: 'ENTERPRISE' })
    .execute();
  await db
    .insertInto('crm_integrations')
    .values({
      id: ids.integrationId,
      supplier_id: ids.supplierId,
      crm_provider: 'tave',
      connection_name: 'Main',
    })
    .execute();
}
