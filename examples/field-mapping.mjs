// Field mapping in a nutshell: validate mappings against the WedSync catalog, compile them once, map a record.
// Run: node examples/field-mapping.mjs (after `pnpm build`). docs/field-mapping.md walks through it.
import { compileMappings, listWedsyncFields, validateMappings } from '@wedsync/crm-core';

const mappings = [
  { wedsync_field: 'first_name', crm_field: 'firstName', field_type: 'text', is_required: true },
  { wedsync_field: 'email', crm_field: 'email', field_type: 'email' },
  { wedsync_field: 'phone', crm_field: 'cellPhone', field_type: 'phone' },
  {
    wedsync_field: 'wedding_date',
    crm_field: 'customFields[fieldId=01hwdate].value',
    field_type: 'date',
    transform_rules: { date_order: 'day_first' },
  },
  {
    wedsync_field: 'status.stage',
    crm_field: 'stage',
    field_type: 'text',
    transform_rules: {
      steps: [{ type: 'map', values: { lead: 'inquiry', booked: 'booked' }, fallback: 'inquiry' }],
    },
  },
  {
    wedsync_field: 'budget.amount_minor',
    crm_field: 'leadMaxBudget',
    field_type: 'number',
    transform_rules: { steps: [{ type: 'money', currency: 'GBP' }] },
    sync_direction: 'import_only',
  },
];

console.log(validateMappings(mappings, { wedsyncFields: listWedsyncFields('client') }));

const mapClient = compileMappings(mappings, { direction: 'import', defaultCountry: 'GB' });
const result = mapClient(
  {
    id: '01hx',
    firstName: '  Zoë ',
    email: 'Zoe.OBrien@Example.com',
    cellPhone: '07700 900123',
    customFields: [{ fieldId: '01hwdate', value: '12/06/2026' }],
    stage: 'Booked',
    leadMaxBudget: '£1,250.50',
  },
  { recordId: '01hx' },
);
console.log(JSON.stringify(result, null, 2));
