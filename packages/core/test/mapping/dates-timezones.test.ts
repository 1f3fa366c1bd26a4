/**
 * Wedding dates must not move a day whatever zone the server runs in. Each block switches the process
 * time zone with `vi.stubEnv('TZ', ...)` (Node re-reads TZ when it is assigned) and first proves the
 * switch took effect, by the local offset of a known date.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileMappings } from '../../src/mapping/index.js';
import type { CrmFieldMappingInput } from '../../src/model/field-mapping.js';

/** Zone, and its offset from UTC in minutes on 15 January 2026 as `getTimezoneOffset` reports it. */
const zones = [
  ['Pacific/Auckland', -780],
  ['America/Los_Angeles', 480],
  ['Pacific/Kiritimati', -840],
  ['Pacific/Pago_Pago', 660],
  ['Asia/Kathmandu', -345],
  ['Europe/London', 0],
] as const;

/** Days around the 2026 DST changes of New Zealand, the US and the EU/UK, and the year's ends. */
const weddingDays = [
  '2026-01-01',
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-06-12',
  '2026-09-27',
  '2026-10-25',
  '2026-11-01',
  '2026-12-31',
];

const mappings: CrmFieldMappingInput[] = [
  { wedsync_field: 'wedding_date', crm_field: 'eventDate', field_type: 'date' },
  { wedsync_field: 'inquiry_date', crm_field: 'inquiryDate', field_type: 'date' },
  {
    wedsync_field: 'booked_date',
    crm_field: 'bookingDate',
    field_type: 'date',
    transform_rules: { steps: [{ type: 'date_format', input: ['MMMM d, yyyy'], output: 'yyyy-MM-dd' }] },
  },
  {
    wedsync_field: 'birthdate',
    crm_field: 'birthdate',
    field_type: 'date',
    transform_rules: { date_only: true },
  },
];

function toDayFirst(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

function toMonthName(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number) as [number, number, number];
  const names = [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ];
  return `${names[month - 1]} ${day}, ${year}`;
}

describe.each(zones)('in %s', (zone, januaryOffset) => {
  beforeEach(() => {
    vi.stubEnv('TZ', zone);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('runs in that zone', () => {
    expect(process.env.TZ).toBe(zone);
    expect(new Date(2026, 0, 15, 12).getTimezoneOffset()).toBe(januaryOffset);
  });

  it.each(weddingDays)('imports and exports %s without moving a day', (day) => {
    const importer = compileMappings(mappings, { direction: 'import', dateOrder: 'day_first' });
    const exporter = compileMappings(mappings, {
      direction: 'export',
      dateOutputFormat: 'dd/MM/yyyy',
    });
    const crmRecord = {
      eventDate: day,
      inquiryDate: toDayFirst(day),
      bookingDate: toMonthName(day),
      birthdate: `${day}T23:30:00-11:00`,
    };
    const imported = importer(crmRecord);
    expect(imported).toEqual({
      ok: true,
      value: { wedding_date: day, inquiry_date: day, booked_date: day, birthdate: day },
      errors: [],
      warnings: [],
    });
    const exported = exporter(imported.value);
    expect(exported.value).toEqual({
      eventDate: toDayFirst(day),
      inquiryDate: toDayFirst(day),
      bookingDate: toMonthName(day),
      birthdate: toDayFirst(day),
    });
  });

  it('keeps an instant with its offset', () => {
    const importer = compileMappings([{ wedsync_field: 'booked_at', crm_field: 'at', field_type: 'date' }], {
      direction: 'import',
    });
    expect(importer({ at: '2026-03-29T01:30:00+01:00' }).value).toEqual({
      booked_at: '2026-03-29T01:30:00+01:00',
    });
  });
});

describe('in Pacific/Apia, which skipped 30 December 2011', () => {
  beforeEach(() => {
    vi.stubEnv('TZ', 'Pacific/Apia');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('still reads 30/12/2011 as that day, where a local Date would shift it', () => {
    expect(new Date(2011, 11, 30).getDate()).toBe(31);
    const importer = compileMappings(
      [{ wedsync_field: 'wedding_date', crm_field: 'date', field_type: 'date' }],
      {
        direction: 'import',
        dateOrder: 'day_first',
      },
    );
    expect(importer({ date: '30/12/2011' }).value).toEqual({ wedding_date: '2011-12-30' });
    const exporter = compileMappings(
      [{ wedsync_field: 'wedding_date', crm_field: 'date', field_type: 'date' }],
      {
        direction: 'export',
        dateOutputFormat: 'd MMMM yyyy',
      },
    );
    expect(exporter({ wedding_date: '2011-12-30' }).value).toEqual({ date: '30 December 2011' });
  });
});
