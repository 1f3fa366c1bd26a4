import { z } from 'zod';
import { AuthTypeSchema, CrmFeatureNameSchema, FeatureOperationSchema } from './enums.js';
import { CrmProviderFieldMappingSchema } from './field-mapping.js';

/** The spec's CRMFeature: what a provider can do with one kind of record. */
export const CrmFeatureSchema = z.object({
  feature: CrmFeatureNameSchema,
  supported_operations: z.array(FeatureOperationSchema),
  limitations: z.array(z.string()).optional(),
});
export type CrmFeature = z.infer<typeof CrmFeatureSchema>;

/** The spec's CRMProvider: the descriptor the providers endpoint lists. */
export const CrmProviderDescriptorSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  logo_url: z.string(),
  auth_type: AuthTypeSchema,
  auth_url: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  supported_features: z.array(CrmFeatureSchema),
  rate_limits: z.object({
    requests_per_minute: z.number().int().positive(),
    requests_per_hour: z.number().int().positive(),
  }),
  field_mappings: z.array(CrmProviderFieldMappingSchema),
});
export type CrmProviderDescriptor = z.infer<typeof CrmProviderDescriptorSchema>;
