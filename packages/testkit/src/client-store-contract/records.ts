/**
 * Realistic canonical records for the ClientStore contract: names from several scripts, apostrophes, emoji,
 * long notes, money in minor units, date-only wedding dates.
 */
import type {
  CanonicalClient,
  CanonicalEvent,
  CanonicalInvoice,
  CanonicalPayment,
  CanonicalProject,
} from '@wedsync/crm-core';

/** About 10 KB of notes mixing scripts, quotes, emoji and line breaks. */
export function longNotes(): string {
  const paragraph =
    "Ceremony at 14:00 in the walled garden; O'Brien family arriving from Cork. Zoë wants the 💍 shot by the " +
    'fountain, José prefers candid. 김민준 (best man) gives the speech in Korean — keep it \'unplugged\'. "No flash" ' +
    'during vows. Budget £4,500 incl. VAT; deposit paid 12/03.\n';
  let notes = '';
  while (notes.length < 10_240) notes += paragraph;
  return notes.slice(0, 10_240);
}

/** A couple's primary contact with a partner, a planner, custom fields and a budget. */
export function sampleClient(overrides: Partial<CanonicalClient> = {}): CanonicalClient {
  return {
    first_name: 'José',
    last_name: "O'Brien-García",
    email: 'jose.obrien@example.com',
    phone: '+14155550123',
    address: {
      line1: '12 Rue de l’Église',
      city: 'Montréal',
      region: 'QC',
      postal_code: 'H2X 1Y4',
      country: 'CA',
    },
    partner: { first_name: 'Zoë', last_name: 'Kim', email: 'zoe.kim@example.org', phone: '+447700900123' },
    other_contacts: [{ role: 'planner', full_name: '김민준', email: 'minjun@planner.example.kr' }],
    wedding_date: '2025-06-14',
    venue_name: 'Château de la Loire 🏰',
    guest_count: 120,
    budget: { amount_minor: 1_250_000, currency: 'EUR' },
    job_type: 'Wedding',
    lead_source: 'Instagram',
    status: { stage: 'booked', raw: 'Booked – deposit received' },
    inquiry_date: '2024-09-01',
    booked_date: '2024-10-15',
    notes: 'Prefers WhatsApp. Allergic to lilies; "no confetti" rule at the venue. Emoji test: 🎉💐✨',
    tags: ['destination', 'vip', 'été'],
    custom_fields: {
      dress_designer: { key: 'dress_designer', label: 'Dress designer', type: 'text', value: 'Vera Wang' },
      deposit: { key: 'deposit', type: 'money', value: '500.00' },
      unknown: { key: 'unknown', value: null },
    },
    ...overrides,
  };
}

/** A booking of a client. */
export function sampleProject(clientId: string, overrides: Partial<CanonicalProject> = {}): CanonicalProject {
  return {
    client_id: clientId,
    name: "José & Zoë's Wedding",
    job_type: 'Wedding',
    event_date: '2025-06-14',
    status: { stage: 'booked', raw: 'Booked' },
    guest_count: 120,
    budget: { amount_minor: 1_250_000, currency: 'EUR' },
    total_revenue: { amount_minor: 9_007_199_254, currency: 'JPY' },
    account_balance: { amount_minor: -12_345, currency: 'EUR' },
    notes: 'Two photographers, 10 hours.',
    ...overrides,
  };
}

/** An event of a project, with a venue. */
export function sampleEvent(projectId: string, overrides: Partial<CanonicalEvent> = {}): CanonicalEvent {
  return {
    project_id: projectId,
    name: 'Ceremony',
    event_type: 'ceremony',
    start_date: '2025-06-14',
    start_time: '14:00',
    end_date: '2025-06-15',
    end_time: '01:30',
    timezone: 'Pacific/Auckland',
    venue: {
      name: 'Église Saint-Étienne',
      address: { city: 'Auckland', country: 'NZ' },
      latitude: -36.8485,
      longitude: 174.7633,
    },
    ...overrides,
  };
}

/** An invoice of a project, with line items. */
export function sampleInvoice(
  projectId: string,
  overrides: Partial<CanonicalInvoice> = {},
): CanonicalInvoice {
  return {
    project_id: projectId,
    number: 'INV-2025-0042',
    status: 'partial',
    issued_at: '2024-10-15T09:30:00+13:00',
    due_date: '2025-05-14',
    total: { amount_minor: 450_000, currency: 'GBP' },
    balance: { amount_minor: 250_000, currency: 'GBP' },
    line_items: [
      { name: 'Full-day coverage', quantity: 1, unit_price: { amount_minor: 400_000, currency: 'GBP' } },
      { name: 'Album — 30 pages', quantity: 1, unit_price: { amount_minor: 50_000, currency: 'GBP' } },
    ],
    ...overrides,
  };
}

/** A payment against an invoice. */
export function samplePayment(
  projectId: string,
  invoiceId: string | undefined,
  overrides: Partial<CanonicalPayment> = {},
): CanonicalPayment {
  return {
    project_id: projectId,
    ...(invoiceId === undefined ? {} : { invoice_id: invoiceId }),
    amount: { amount_minor: 200_000, currency: 'GBP' },
    received_at: '2024-10-16',
    status: 'paid',
    method: 'bank transfer',
    ...overrides,
  };
}

/** The n-th of many small, distinct clients (bulk tests). */
export function bulkClient(index: number): CanonicalClient {
  return {
    first_name: `Guest${index}`,
    last_name: 'Ñúñez',
    email: `guest${index}@bulk.example.com`,
    wedding_date: `2026-${String((index % 12) + 1).padStart(2, '0')}-${String((index % 28) + 1).padStart(2, '0')}`,
    tags: [`batch-${index % 7}`],
  };
}
