/**
 * `crm_field_mappings`: an integration's mappings, replaced as a whole (delete + one multi-row insert in one
 * transaction) and listed in the order they were given (the `position` extension column).
 */
import {
  ConflictError,
  type CrmFieldMapping,
  CrmFieldMappingSchema,
  type FieldMappingStore,
  InvalidArgumentError,
  NotFoundError,
} from '@wedsync/crm-core';
import { encodeJson, encodeTimestamp } from '../json.js';
import { checkArray, checkText, isUuid } from './checks.js';
import { decodeRow, encodeBoolean, selection, type TableColumns } from './codec.js';
import { chunkRows, classifyDriverError, guard, inTransaction, type StorageContext } from './context.js';

const table = 'crm_field_mappings';

const mappingColumns: TableColumns = {
  wedsync_field: 'text',
  crm_field: 'text',
  field_type: 'text',
  transform_rules: 'json',
  sync_direction: 'text',
  is_required: 'boolean',
};

function decodeMapping(row: Readonly<Record<string, unknown>>): CrmFieldMapping {
  const decoded = decodeRow(mappingColumns, row);
  return {
    ...decoded,
    transform_rules: decoded['transform_rules'] ?? {},
    is_required: decoded['is_required'] ?? false,
  } as CrmFieldMapping;
}

function checkMappings(mappings: readonly CrmFieldMapping[]): CrmFieldMapping[] {
  checkArray(mappings, 'mappings');
  const seen = new Map<string, number>();
  return mappings.map((mapping, index) => {
    const parsed = CrmFieldMappingSchema.safeParse(mapping);
    if (!parsed.success) {
      const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)');
      throw new InvalidArgumentError(
        `Expected \`mappings[${index}]\` to be a valid field mapping; invalid: ${paths.join(', ')}`,
        {
          context: { field: `mappings[${index}]`, issues: paths },
          cause: parsed.error,
        },
      );
    }
    const key = JSON.stringify([parsed.data.wedsync_field, parsed.data.crm_field]);
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new ConflictError(
        `Mappings ${previous} and ${index} both map \`${parsed.data.wedsync_field}\` to \`${parsed.data.crm_field}\``,
        {
          context: {
            fields: ['integration_id', 'wedsync_field', 'crm_field'],
            indexes: [previous, index],
            wedsyncField: parsed.data.wedsync_field,
            crmField: parsed.data.crm_field,
          },
        },
      );
    }
    seen.set(key, index);
    return parsed.data;
  });
}

/** The field mappings part of the kysely HubStorage. */
export function createFieldMappingStore(context: StorageContext): FieldMappingStore {
  return {
    async replace(integrationId: string, mappings: readonly CrmFieldMapping[]) {
      checkText(integrationId, 'integrationId');
      const checked = checkMappings(mappings);
      const now = encodeTimestamp(context.clock(), 'now');
      return guard(context, 'replace field mappings', table, async () => {
        const notFound = () =>
          new NotFoundError(`Integration \`${integrationId}\` was not found`, { context: { integrationId } });
        if (!isUuid(integrationId)) throw notFound();
        const integration = integrationId.toLowerCase();
        return inTransaction(context, async (db) => {
          const exists = await db
            .selectFrom('crm_integrations')
            .select('id')
            .where('id', '=', integration)
            .executeTakeFirst();
          if (exists === undefined) throw notFound();
          await db.deleteFrom(table).where('integration_id', '=', integration).execute();
          const rows = checked.map((mapping, position) => ({
            id: crypto.randomUUID(),
            integration_id: integration,
            wedsync_field: mapping.wedsync_field,
            crm_field: mapping.crm_field,
            field_type: mapping.field_type,
            transform_rules: encodeJson(mapping.transform_rules, 'transform_rules'),
            sync_direction: mapping.sync_direction,
            is_required: encodeBoolean(context, mapping.is_required),
            created_at: now,
            position,
          }));
          for (const part of chunkRows(context, rows, 10)) {
            try {
              await db.insertInto(table).values(part).execute();
            } catch (error) {
              if (classifyDriverError(error).kind === 'foreign_key') throw notFound();
              throw error;
            }
          }
          return checked.map((mapping) => ({ ...mapping }));
        });
      });
    },

    async list(integrationId: string) {
      checkText(integrationId, 'integrationId');
      return guard(context, 'list field mappings', table, async () => {
        if (!isUuid(integrationId)) return [];
        const rows = await context.db
          .selectFrom(table)
          .select(selection(context, mappingColumns))
          .where('integration_id', '=', integrationId.toLowerCase())
          .orderBy('position')
          .orderBy('created_at')
          .execute();
        return rows.map(decodeMapping);
      });
    },
  };
}
