/**
 * Field mappings per record type. The spec's `crm_field_mappings` has no record-type column, so the hub uses
 * this convention:
 *
 * - a mapping's `wedsync_field` for a non-client record is qualified by its record type: `project.name`,
 *   `event.start_date`, `invoice.total.amount_minor`, `payment.amount.amount_minor`;
 * - an unqualified `wedsync_field` is a client field (`first_name`, `partner.email`); no client field starts
 *   with a record type name, so the two never collide;
 * - `crm_field` is always a path into that record type's raw CRM data (`eventDate`, not `project.eventDate`).
 *
 * Field pickers are built the same way: `available_wedsync_fields` and `available_crm_fields` name client fields
 * plainly and other record types' fields with the record type in front (a picker drops the prefix of a CRM
 * field when it fills `crm_field`).
 */
import { InvalidArgumentError } from '../errors/index.js';
import { mappingRunsIn, validateMappings } from '../mapping/validate.js';
import type { RecordType } from '../model/canonical.js';
import { wedsyncFieldCatalog } from '../model/catalog.js';
import type {
  CrmFieldMapping,
  CrmFieldMappingInput,
  FieldDefinition,
  FieldMappingError,
} from '../model/field-mapping.js';
import { CrmFieldMappingSchema } from '../model/field-mapping.js';
import type { CrmIntegration } from '../model/integration.js';
import type { CrmProviderV1 } from '../spec/provider.js';
import type { SkippedTypeReason } from './counts.js';

/** The order a full import reads record types in: parents before the records that point at them. */
export const importOrder: readonly RecordType[] = Object.freeze([
  'client',
  'project',
  'event',
  'invoice',
  'payment',
]);

const qualifiedRecordTypes: readonly RecordType[] = ['project', 'event', 'invoice', 'payment'];

/** The record type a mapping's `wedsync_field` belongs to: its prefix, or `client` when it has none. */
export function recordTypeOfWedsyncField(wedsyncField: string): RecordType {
  for (const recordType of qualifiedRecordTypes) {
    if (wedsyncField.startsWith(`${recordType}.`)) return recordType;
  }
  return 'client';
}

/** A field name of one record type as mappings and pickers write it (`name` of a project -> `project.name`). */
export function qualifyWedsyncField(recordType: RecordType, field: string): string {
  if (recordType === 'client' || field.startsWith(`${recordType}.`)) return field;
  return `${recordType}.${field}`;
}

/** The path inside the canonical record of a (possibly qualified) `wedsync_field` of one record type. */
export function unqualifyWedsyncField(recordType: RecordType, field: string): string {
  if (recordType === 'client' || !field.startsWith(`${recordType}.`)) return field;
  return field.slice(recordType.length + 1);
}

/** A mapping with its position in the list it came from. */
export interface IndexedMapping<Mapping = CrmFieldMapping> {
  readonly index: number;
  readonly mapping: Mapping;
}

/** Splits a list of mappings by the record type of each `wedsync_field` (entries without one go to `client`). */
export function groupMappingsByRecordType<Mapping>(
  mappings: readonly Mapping[],
): Map<RecordType, IndexedMapping<Mapping>[]> {
  const groups = new Map<RecordType, IndexedMapping<Mapping>[]>();
  mappings.forEach((mapping, index) => {
    const field = (mapping as { wedsync_field?: unknown } | null)?.wedsync_field;
    const recordType = typeof field === 'string' ? recordTypeOfWedsyncField(field) : 'client';
    const group = groups.get(recordType) ?? [];
    group.push({ index, mapping });
    groups.set(recordType, group);
  });
  return groups;
}

function qualifyDefinitions(recordType: RecordType, fields: readonly FieldDefinition[]): FieldDefinition[] {
  return fields.map((field) => ({ ...field, name: qualifyWedsyncField(recordType, field.name) }));
}

/** WedSync fields of one record type, named as mappings name them (qualified for non-client records). */
export function qualifiedWedsyncFields(recordType: RecordType): FieldDefinition[] {
  return qualifyDefinitions(recordType, wedsyncFieldCatalog[recordType]);
}

/** A provider's CRM fields of one record type, named the picker way (qualified for non-client records). */
export function qualifiedCrmFields(provider: CrmProviderV1, recordType: RecordType): FieldDefinition[] {
  return qualifyDefinitions(recordType, provider.fieldCatalog[recordType] ?? []);
}

