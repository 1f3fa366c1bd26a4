import { z } from 'zod';
import { FieldTypeSchema, SyncDirectionSchema } from './enums.js';

/**
 * Transform rules of a mapping, as stored in `crm_field_mappings.transform_rules` (JSONB).
 * `{ steps: [...] }` applied in order; the rule grammar itself is validated by the mapping engine
 * (see `parseTransformRules` in `mapping/`), so this schema only requires a JSON object here.
 */
export const TransformRulesSchema = z.record(z.string(), z.unknown());
export type TransformRules = z.infer<typeof TransformRulesSchema>;

/** The spec's CRMFieldMapping: one WedSync field <-> one CRM field path. */
export const CrmFieldMappingSchema = z.object({
  wedsync_field: z.string().min(1),
  crm_field: z.string().min(1),
  field_type: FieldTypeSchema,
  transform_rules: TransformRulesSchema.default({}),
  sync_direction: SyncDirectionSchema.default('bidirectional'),
  is_required: z.boolean().default(false),
});
export type CrmFieldMapping = z.infer<typeof CrmFieldMappingSchema>;
export type CrmFieldMappingInput = z.input<typeof CrmFieldMappingSchema>;

/** The spec's FieldDefinition: a field a picker can offer (WedSync's or a CRM's). */
export const FieldDefinitionSchema = z.object({
  name: z.string().min(1),
  display_name: z.string(),
  field_type: z.string(),
  description: z.string(),
  is_required: z.boolean(),
  sample_values: z.array(z.string()).optional(),
});
export type FieldDefinition = z.infer<typeof FieldDefinitionSchema>;

/** The spec's FieldMappingError: one problem with one mapping, and how to fix it. */
export const FieldMappingErrorSchema = z.object({
  mapping_index: z.number().int(),
  field: z.string(),
  error: z.string(),
  suggested_fix: z.string().optional(),
});
export type FieldMappingError = z.infer<typeof FieldMappingErrorSchema>;

/** The spec's CRMProviderFieldMapping: a provider's suggestion for one standard field. */
export const CrmProviderFieldMappingSchema = z.object({
  standard_field: z.string(),
  provider_field: z.string(),
  field_type: z.string(),
  description: z.string(),
  is_required: z.boolean(),
  default_value: z.unknown().optional(),
});
export type CrmProviderFieldMapping = z.infer<typeof CrmProviderFieldMappingSchema>;
