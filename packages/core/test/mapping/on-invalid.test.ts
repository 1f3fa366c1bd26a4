import { describe, expect, it } from 'vitest';
import { compileMappings } from '../../src/mapping/index.js';

const phone = { wedsync_field: 'phone', crm_field: 'cellPhone', field_type: 'phone' } as const;
const name = {
  wedsync_field: 'first_name',
  crm_field: 'firstName',
  field_type: 'text',
  is_required: true,
} as const;
const record = { id: 'c1', firstName: 'Zoë', cellPhone: 'call after 6pm' };

describe('transform_rules.on_invalid', () => {
  it('rejects the record by default when an optional value is invalid', () => {
    const result = compileMappings([name, phone], { direction: 'import', defaultCountry: 'GB' })(record);
    expect(result.ok).toBe(false);
    expect(result.errors.map((error) => [error.field, error.code])).toEqual([['phone', 'invalid_phone']]);
  });

  it('skips the field and warns with skip_field, keeping the rest of the record', () => {
    const mapper = compileMappings([name, { ...phone, transform_rules: { on_invalid: 'skip_field' } }], {
      direction: 'import',
      defaultCountry: 'GB',
    });
    const result = mapper(record);
    expect(result).toMatchObject({ ok: true, value: { first_name: 'Zoë' }, errors: [] });
    expect(result.value).not.toHaveProperty('phone');
    expect(result.warnings).toEqual([
      expect.objectContaining({
        record_id: 'c1',
        field: 'phone',
        code: 'invalid_phone',
        value_kind: 'string',
      }),
    ]);
  });

  it('overrides optionalFieldErrors: warn with reject_record', () => {
    const mapper = compileMappings([name, { ...phone, transform_rules: { on_invalid: 'reject_record' } }], {
      direction: 'import',
      defaultCountry: 'GB',
      optionalFieldErrors: 'warn',
    });
    expect(mapper(record).ok).toBe(false);
  });

  it('never skips a required field', () => {
    const mapper = compileMappings([{ ...name, transform_rules: { on_invalid: 'skip_field' } }], {
      direction: 'import',
    });
    expect(mapper({ id: 'c2' })).toMatchObject({ ok: false, errors: [{ code: 'required_missing' }] });
  });
});
