import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, MappingError } from '../../src/errors/index.js';
import {
  type CompileMappingsOptions,
  compileMappings,
  type FieldValueError,
} from '../../src/mapping/index.js';
import type { CrmFieldMappingInput } from '../../src/model/field-mapping.js';

/** A Tave contact with its job folded in, as a provider would hand it to the mapper. */
const taveContact = {
  id: '01hx4m7k2q8r9s0t1v2w3x4y5z',
  firstName: '  José ',
  lastName: "O'Brien",
  email: ' Jose.OBrien@Example.com ',
  cellPhone: {
    id: '01p',
    formatted: '07700 900123',
    e164: '+447700900123',
    extension: null,
    telUri: 'tel:+447700900123',
  },
  homePhone: { formatted: 'ask reception', e164: null },
  privacyOptIn: 'Yes',
  birthdate: null,
  customFields: [
    { fieldId: '01abc', value: 'The Barn at Upwaltham' },
    { fieldId: '01def', value: '120' },
  ],
  job: {
    eventDate: '12/06/2026',
    stage: 'Lead',
    leadMaxBudget: '£1,250.50',
    tags: 'barn; summer; outdoor',
    leadSourceName: 'Instagram',
  },
};

const clientMappings: CrmFieldMappingInput[] = [
  { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
  { wedsync_field: 'last_name', crm_field: 'lastName', field_type: 'text' },
  {
    wedsync_field: 'full_name',
    crm_field: 'firstName',
    field_type: 'text',
    sync_direction: 'import_only',
    transform_rules: { steps: [{ type: 'template', template: '{firstName} {lastName}' }] },
  },
  { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
  { wedsync_field: 'phone', crm_field: 'cellPhone', field_type: 'phone', sync_direction: 'import_only' },
  {
    wedsync_field: 'secondary_phone',
    crm_field: 'homePhone',
    field_type: 'phone',
    sync_direction: 'import_only',
  },
  { wedsync_field: 'marketing_opt_in', crm_field: 'privacyOptIn', field_type: 'boolean' },
  { wedsync_field: 'birthdate', crm_field: 'birthdate', field_type: 'date' },
  { wedsync_field: 'wedding_date', crm_field: 'job.eventDate', field_type: 'date' },
  {
    wedsync_field: 'status.stage',
    crm_field: 'job.stage',
    field_type: 'text',
    transform_rules: {
      steps: [{ type: 'map', values: { Lead: 'inquiry', Booked: 'booked', Completed: 'completed' } }],
    },
  },
  { wedsync_field: 'status.raw', crm_field: 'job.stage', field_type: 'text', sync_direction: 'import_only' },
  {
    wedsync_field: 'budget.amount_minor',
    crm_field: 'job.leadMaxBudget',
    field_type: 'number',
    transform_rules: { steps: [{ type: 'money', export_as: 'decimal_string' }] },
  },
  {
    wedsync_field: 'budget.currency',
    crm_field: 'job.currency',
    field_type: 'text',
    sync_direction: 'import_only',
    transform_rules: { steps: [{ type: 'default', value: 'GBP' }] },
  },
  { wedsync_field: 'venue_name', crm_field: 'customFields[fieldId=01abc].value', field_type: 'text' },
  { wedsync_field: 'guest_count', crm_field: 'customFields[fieldId=01def].value', field_type: 'number' },
  {
    wedsync_field: 'tags',
    crm_field: 'job.tags',
    field_type: 'array',
    transform_rules: { steps: [{ type: 'split', separator: ';' }] },
  },
  {
    wedsync_field: 'lead_source',
    crm_field: 'job.leadSourceName',
    field_type: 'text',
    sync_direction: 'export_only',
  },
];

const importOptions: CompileMappingsOptions = {
  direction: 'import',
  defaultCountry: 'GB',
  dateOrder: 'day_first',
  currency: 'GBP',
  optionalFieldErrors: 'warn',
};

describe('compileMappings for import', () => {
  it('maps a Tave contact into a WedSync client', () => {
    const mapClient = compileMappings(clientMappings, importOptions);
    const result = mapClient(taveContact);
    expect(result.value).toEqual({
      first_name: 'José',
      last_name: "O'Brien",
      full_name: "José O'Brien",
      email: 'Jose.OBrien@Example.com',
      phone: '+447700900123',
      marketing_opt_in: true,
      wedding_date: '2026-06-12',
      status: { stage: 'inquiry', raw: 'Lead' },
      budget: { amount_minor: 125050, currency: 'GBP' },
      venue_name: 'The Barn at Upwaltham',
      guest_count: 120,
      tags: ['barn', 'summer', 'outdoor'],
    });
    expect(result.ok).toBe(true);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([
      {
        record_id: '01hx4m7k2q8r9s0t1v2w3x4y5z',
        field: 'secondary_phone',
        crm_field: 'homePhone',
        value_kind: 'object',
        reason: 'Not a phone number',
        code: 'invalid_phone',
      },
    ]);
  });

  it('fails the record on a bad optional value by default, and still maps the other fields', () => {
    const mapClient = compileMappings(clientMappings, { ...importOptions, optionalFieldErrors: undefined });
    const result = mapClient(taveContact);
    expect(result.ok).toBe(false);
    expect(result.errors.map((error) => error.code)).toEqual(['invalid_phone']);
    expect(result.warnings).toEqual([]);
    expect(result.value.first_name).toBe('José');
    expect(result.value.secondary_phone).toBeUndefined();
  });

  it('reports values of the wrong type per field, never the value itself', () => {
    const mapClient = compileMappings(clientMappings, {
      ...importOptions,
      optionalFieldErrors: 'fail_record',
    });
    const hostile = {
      id: 42,
      firstName: { first: 'Zoë' },
      lastName: 'Kim',
      email: 'zoe.kim@example',
      cellPhone: ['+447700900123'],
      privacyOptIn: 'perhaps',
      birthdate: ['1990-01-01'],
      customFields: [{ fieldId: '01def', value: Number.NaN }],
      job: {
        eventDate: '31/02/2026',
        stage: 'Cancelled',
        leadMaxBudget: Number.POSITIVE_INFINITY,
        tags: { a: 1 },
      },
    };
    const result = mapClient(hostile);
    const expected: FieldValueError[] = [
      {
        record_id: '42',
        field: 'first_name',
        crm_field: 'firstName',
        value_kind: 'object',
        reason: 'Expected text, got object',
        code: 'type_mismatch',
      },
      {
        record_id: '42',
        field: 'full_name',
        crm_field: 'firstName',
        value_kind: 'object',
        reason: 'Expected text or a number in `firstName`, got object (steps[0])',
        code: 'type_mismatch',
      },
      {
        record_id: '42',
        field: 'email',
        crm_field: 'email',
        value_kind: 'string',
        reason: 'Not a valid email address',
        code: 'invalid_email',
      },
      {
        record_id: '42',
        field: 'phone',
        crm_field: 'cellPhone',
        value_kind: 'array',
        reason: 'Expected a phone number as text or an object with e164, formatted or number, got array',
        code: 'type_mismatch',
      },
      {
        record_id: '42',
        field: 'marketing_opt_in',
        crm_field: 'privacyOptIn',
        value_kind: 'string',
        reason: 'Not a yes/no value (yes/no, y/n, true/false, 1/0, on/off, checked/unchecked)',
        code: 'invalid_boolean',
      },
      {
        record_id: '42',
        field: 'birthdate',
        crm_field: 'birthdate',
        value_kind: 'array',
        reason: 'Expected a date as text, got array',
        code: 'type_mismatch',
      },
      {
        record_id: '42',
        field: 'wedding_date',
        crm_field: 'job.eventDate',
        value_kind: 'string',
        reason: 'Not a real calendar date: the day is out of range for the month',
        code: 'invalid_date',
      },
      {
        record_id: '42',
        field: 'status.stage',
        crm_field: 'job.stage',
        value_kind: 'string',
        reason: 'The value is not one of the mapped values (Lead, Booked, Completed) (steps[0])',
        code: 'unmapped_value',
      },
      {
        record_id: '42',
        field: 'budget.amount_minor',
        crm_field: 'job.leadMaxBudget',
        value_kind: 'number',
        reason: 'The amount is not a finite number (steps[0])',
        code: 'invalid_money',
      },
      {
        record_id: '42',
        field: 'guest_count',
        crm_field: 'customFields[fieldId=01def].value',
        value_kind: 'number',
        reason: 'Not a finite number',
        code: 'invalid_number',
      },
      {
        record_id: '42',
        field: 'tags',
        crm_field: 'job.tags',
        value_kind: 'object',
        reason: 'Expected text to split, got object (steps[0])',
        code: 'type_mismatch',
      },
    ];
    expect(result).toEqual({
      ok: false,
      value: { last_name: 'Kim', status: { raw: 'Cancelled' }, budget: { currency: 'GBP' } },
      errors: expected,
      warnings: [],
    });
    const text = JSON.stringify(result.errors);
    for (const secret of ['Zoë', 'zoe.kim', '7700', '1990', 'perhaps', 'Cancelled', '31/02']) {
      expect(text).not.toContain(secret);
    }
  });

  it('makes a record with a missing required field invalid, and skips absent optional fields', () => {
    const mapClient = compileMappings(clientMappings, importOptions);
    for (const firstName of [undefined, null, '', '   ']) {
      const result = mapClient(
        { id: 'c1', firstName, lastName: 'Smith', email: null, job: { stage: '' } },
        { recordId: 'row-7' },
      );
      expect(result).toEqual({
        ok: false,
        value: { last_name: 'Smith', full_name: 'Smith', budget: { currency: 'GBP' } },
        errors: [
          {
            record_id: 'row-7',
            field: 'first_name',
            crm_field: 'firstName',
            value_kind: firstName === null ? 'null' : typeof firstName,
            reason: 'A required field has no value',
            code: 'required_missing',
          },
        ],
        warnings: [],
      });
    }
  });

  it('reports a record that is not an object', () => {
    const mapClient = compileMappings(clientMappings, importOptions);
    for (const record of [null, 'text', [taveContact]]) {
      const result = mapClient(record);
      expect(result).toEqual({
        ok: false,
        value: {},
        errors: [
          {
            record_id: null,
            field: '',
            crm_field: '',
            value_kind: record === null ? 'null' : Array.isArray(record) ? 'array' : 'string',
            reason: 'The record is not an object',
            code: 'invalid_record',
          },
        ],
        warnings: [],
      });
    }
  });

  it('reads the record id from recordIdField', () => {
    const mapper = compileMappings([{ wedsync_field: 'email', crm_field: 'email', field_type: 'email' }], {
      direction: 'import',
      recordIdField: 'meta.externalId',
    });
    expect(mapper({ meta: { externalId: 'hb-991' }, email: 'nope' }).errors[0]?.record_id).toBe('hb-991');
    expect(mapper({ email: 'nope' }).errors[0]?.record_id).toBeNull();
  });

  it('uses only import_only and bidirectional mappings on import', () => {
    const mapper = compileMappings(
      [
        { wedsync_field: 'a', crm_field: 'x', field_type: 'text', sync_direction: 'import_only' },
        { wedsync_field: 'b', crm_field: 'y', field_type: 'text', sync_direction: 'export_only' },
        { wedsync_field: 'c', crm_field: 'z', field_type: 'text' },
      ],
      { direction: 'import' },
    );
    expect(mapper({ x: '1', y: '2', z: '3' }).value).toEqual({ a: '1', c: '3' });
  });

  it('builds arrays from indexed targets and reports a path conflict between targets', () => {
    const mapper = compileMappings(
      [
        { wedsync_field: 'other_contacts.0.first_name', crm_field: 'planner.first', field_type: 'text' },
        { wedsync_field: 'other_contacts.0.role', crm_field: 'planner.role', field_type: 'text' },
        { wedsync_field: 'other_contacts.name', crm_field: 'planner.name', field_type: 'text' },
      ],
      { direction: 'import' },
    );
    const result = mapper({ id: 'x', planner: { first: 'Ana', role: 'planner', name: 'Ana Lopes' } });
    expect(result.value).toEqual({ other_contacts: [{ first_name: 'Ana', role: 'planner' }] });
    expect(result.errors).toEqual([
      {
        record_id: 'x',
        field: 'other_contacts.name',
        crm_field: 'planner.name',
        value_kind: 'string',
        reason: 'Cannot set the field: `other_contacts` already holds a value that is not an object or list',
        code: 'path_conflict',
      },
    ]);
  });

  it('compiles once: later changes to the mapping objects do not affect the compiled mapper', () => {
    const step = { type: 'regex_replace', pattern: '\\s+', replacement: ' ' };
    const mapping = {
      wedsync_field: 'notes',
      crm_field: 'leadNotes',
      field_type: 'text' as const,
      transform_rules: { steps: [step] },
    };
    const mapper = compileMappings([mapping], { direction: 'import' });
    mapping.crm_field = 'other';
    step.pattern = 'x';
    expect(mapper({ leadNotes: 'first  dance\n\tat 7' }).value).toEqual({ notes: 'first dance at 7' });
  });

  it('maps 10,000 records with one compiled mapper', () => {
    const mapClient = compileMappings(clientMappings, importOptions);
    const stages = ['Lead', 'Booked', 'Completed'] as const;
    const expectedStage = { Lead: 'inquiry', Booked: 'booked', Completed: 'completed' } as const;
    const grouping = new Intl.NumberFormat('en-GB');
    let checked = 0;
    for (let index = 0; index < 10_000; index += 1) {
      const day = (index % 28) + 1;
      const month = (index % 12) + 1;
      const stage = stages[index % 3] as (typeof stages)[number];
      const result = mapClient({
        id: `c${index}`,
        firstName: `Guest${index}`,
        lastName: index % 7 === 0 ? null : 'Smith',
        email: `guest${index}@example.com`,
        cellPhone: `07700 9${String(index % 100_000).padStart(5, '0')}`,
        privacyOptIn: index % 2 === 0 ? 'yes' : 'no',
        customFields: [{ fieldId: '01def', value: String(index % 300) }],
        job: {
          eventDate: `${day}/${month}/2027`,
          stage,
          leadMaxBudget: `£${grouping.format(index * 1000 + (index % 1000))}.${String(index % 100).padStart(2, '0')}`,
        },
      });
      expect(result.ok).toBe(true);
      expect(result.value).toEqual({
        first_name: `Guest${index}`,
        ...(index % 7 === 0 ? {} : { last_name: 'Smith' }),
        full_name: index % 7 === 0 ? `Guest${index}` : `Guest${index} Smith`,
        email: `guest${index}@example.com`,
        phone: `+4477009${String(index % 100_000).padStart(5, '0')}`,
        marketing_opt_in: index % 2 === 0,
        wedding_date: `2027-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
        status: { stage: expectedStage[stage], raw: stage },
        budget: { amount_minor: (index * 1000 + (index % 1000)) * 100 + (index % 100), currency: 'GBP' },
        guest_count: index % 300,
      });
      checked += 1;
    }
    expect(checked).toBe(10_000);
  });
});

describe('compileMappings for export', () => {
  /** A CRM record already in the shape and formats the CRM writes. */
  const crmRecord = {
    id: 'hb-1',
    first: 'Zoë',
    last: 'Nguyễn',
    email: 'Zoe.Nguyen@Example.com',
    mobile: '07700 900123',
    optIn: 'Yes',
    weddingDate: '12/06/2026',
    startTime: '2:30 PM',
    status: 'Booked',
    budget: '1250.50',
    tags: 'barn, summer',
    customFields: [
      { fieldId: '01abc', value: 'The Barn' },
      { fieldId: '01def', value: '120' },
    ],
  };
  const roundTripMappings: CrmFieldMappingInput[] = [
    { wedsync_field: 'first_name', crm_field: 'first', field_type: 'text' },
    { wedsync_field: 'last_name', crm_field: 'last', field_type: 'text' },
    { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
    {
      wedsync_field: 'phone',
      crm_field: 'mobile',
      field_type: 'phone',
      transform_rules: { phone_format: 'national' },
    },
    {
      wedsync_field: 'marketing_opt_in',
      crm_field: 'optIn',
      field_type: 'boolean',
      transform_rules: { steps: [{ type: 'map', values: { Yes: true, No: false } }] },
    },
    {
      wedsync_field: 'wedding_date',
      crm_field: 'weddingDate',
      field_type: 'date',
      transform_rules: { date_order: 'day_first', date_output_format: 'dd/MM/yyyy' },
    },
    {
      wedsync_field: 'start_time',
      crm_field: 'startTime',
      field_type: 'text',
      transform_rules: { steps: [{ type: 'date_format', input: ['h:mm a'], output: 'HH:mm' }] },
    },
    {
      wedsync_field: 'status.stage',
      crm_field: 'status',
      field_type: 'text',
      transform_rules: { steps: [{ type: 'map', values: { Inquiry: 'inquiry', Booked: 'booked' } }] },
    },
    {
      wedsync_field: 'budget',
      crm_field: 'budget',
      field_type: 'json',
      transform_rules: {
        steps: [{ type: 'money', currency: 'USD', output: 'money', export_as: 'decimal_string' }],
      },
    },
    {
      wedsync_field: 'tags',
      crm_field: 'tags',
      field_type: 'array',
      transform_rules: { steps: [{ type: 'trim' }, { type: 'split', separator: ', ' }] },
    },
    {
      wedsync_field: 'custom_fields.venue.value',
      crm_field: 'customFields[fieldId=01abc].value',
      field_type: 'text',
    },
    { wedsync_field: 'guest_count', crm_field: 'customFields[fieldId=01def].value', field_type: 'text' },
  ];

  it('gives the original CRM shape back after an import (round trip)', () => {
    const importer = compileMappings(roundTripMappings, { direction: 'import', defaultCountry: 'GB' });
    const exporter = compileMappings(roundTripMappings, { direction: 'export', defaultCountry: 'GB' });
    const imported = importer(crmRecord);
    expect(imported.errors).toEqual([]);
    expect(imported.value).toEqual({
      first_name: 'Zoë',
      last_name: 'Nguyễn',
      email: 'Zoe.Nguyen@Example.com',
      phone: '+447700900123',
      marketing_opt_in: true,
      wedding_date: '2026-06-12',
      start_time: '14:30',
      status: { stage: 'booked' },
      budget: { amount_minor: 125050, currency: 'USD' },
      tags: ['barn', 'summer'],
      custom_fields: { venue: { value: 'The Barn' } },
      guest_count: '120',
    });
    const exported = exporter({ id: 'ws-1', ...imported.value });
    expect(exported).toEqual({
      ok: true,
      value: (({ id: _id, ...rest }) => rest)(crmRecord),
      errors: [],
      warnings: [],
    });
  });

  it('uses only export_only and bidirectional mappings, in the configured formats', () => {
    const exporter = compileMappings(
      clientMappings.filter((mapping) => mapping.sync_direction !== 'import_only'),
      {
        direction: 'export',
        dateOutputFormat: 'yyyy-MM-dd',
        currency: 'GBP',
      },
    );
    const result = exporter({
      id: 'ws-9',
      first_name: 'Ana',
      email: 'ana@example.com',
      phone: '+447700900123',
      wedding_date: '2026-06-12',
      status: { stage: 'booked', raw: 'Booked' },
      budget: { amount_minor: 125050, currency: 'GBP' },
      guest_count: 80,
      tags: ['barn', 'summer'],
      lead_source: 'Instagram',
      marketing_opt_in: false,
    });
    expect(result).toEqual({
      ok: true,
      value: {
        firstName: 'Ana',
        email: 'ana@example.com',
        privacyOptIn: false,
        job: {
          eventDate: '2026-06-12',
          stage: 'Booked',
          leadMaxBudget: '1250.50',
          tags: 'barn;summer',
          leadSourceName: 'Instagram',
        },
        customFields: [{ fieldId: '01def', value: 80 }],
      },
      errors: [],
      warnings: [],
    });
  });

  it('reports WedSync values that cannot be exported, per field', () => {
    const exporter = compileMappings(roundTripMappings, { direction: 'export', defaultCountry: 'GB' });
    const result = exporter({
      id: 'ws-2',
      first_name: ['Zoë'],
      phone: 'not a phone',
      status: { stage: 'lost' },
      budget: { amount_minor: 100, currency: 'EUR' },
      wedding_date: '2026-02-30',
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([
      {
        record_id: 'ws-2',
        field: 'first_name',
        crm_field: 'first',
        value_kind: 'array',
        reason: 'Expected text, got array',
        code: 'type_mismatch',
      },
      {
        record_id: 'ws-2',
        field: 'phone',
        crm_field: 'mobile',
        value_kind: 'string',
        reason: 'Not a phone number',
        code: 'invalid_phone',
      },
      {
        record_id: 'ws-2',
        field: 'wedding_date',
        crm_field: 'weddingDate',
        value_kind: 'string',
        reason: 'Not a real calendar date: the day is out of range for the month',
        code: 'invalid_date',
      },
      {
        record_id: 'ws-2',
        field: 'status.stage',
        crm_field: 'status',
        value_kind: 'string',
        reason: 'No CRM value maps to this WedSync value (steps[0])',
        code: 'unmapped_value',
      },
      {
        record_id: 'ws-2',
        field: 'budget',
        crm_field: 'budget',
        value_kind: 'object',
        reason: 'The amount is in another currency than USD (steps[0])',
        code: 'currency_mismatch',
      },
    ]);
  });

  it('requires required fields on export too', () => {
    const exporter = compileMappings(
      [{ wedsync_field: 'last_name', crm_field: 'LastName', field_type: 'text', is_required: true }],
      { direction: 'export' },
    );
    expect(exporter({ id: 'ws-3' }).errors).toEqual([
      {
        record_id: 'ws-3',
        field: 'last_name',
        crm_field: 'LastName',
        value_kind: 'undefined',
        reason: 'A required field has no value',
        code: 'required_missing',
      },
    ]);
  });
});

describe('compileMappings refuses bad input up front', () => {
  it('throws MappingError with every FieldMappingError row in context.errors', () => {
    const mappings = [
      { wedsync_field: 'first..name', crm_field: 'firstName', field_type: 'text' },
      { wedsync_field: 'email', crm_field: 'email', field_type: 'emial' },
    ] as unknown as CrmFieldMappingInput[];
    let caught: unknown;
    try {
      compileMappings(mappings, { direction: 'import' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MappingError);
    const error = caught as MappingError;
    expect(error.message).toBe(
      '2 field mapping problems; the first: Invalid WedSync field path `first..name`: empty segment at position 6 (mapping 0)',
    );
    expect(error.context.errors).toEqual([
      {
        mapping_index: 0,
        field: 'first..name',
        error: 'Invalid WedSync field path `first..name`: empty segment at position 6',
        suggested_fix:
          'Write a path as names joined by dots, with indexes (`jobs.0.date`) or selectors (`customFields[fieldId=abc].value`)',
      },
      {
        mapping_index: 1,
        field: 'email',
        error:
          'Invalid mapping at `field_type`: Invalid option: expected one of "text"|"email"|"phone"|"date"|"number"|"boolean"|"json"|"array"',
        suggested_fix: 'Did you mean `email`?',
      },
    ]);
  });

  it('checks fields against definitions when given', () => {
    expect(() =>
      compileMappings([{ wedsync_field: 'frist_name', crm_field: 'firstName', field_type: 'text' }], {
        direction: 'import',
        wedsyncFields: [
          {
            name: 'first_name',
            display_name: 'First name',
            field_type: 'text',
            description: '',
            is_required: false,
          },
        ],
        crmFields: [
          {
            name: 'firstName',
            display_name: 'First name',
            field_type: 'text',
            description: '',
            is_required: false,
          },
        ],
      }),
    ).toThrow('1 field mapping problem; the first: Unknown WedSync field `frist_name` (mapping 0)');
  });

  it('refuses a money step that outputs money without any currency', () => {
    const mappings: CrmFieldMappingInput[] = [
      {
        wedsync_field: 'budget',
        crm_field: 'budget',
        field_type: 'json',
        transform_rules: { steps: [{ type: 'money', output: 'money' }] },
      },
    ];
    expect(() => compileMappings(mappings, { direction: 'import' })).toThrow(MappingError);
    expect(
      compileMappings(mappings, { direction: 'import', currency: 'AUD' })({ budget: 'A$10' }).value,
    ).toEqual({
      budget: { amount_minor: 1000, currency: 'AUD' },
    });
  });

  it.each([
    [
      { direction: 'sideways' },
      'Expected `direction` to be one of `import`, `export`, got `sideways` (string)',
    ],
    [{}, 'Expected `direction` to be one of `import`, `export`, got `undefined` (undefined)'],
    [
      { direction: 'import', defaultCountry: 'UK' },
      'Expected `defaultCountry` to be an ISO 3166-1 alpha-2 code with phone metadata (such as `GB`), got `UK` (string)',
    ],
    [
      { direction: 'import', currency: 'usd' },
      'Expected `currency` to be an ISO 4217 code (such as `GBP`), got `usd` (string)',
    ],
    [
      { direction: 'import', phoneFormat: 'e164' },
      'Expected `phoneFormat` to be one of `E.164`, `national`, `international`, `RFC3966`, got `e164` (string)',
    ],
    [
      { direction: 'import', dateOrder: 'dmy' },
      'Expected `dateOrder` to be one of `day_first`, `month_first`, `year_first`, got `dmy` (string)',
    ],
    [
      { direction: 'import', dateInputFormats: [] },
      'Expected `dateInputFormats` to be a non-empty array of date-fns patterns, got `array` (array)',
    ],
    [
      { direction: 'import', dateInputFormats: ['h:mm a'] },
      'Expected `dateInputFormats[0]` to be a date-fns pattern with a year, a month and a day, got `h:mm a` (string): the pattern must contain a year, a month and a day',
    ],
    [
      { direction: 'import', dateOutputFormat: 42 },
      'Expected `dateOutputFormat` to be a date-fns pattern with a year, a month and a day, got `42` (number): not text',
    ],
    [
      { direction: 'import', recordIdField: 'a..b' },
      'Expected `recordIdField` to be a field path, got `a..b` (string)',
    ],
    [
      { direction: 'import', maxRegexInputLength: 0 },
      'Expected `maxRegexInputLength` to be an integer from 1 to 100000, got `0` (number)',
    ],
    [
      { direction: 'import', referenceYear: 26.5 },
      'Expected `referenceYear` to be an integer from 1000 to 9999, got `26.5` (number)',
    ],
    [
      { direction: 'import', optionalFieldErrors: 'ignore' },
      'Expected `optionalFieldErrors` to be one of `fail_record`, `warn`, got `ignore` (string)',
    ],
    [
      { direction: 'import', wedsyncFields: 'all' },
      'Expected `wedsyncFields` to be an array of field definitions, got `all` (string)',
    ],
  ])('refuses options %j', (options, message) => {
    expect(() => compileMappings([], options as unknown as CompileMappingsOptions)).toThrow(
      InvalidArgumentError,
    );
    expect(() => compileMappings([], options as unknown as CompileMappingsOptions)).toThrow(message);
  });

  it('refuses mappings and options that are not arrays or objects', () => {
    expect(() => compileMappings('x' as unknown as [], { direction: 'import' })).toThrow(
      'Expected `mappings` to be an array, got `x` (string)',
    );
    expect(() => compileMappings([], null as unknown as CompileMappingsOptions)).toThrow(
      'Expected `options` to be an object, got `null` (null)',
    );
  });
});