/** Record types the provider can read, in import order. */
export function readableRecordTypes(provider: CrmProviderV1): RecordType[] {
  return importOrder.filter((recordType) => provider.features[recordType]?.read === true);
}

/** The plan of a fresh job: the record types it reads or writes, in order, and why it leaves out the others. */
export interface RecordTypePlan {
  readonly plan: RecordType[];
  readonly skipped: Partial<Record<RecordType, SkippedTypeReason>>;
}

/**
 * Plans the record types of a fresh import or export. Each type of `recordTypes`, in that order, is skipped
 * `unsupported` when `supported` says no, else `excluded` when the integration's `excluded_record_types` names it,
 * else `no_mappings` when none of its mappings runs in `direction`; the others make the plan.
 */
export function planRecordTypes(options: {
  readonly recordTypes: readonly RecordType[];
  readonly direction: 'import' | 'export';
  /** Whether the job can handle the record type at all (the provider's features, the job's scope). */
  readonly supported: (recordType: RecordType) => boolean;
  readonly integration: CrmIntegration;
  readonly mappings: readonly CrmFieldMapping[];
}): RecordTypePlan {
  const { direction, supported } = options;
  const excluded = new Set(options.integration.sync_config.excluded_record_types);
  const groups = groupMappingsByRecordType(options.mappings);
  const plan: RecordType[] = [];
  const skipped: Partial<Record<RecordType, SkippedTypeReason>> = {};
  for (const recordType of options.recordTypes) {
    if (!supported(recordType)) skipped[recordType] = 'unsupported';
    else if (excluded.has(recordType)) skipped[recordType] = 'excluded';
    else if (!(groups.get(recordType) ?? []).some((entry) => mappingRunsIn(entry.mapping, direction))) {
      skipped[recordType] = 'no_mappings';
    } else plan.push(recordType);
  }
  return { plan, skipped };
}

/**
 * The mappings a new integration starts with: the provider's defaults for every record type it can read, with
 * each `wedsync_field` qualified by the convention above (already qualified ones are kept).
 * @throws InvalidArgumentError when the provider returns something that is not a valid mapping.
 */
export function providerDefaultMappings(provider: CrmProviderV1): CrmFieldMapping[] {
  const mappings: CrmFieldMapping[] = [];
  for (const recordType of readableRecordTypes(provider)) {
    const defaults = provider.defaultMappings(recordType);
    defaults.forEach((mapping, index) => {
      const parsed = CrmFieldMappingSchema.safeParse(mapping);
      if (!parsed.success) {
        throw new InvalidArgumentError(
          `Provider \`${provider.id}\` returned an invalid default mapping for \`${recordType}\` at index ${index}`,
          { context: { providerId: provider.id, recordType, index }, cause: parsed.error },
        );
      }
      mappings.push({
        ...parsed.data,
        wedsync_field: qualifyWedsyncField(recordType, parsed.data.wedsync_field),
      });
    });
  }
  return mappings;
}

/**
 * Validates a whole list of mappings (any record types, written with the convention above): each record type's
 * mappings against its WedSync fields and, when the provider lists any, its CRM fields. Returns every problem,
 * with `mapping_index` pointing into the given list; an empty array means the mappings are valid.
 */
export function validateMappingsByRecordType(
  mappings: readonly unknown[],
  provider: CrmProviderV1,
): FieldMappingError[] {
  const errors: FieldMappingError[] = [];
  for (const [recordType, group] of groupMappingsByRecordType(mappings)) {
    const crmFields = provider.fieldCatalog[recordType] ?? [];
    const rows = validateMappings(group.map((entry) => entry.mapping) as CrmFieldMappingInput[], {
      wedsyncFields: qualifiedWedsyncFields(recordType),
      ...(crmFields.length === 0 ? {} : { crmFields }),
    });
    for (const row of rows) {
      const original = row.mapping_index < 0 ? undefined : group[row.mapping_index];
      errors.push({ ...row, mapping_index: original === undefined ? -1 : original.index });
    }
  }
  // Per mapping in list order; rows that belong to no mapping (required fields left unmapped) last.
  const order = (row: FieldMappingError) =>
    row.mapping_index < 0 ? Number.POSITIVE_INFINITY : row.mapping_index;
  return errors.sort((left, right) => order(left) - order(right));
}
