import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError } from '../../src/errors/index.js';
import { canonicalSchemasByRecordType, type RecordType, recordTypes } from '../../src/model/canonical.js';
import {
  findWedsyncField,
  hubAssignedWedsyncFields,
  listWedsyncFields,
  wedsyncFieldCatalog,
} from '../../src/model/catalog.js';
import { fieldTypes } from '../../src/model/enums.js';
import { FieldDefinitionSchema } from '../../src/model/field-mapping.js';

interface Leaf {
  readonly fieldType: string;
  readonly required: boolean;
}

/** The field type a catalog entry must declare for one leaf schema. */
function fieldTypeOf(schema: z.ZodType): string {
  const def = schema.def;
  switch (def.type) {
    case 'string': {
      const format = (schema as z.ZodString).format;
      if (format === 'email') return 'email';
      if (format === 'e164') return 'phone';
      if (format === 'date') return 'date';
      return 'text';
    }
    case 'union': {
      // Timestamps: an ISO datetime or a date-only string.
      const options = (schema as z.ZodUnion<z.ZodType[]>).options.map(fieldTypeOf);
      return options.every((type) => type === 'date' || type === 'text') ? 'date' : 'json';
    }
    case 'enum':
      return 'text';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
      return fieldTypeOf((schema as z.ZodArray<z.ZodType>).element) === 'json' ? 'json' : 'array';
    case 'object':
    case 'record':
      return 'json';
    default:
      throw new Error(`No field type for a ${def.type} schema`);
  }
}

/** Every leaf of a canonical schema, as dotted path -> field type and whether the record requires it. */
function leavesOf(
  schema: z.ZodType,
  prefix = '',
  required = true,
  into = new Map<string, Leaf>(),
): Map<string, Leaf> {
  let current = schema;
  let isRequired = required;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
    if (current instanceof z.ZodOptional) isRequired = false;
    current = current.unwrap() as z.ZodType;
  }
  if (current instanceof z.ZodObject) {
    for (const [key, child] of Object.entries(current.shape)) {
      leavesOf(child as z.ZodType, prefix === '' ? key : `${prefix}.${key}`, isRequired, into);
    }
    return into;
  }
  into.set(prefix, { fieldType: fieldTypeOf(current), required: isRequired });
  return into;
}

/** Reads a sample value as the mapping engine would after coercing it to the field type. */
function sampleAs(fieldType: string, sample: string): unknown {
  if (fieldType === 'number') return Number(sample);
  if (fieldType === 'boolean') return sample === 'true';
  if (fieldType === 'json' || fieldType === 'array') return JSON.parse(sample);
  return sample;
}

function setPath(record: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(record);
  const segments = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const segment of segments.slice(0, -1)) {
    target[segment] ??= {};
    target = target[segment] as Record<string, unknown>;
  }
  target[segments.at(-1) as string] = value;
  return copy;
}

const money = { amount_minor: 100, currency: 'USD' };
const status = { stage: 'inquiry', raw: 'Lead' };
const minimalRecords: Record<RecordType, Record<string, unknown>> = {
  client: { first_name: 'Emma', status, budget: money },
  project: { client_id: 'c', status, budget: money, total_revenue: money, account_balance: money },
  event: { project_id: 'p' },
  invoice: { project_id: 'p', status: 'open', total: money, balance: money },
  payment: { project_id: 'p', status: 'paid', amount: money },
};

