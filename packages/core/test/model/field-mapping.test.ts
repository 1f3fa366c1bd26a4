import { describe, expect, it } from 'vitest';
import {
  CrmFieldMappingSchema,
  CrmProviderFieldMappingSchema,
  FieldDefinitionSchema,
  FieldMappingErrorSchema,
  TransformRulesSchema,
} from '../../src/model/field-mapping.js';

describe('CrmFieldMappingSchema', () => {
  it('fills defaults: no transform, bidirectional, not required', () => {
    expect(
      CrmFieldMappingSchema.parse({
        wedsync_field: 'first_name',
        crm_field: 'firstName',
        field_type: 'text',
      }),
    ).toEqual({
      wedsync_field: 'first_name',
      crm_field: 'firstName',
      field_type: 'text',
      transform_rules: {},
      sync_direction: 'bidirectional',
      is_required: false,
    });
  });

  it('keeps given values', () => {
    const mapping = {
      wedsync_field: 'partner.email',
      crm_field: 'contacts[1].email',
      field_type: 'email',
      transform_rules: { steps: [{ op: 'trim' }] },
      sync_direction: 'import_only',
      is_required: true,
    };
    expect(CrmFieldMappingSchema.parse(mapping)).toEqual(mapping);
  });

  it.each([
    ['wedsync_field', { wedsync_field: '' }],
    ['crm_field', { crm_field: '' }],
    ['field_type', { field_type: 'datetime' }],
    ['transform_rules', { transform_rules: ['trim'] }],
    ['sync_direction', { sync_direction: 'both' }],
    ['is_required', { is_required: 'yes' }],
  ])('rejects a bad %s', (path, patch) => {
    const result = CrmFieldMappingSchema.safeParse({
      wedsync_field: 'first_name',
      crm_field: 'firstName',
      field_type: 'text',
      ...patch,
    });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });

  it('takes any JSON object as transform rules', () => {
    expect(TransformRulesSchema.parse({ steps: [] })).toEqual({ steps: [] });
    expect(TransformRulesSchema.safeParse('trim').success).toBe(false);
  });
});

describe('FieldDefinitionSchema, FieldMappingErrorSchema, CrmProviderFieldMappingSchema', () => {
  it('parse the spec shapes', () => {
    const definition = {
      name: 'first_name',
      display_name: 'First name',
      field_type: 'text',
      description: 'Given name',
      is_required: true,
      sample_values: ['Emma'],
    };
    expect(FieldDefinitionSchema.parse(definition)).toEqual(definition);
    expect(FieldDefinitionSchema.safeParse({ ...definition, name: '' }).success).toBe(false);
    expect(FieldDefinitionSchema.safeParse({ ...definition, is_required: undefined }).success).toBe(false);

    const error = {
      mapping_index: 2,
      field: 'wedsync_field',
      error: 'Unknown field',
      suggested_fix: 'first_name',
    };
    expect(FieldMappingErrorSchema.parse(error)).toEqual(error);
    expect(FieldMappingErrorSchema.safeParse({ ...error, mapping_index: 1.5 }).success).toBe(false);

    const suggestion = {
      standard_field: 'email',
      provider_field: 'email',
      field_type: 'email',
      description: 'Primary email',
      is_required: false,
    };
    expect(CrmProviderFieldMappingSchema.parse(suggestion)).toEqual(suggestion);
    expect(CrmProviderFieldMappingSchema.parse({ ...suggestion, default_value: 0 }).default_value).toBe(0);
  });
});
