import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors/index.js';
import { fieldTypeCompatibility, mappingRunsIn, validateMappings } from '../../src/mapping/index.js';
import type { CrmFieldMappingInput, FieldDefinition } from '../../src/model/field-mapping.js';

function field(name: string, fieldType: string, isRequired = false): FieldDefinition {
  return {
    name,
    display_name: name,
    field_type: fieldType,
    description: `The ${name}`,
    is_required: isRequired,
  };
}

const wedsyncFields: FieldDefinition[] = [
  field('first_name', 'text', true),
  field('last_name', 'text'),
  field('email', 'email'),
  field('phone', 'phone'),
  field('wedding_date', 'date'),
  field('guest_count', 'number'),
  field('marketing_opt_in', 'boolean'),
  field('tags', 'array'),
  field('address.city', 'text'),
  field('budget.amount_minor', 'number'),
  field('custom_fields', 'json'),
  field('status.stage', 'stage'),
];

const crmFields: FieldDefinition[] = [
  field('firstName', 'string', true),
  field('lastName', 'string', true),
  field('email', 'string'),
  field('cellPhone', 'phone'),
  field('eventDate', 'date'),
  field('customFields', 'array'),
  field('address', 'object'),
];

const valid: CrmFieldMappingInput[] = [
  { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text' },
  { wedsync_field: 'last_name', crm_field: 'lastName', field_type: 'text' },
  { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
  {
    wedsync_field: 'custom_fields.venue.value',
    crm_field: 'customFields[fieldId=01abc].value',
    field_type: 'text',
  },
  { wedsync_field: 'status.stage', crm_field: 'address.status', field_type: 'text' },
];

describe('validateMappings', () => {
  it('returns no rows for valid mappings, sub-paths of json fields included', () => {
    expect(validateMappings(valid, { wedsyncFields, crmFields })).toEqual([]);
  });

  it('reports an unknown WedSync field with the closest known name', () => {
    expect(
      validateMappings(
        [...valid, { wedsync_field: 'weding_date', crm_field: 'eventDate', field_type: 'date' }],
        {
          wedsyncFields,
        },
      ),
    ).toEqual([
      {
        mapping_index: 5,
        field: 'weding_date',
        error: 'Unknown WedSync field `weding_date`',
        suggested_fix: 'Did you mean `wedding_date`?',
      },
    ]);
  });

  it('reports unknown CRM fields, including those a template reads', () => {
    expect(
      validateMappings(
        [
          ...valid,
          {
            wedsync_field: 'last_name',
            crm_field: 'lastNme',
            field_type: 'text',
            sync_direction: 'export_only',
          },
          {
            wedsync_field: 'address.city',
            crm_field: 'firstName',
            field_type: 'text',
            sync_direction: 'import_only',
            transform_rules: { steps: [{ type: 'template', template: '{firstName} {lastNam}' }] },
          },
        ],
        { wedsyncFields, crmFields },
      ),
    ).toEqual([
      {
        mapping_index: 5,
        field: 'lastNme',
        error: 'Unknown CRM field `lastNme`',
        suggested_fix: 'Did you mean `lastName`?',
      },
      {
        mapping_index: 6,
        field: 'firstName',
        error: 'Unknown CRM field `lastNam` in `steps[0]`',
        suggested_fix: 'Did you mean `lastName`?',
      },
    ]);
  });

  it('reports a field type that does not fit the WedSync field', () => {
    expect(
      validateMappings([{ wedsync_field: 'wedding_date', crm_field: 'email', field_type: 'email' }], {
        wedsyncFields: wedsyncFields.filter((definition) => !definition.is_required),
      }),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'wedding_date',
        error: 'Field type `email` does not fit WedSync field `wedding_date` of type `date`',
        suggested_fix: 'Set field_type to `date`',
      },
    ]);
    expect(
      validateMappings([{ wedsync_field: 'email', crm_field: 'email', field_type: 'text' }], {
        wedsyncFields: [field('email', 'email')],
      }),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'email',
        error: 'Field type `text` does not fit WedSync field `email` of type `email`',
        suggested_fix: 'Set field_type to `email`',
      },
    ]);
  });

  it('lets compatible types through and leaves unknown WedSync types unchecked', () => {
    expect(fieldTypeCompatibility.text).toEqual(['text', 'email', 'phone', 'date']);
    expect(
      validateMappings(
        [
          { wedsync_field: 'last_name', crm_field: 'email', field_type: 'email' },
          { wedsync_field: 'status.stage', crm_field: 'x', field_type: 'number' },
          { wedsync_field: 'custom_fields', crm_field: 'customFields', field_type: 'array' },
        ],
        { wedsyncFields: wedsyncFields.filter((definition) => !definition.is_required) },
      ),
    ).toEqual([]);
  });

  it('reports two mappings writing one target in the same direction', () => {
    const mappings: CrmFieldMappingInput[] = [
      ...valid,
      {
        wedsync_field: 'email',
        crm_field: 'secondaryEmail',
        field_type: 'email',
        sync_direction: 'import_only',
      },
      { wedsync_field: 'phone', crm_field: 'email', field_type: 'phone', sync_direction: 'export_only' },
      { wedsync_field: 'phone', crm_field: 'cellPhone', field_type: 'phone', sync_direction: 'import_only' },
      {
        wedsync_field: 'address.city',
        crm_field: 'address',
        field_type: 'text',
        sync_direction: 'export_only',
      },
      {
        wedsync_field: 'address.city',
        crm_field: 'address.city',
        field_type: 'text',
        sync_direction: 'export_only',
      },
    ];
    expect(validateMappings(mappings, { wedsyncFields })).toEqual([
      {
        mapping_index: 5,
        field: 'email',
        error: 'WedSync field `email` is already imported by mapping 2',
        suggested_fix: 'Keep one import mapping for `email`, or make this one export_only',
      },
      {
        mapping_index: 6,
        field: 'email',
        error: 'CRM field `email` is already exported by mapping 2',
        suggested_fix: 'Keep one export mapping for `email`, or make this one import_only',
      },
      {
        mapping_index: 8,
        field: 'address',
        error: 'CRM field `address` overlaps `address.status` of mapping 4 on export',
        suggested_fix: 'Export either the whole object or its fields, not both',
      },
      {
        mapping_index: 9,
        field: 'address.city',
        error: 'CRM field `address.city` overlaps `address` of mapping 8 on export',
        suggested_fix: 'Export either the whole object or its fields, not both',
      },
    ]);
  });

  it('reports a WedSync target inside another one on import', () => {
    expect(
      validateMappings(
        [
          {
            wedsync_field: 'custom_fields',
            crm_field: 'customFields',
            field_type: 'json',
            sync_direction: 'import_only',
          },
          { wedsync_field: 'custom_fields[key=venue].value', crm_field: 'venue', field_type: 'text' },
        ],
        { wedsyncFields: [field('custom_fields', 'json')] },
      ),
    ).toEqual([
      {
        mapping_index: 1,
        field: 'custom_fields[key=venue].value',
        error:
          'WedSync field `custom_fields[key=venue].value` overlaps `custom_fields` of mapping 0 on import',
        suggested_fix: 'Import either the whole object or its fields, not both',
      },
    ]);
  });

  it('reports required fields left unmapped, per direction', () => {
    const onlyLastName: CrmFieldMappingInput[] = [
      { wedsync_field: 'last_name', crm_field: 'lastName', field_type: 'text' },
    ];
    expect(validateMappings(onlyLastName, { wedsyncFields, crmFields })).toEqual([
      {
        mapping_index: -1,
        field: 'first_name',
        error: 'Required WedSync field `first_name` has no import mapping',
        suggested_fix: 'Add a mapping that imports `first_name`',
      },
      {
        mapping_index: -1,
        field: 'firstName',
        error: 'Required CRM field `firstName` has no export mapping',
        suggested_fix: 'Add a mapping that exports `firstName`',
      },
    ]);
    const exportOnly: CrmFieldMappingInput[] = [
      {
        wedsync_field: 'last_name',
        crm_field: 'lastName',
        field_type: 'text',
        sync_direction: 'export_only',
      },
      {
        wedsync_field: 'first_name',
        crm_field: 'firstName',
        field_type: 'text',
        sync_direction: 'export_only',
      },
    ];
    expect(validateMappings(exportOnly, { wedsyncFields, crmFields })).toEqual([]);
    expect(validateMappings([], { wedsyncFields, crmFields })).toEqual([]);
  });

  it('reports transform rules that do not parse, with the path made readable', () => {
    expect(
      validateMappings(
        [
          ...valid,
          {
            wedsync_field: 'tags',
            crm_field: 'tags',
            field_type: 'array',
            transform_rules: { steps: [{ type: 'trim' }, { type: 'split', seperator: ',' }] },
          },
          {
            wedsync_field: 'guest_count',
            crm_field: 'guests',
            field_type: 'number',
            transform_rules: { steps: [{ type: 'regex_replace', pattern: '(\\d+)+', replacement: '$1' }] },
          },
        ],
        { wedsyncFields },
      ),
    ).toEqual([
      {
        mapping_index: 5,
        field: 'tags',
        error:
          'Invalid transform rule at `steps[1].separator`: Invalid input: expected string, received undefined',
      },
      {
        mapping_index: 5,
        field: 'tags',
        error: 'Invalid transform rule at `steps[1]`: Unknown key `seperator`',
        suggested_fix: 'Did you mean `separator`?',
      },
      {
        mapping_index: 6,
        field: 'guest_count',
        error:
          'Invalid transform rule at `steps[0].pattern`: Regular expression refused: a quantified group contains another quantifier or an alternation',
        suggested_fix: 'Rewrite without nested repetition, e.g. `(a+)+` as `a+` and `(a|b)+` as `[ab]+`',
      },
    ]);
  });

  it('reports invalid path syntax on either side', () => {
    expect(
      validateMappings(
        [
          { wedsync_field: 'partner..email', crm_field: 'email', field_type: 'email' },
          { wedsync_field: 'first_name', crm_field: '__proto__.polluted', field_type: 'text' },
        ],
        { wedsyncFields },
      ),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'partner..email',
        error: 'Invalid WedSync field path `partner..email`: empty segment at position 8',
        suggested_fix:
          'Write a path as names joined by dots, with indexes (`jobs.0.date`) or selectors (`customFields[fieldId=abc].value`)',
      },
      {
        mapping_index: 1,
        field: '__proto__.polluted',
        error:
          'Invalid CRM field path `__proto__.polluted`: segment `__proto__` is not allowed at position 0',
        suggested_fix: 'Rename the field: `__proto__`, `constructor` and `prototype` are reserved',
      },
    ]);
  });

  it('reports steps that cannot be reversed in a mapping that exports', () => {
    expect(
      validateMappings(
        [
          {
            wedsync_field: 'last_name',
            crm_field: 'name',
            field_type: 'text',
            transform_rules: { steps: [{ type: 'split', separator: ' ', index: -1 }] },
          },
        ],
        { wedsyncFields: [field('last_name', 'text')] },
      ),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'last_name',
        error: 'Step `split` at `steps[0]` cannot be reversed, so this mapping cannot export',
        suggested_fix: 'Set sync_direction to `import_only`',
      },
    ]);
  });

  it('reports a step whose output does not fit the field type', () => {
    expect(
      validateMappings(
        [
          {
            wedsync_field: 'budget.amount_minor',
            crm_field: 'budget',
            field_type: 'text',
            transform_rules: { steps: [{ type: 'money', currency: 'GBP' }] },
          },
        ],
        { wedsyncFields: [field('budget.amount_minor', 'text')] },
      ),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'budget.amount_minor',
        error: 'Step `money` at `steps[0]` yields a number but field_type is `text`',
        suggested_fix: 'Set field_type to `number`',
      },
    ]);
  });

  it('reports bad date settings in the rules', () => {
    expect(
      validateMappings(
        [
          {
            wedsync_field: 'wedding_date',
            crm_field: 'date',
            field_type: 'date',
            transform_rules: { date_input_formats: ['MMM d'], date_output_format: 'yyyy' },
          },
          {
            wedsync_field: 'inquiry_date',
            crm_field: 'inquiry',
            field_type: 'date',
            transform_rules: {
              date_output_format: 'dd/MM/yyyy',
              steps: [{ type: 'date_format', input: ['d.M.yyyy'] }],
            },
          },
        ],
        { wedsyncFields: [field('wedding_date', 'date'), field('inquiry_date', 'date')] },
      ),
    ).toEqual([
      {
        mapping_index: 0,
        field: 'wedding_date',
        error:
          'Invalid transform rule at `date_input_formats[0]`: Invalid date pattern `MMM d`: the pattern must contain a year, a month and a day',
        suggested_fix: 'Use date-fns tokens with a year, a month and a day, such as `dd/MM/yyyy`',
      },
      {
        mapping_index: 0,
        field: 'wedding_date',
        error:
          'Invalid transform rule at `date_output_format`: Invalid date pattern `yyyy`: the pattern must contain a year, a month and a day',
        suggested_fix: 'Use date-fns tokens with a year, a month and a day, such as `dd/MM/yyyy`',
      },
      {
        mapping_index: 1,
        field: 'inquiry_date',
        error:
          'Invalid transform rule at `date_output_format`: a `date_format` step already decides the exported pattern',
        suggested_fix: "Remove `date_output_format`; export writes the step's first `input` pattern",
      },
    ]);
  });

  it('reports mappings that do not match the CrmFieldMapping shape', () => {
    expect(
      validateMappings(
        [
          'first_name',
          { wedsync_field: 'email', field_type: 'email' },
          { wedsync_field: 'phone', crm_field: 'cell', field_type: 'phone', sync_direction: 'both' },
        ] as unknown as CrmFieldMappingInput[],
        { wedsyncFields },
      ),
    ).toEqual([
      {
        mapping_index: 0,
        field: '',
        error: 'Invalid mapping: Invalid input: expected object, received string',
      },
      {
        mapping_index: 1,
        field: 'email',
        error: 'Invalid mapping at `crm_field`: Invalid input: expected string, received undefined',
      },
      {
        mapping_index: 2,
        field: 'phone',
        error:
          'Invalid mapping at `sync_direction`: Invalid option: expected one of "import_only"|"export_only"|"bidirectional"',
        suggested_fix: 'Use one of `import_only`, `export_only`, `bidirectional`',
      },
    ]);
  });

  it('refuses options that are not field definitions', () => {
    expect(() => validateMappings([], {} as never)).toThrow(InvalidArgumentError);
    expect(() => validateMappings([], { wedsyncFields: [], crmFields: 'x' as never })).toThrow(
      'Expected `options.crmFields` to be an array of field definitions',
    );
    expect(() => validateMappings('x' as never, { wedsyncFields: [] })).toThrow(
      'Expected `mappings` to be an array, got string',
    );
  });

  it('knows which directions a mapping runs in', () => {
    expect(mappingRunsIn({ sync_direction: 'bidirectional' }, 'export')).toBe(true);
    expect(mappingRunsIn({ sync_direction: 'import_only' }, 'export')).toBe(false);
    expect(mappingRunsIn({ sync_direction: 'export_only' }, 'export')).toBe(true);
  });
});