describe('wedsyncFieldCatalog', () => {
  it.each(recordTypes)('names only real %s fields, with the right field type', (recordType) => {
    const leaves = leavesOf(canonicalSchemasByRecordType[recordType]);
    for (const field of wedsyncFieldCatalog[recordType]) {
      const leaf = leaves.get(field.name);
      expect(leaf, `${recordType}.${field.name} is not in the canonical schema`).toBeDefined();
      expect(field.field_type, `${recordType}.${field.name}`).toBe(leaf?.fieldType);
    }
  });

  it.each(recordTypes)('lists every %s leaf that a mapping may name', (recordType) => {
    const leaves = leavesOf(canonicalSchemasByRecordType[recordType]);
    const named = new Set(wedsyncFieldCatalog[recordType].map((field) => field.name));
    const assigned = hubAssignedWedsyncFields[recordType];
    for (const path of leaves.keys()) {
      expect(
        named.has(path) || assigned.includes(path),
        `${recordType}.${path} is missing from the catalog`,
      ).toBe(true);
    }
    for (const path of assigned) {
      expect(leaves.has(path)).toBe(true);
      expect(named.has(path)).toBe(false);
    }
  });

  it.each(recordTypes)('marks %s fields required exactly when the schema requires them', (recordType) => {
    const leaves = leavesOf(canonicalSchemasByRecordType[recordType]);
    for (const field of wedsyncFieldCatalog[recordType]) {
      const expected =
        recordType === 'client' && field.name === 'first_name' ? true : leaves.get(field.name)?.required;
      expect(field.is_required, `${recordType}.${field.name}`).toBe(expected);
    }
  });

  it('marks the client first_name required and says full_name alone also satisfies the model', () => {
    const firstName = findWedsyncField('client', 'first_name');
    expect(firstName?.is_required).toBe(true);
    expect(firstName?.description).toContain('full_name');
    expect(
      wedsyncFieldCatalog.client.filter((field) => field.is_required).map((field) => field.name),
    ).toEqual(['first_name']);
    expect(
      wedsyncFieldCatalog.invoice.filter((field) => field.is_required).map((field) => field.name),
    ).toEqual(['status', 'total.amount_minor', 'total.currency']);
  });

  it.each(recordTypes)('has valid, unique, documented %s definitions', (recordType) => {
    const fields = wedsyncFieldCatalog[recordType];
    expect(fields.length).toBeGreaterThan(0);
    expect(new Set(fields.map((field) => field.name)).size).toBe(fields.length);
    for (const field of fields) {
      expect(FieldDefinitionSchema.parse(field)).toEqual(field);
      expect(fieldTypes).toContain(field.field_type);
      expect(field.display_name.length).toBeGreaterThan(0);
      expect(field.description.length).toBeGreaterThan(10);
      expect(field.sample_values?.length ?? 0).toBeGreaterThan(0);
    }
  });

  it.each(recordTypes)('offers %s sample values the canonical schema accepts', (recordType) => {
    const schema = canonicalSchemasByRecordType[recordType];
    expect(schema.safeParse(minimalRecords[recordType]).success).toBe(true);
    for (const field of wedsyncFieldCatalog[recordType]) {
      for (const sample of field.sample_values ?? []) {
        const record = setPath(minimalRecords[recordType], field.name, sampleAs(field.field_type, sample));
        const result = schema.safeParse(record);
        expect(result.success, `${recordType}.${field.name} = ${sample}: ${result.error?.message}`).toBe(
          true,
        );
      }
    }
  });

  it('covers the fields the mapping engine and pickers rely on', () => {
    const client = new Map(wedsyncFieldCatalog.client.map((field) => [field.name, field.field_type]));
    expect(
      Object.fromEntries([...client].filter(([name]) => expectedClientTypes[name] !== undefined)),
    ).toEqual(expectedClientTypes);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(wedsyncFieldCatalog)).toBe(true);
    expect(Object.isFrozen(wedsyncFieldCatalog.client)).toBe(true);
    const field = wedsyncFieldCatalog.client[0];
    expect(Object.isFrozen(field)).toBe(true);
    expect(Object.isFrozen(field?.sample_values)).toBe(true);
    expect(Object.isFrozen(hubAssignedWedsyncFields.payment)).toBe(true);
  });
});

const expectedClientTypes: Record<string, string> = {
  first_name: 'text',
  email: 'email',
  phone: 'phone',
  'partner.email': 'email',
  'partner.phone': 'phone',
  'address.city': 'text',
  'partner.address.city': 'text',
  'budget.amount_minor': 'number',
  'budget.currency': 'text',
  'status.stage': 'text',
  'status.raw': 'text',
  custom_fields: 'json',
  other_contacts: 'json',
  tags: 'array',
  wedding_date: 'date',
  guest_count: 'number',
  marketing_opt_in: 'boolean',
  'partner.marketing_opt_in': 'boolean',
};

describe('listWedsyncFields and findWedsyncField', () => {
  it('list the catalog of one record type', () => {
    for (const recordType of recordTypes) {
      expect(listWedsyncFields(recordType)).toBe(wedsyncFieldCatalog[recordType]);
    }
  });

  it('find a field by its dotted path, or nothing', () => {
    expect(findWedsyncField('client', 'partner.email')).toMatchObject({
      name: 'partner.email',
      field_type: 'email',
      is_required: false,
    });
    expect(findWedsyncField('event', 'venue.address.city')?.field_type).toBe('text');
    expect(findWedsyncField('invoice', 'total.amount_minor')?.is_required).toBe(true);
    expect(findWedsyncField('client', 'partner')).toBeUndefined();
    expect(findWedsyncField('client', 'firstname')).toBeUndefined();
    expect(findWedsyncField('project', 'client_id')).toBeUndefined();
    expect(findWedsyncField('payment', 'first_name')).toBeUndefined();
  });

  it('reject an unknown record type', () => {
    let thrown: unknown;
    try {
      listWedsyncFields('task' as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(thrown).toMatchObject({
      message:
        'Expected `recordType` to be one of client, project, event, invoice, payment, got `task` (string)',
      context: { recordType: 'task' },
    });
    expect((thrown as Error).cause).toBeInstanceOf(z.ZodError);
    expect(() => findWedsyncField(undefined as never, 'first_name')).toThrow(
      'Expected `recordType` to be one of client, project, event, invoice, payment, got `undefined` (undefined)',
    );
  });
});
