import { describe, expect, it } from 'vitest';
import { CrmFeatureSchema, CrmProviderDescriptorSchema } from '../../src/model/provider.js';

const descriptor = {
  id: 'tave',
  name: 'Tave',
  description: 'Studio management for photographers',
  logo_url: '/logos/tave.svg',
  auth_type: 'api_key',
  supported_features: [
    { feature: 'clients', supported_operations: ['read'], limitations: ['No modified-since filter'] },
    { feature: 'projects', supported_operations: ['read', 'write'] },
  ],
  rate_limits: { requests_per_minute: 60, requests_per_hour: 1000 },
  field_mappings: [
    {
      standard_field: 'email',
      provider_field: 'email',
      field_type: 'email',
      description: 'Primary email',
      is_required: false,
    },
  ],
};

describe('CrmProviderDescriptorSchema', () => {
  it('parses a provider descriptor', () => {
    expect(CrmProviderDescriptorSchema.parse(descriptor)).toEqual(descriptor);
    const oauth = {
      ...descriptor,
      auth_type: 'oauth2',
      auth_url: 'https://example.com/oauth',
      scopes: ['read'],
    };
    expect(CrmProviderDescriptorSchema.parse(oauth)).toEqual(oauth);
  });

  it.each([
    ['auth_type', { auth_type: 'password' }],
    ['rate_limits.requests_per_minute', { rate_limits: { requests_per_minute: 0, requests_per_hour: 1 } }],
    ['rate_limits.requests_per_hour', { rate_limits: { requests_per_minute: 1, requests_per_hour: 1.5 } }],
    [
      'supported_features.0.feature',
      { supported_features: [{ feature: 'contacts', supported_operations: [] }] },
    ],
  ])('rejects a bad %s', (path, patch) => {
    const result = CrmProviderDescriptorSchema.safeParse({ ...descriptor, ...patch });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual([path]);
  });

  it('checks feature operations', () => {
    expect(CrmFeatureSchema.safeParse({ feature: 'clients', supported_operations: ['sync'] }).success).toBe(
      false,
    );
  });
});
