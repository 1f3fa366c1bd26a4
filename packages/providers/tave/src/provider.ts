/**
 * `createTave(settings)`: the Tave (VSCO Workspace API v2) provider, a CrmProviderV1. Reads clients (with their
 * partner, jobs and labelled custom fields), projects, events, invoices and payments; creates and updates
 * clients (contacts) and projects (jobs).
 */
import type { CrmProviderV1, ProviderFeature, ProviderRecordType } from '@wedsync/crm-core';
import { taveFieldCatalog } from './catalog.js';
import { taveDefaultMappings } from './mappings.js';
import { createTaveSession, validateTaveCredentials } from './session.js';
import { resolveTaveSettings, type TaveSettings } from './settings.js';

const incremental =
  'No modified-since filter: incremental reads walk `sortBy=modified desc` and stop at the watermark.';

/** What the provider can do with each record type: everything is read; clients and projects are also written. */
export const taveFeatures: Readonly<Record<ProviderRecordType, ProviderFeature>> = Object.freeze({
  client: {
    read: true,
    write: true,
    delete: false,
    limitations: [
      'Writes create and update person contacts; deletes are not supported (a vanished WedSync client is not removed from VSCO Workspace).',
      'A create whose outcome is unknown is found again by its email (`findExisting`); a client without an email cannot be found that way.',
      'Street lines, the partner, jobs and custom fields are not written (they are read from other records or derived).',
      'A client is a person who is the client of a job, or a person on no job who is not a vendor; partners, planners, vendors and team members are not clients.',
      "The partner is the other couple-role contact (client, customer or subject) of the client's most recent job that has one.",
      'A full client read walks every job contact and job before its first page, then the address book once; the last clients of a page whose partner is on the next page wait for it (their ids are in the cursor). Resuming from a cursor repeats that pre-pass and looks the waiting clients up by id. Only the last page of a read from the start gives the number of clients.',
      `${incremental} A client counts as changed when its contact, one of its jobs, their job contacts or its partner changed; its modifiedAt is the newest of them. The touched clients are built from per-record lookups (about four requests per changed client), or from the full pre-pass when that costs less.`,
      'An incremental read cannot see records deleted outright (a deleted contact, job or job contact): the client is corrected at its next change or full import.',
      'Hidden (archived) contacts are not read.',
    ],
  },
  project: {
    read: true,
    write: true,
    delete: false,
    limitations: [
      "Writes create and update jobs; deletes are not supported. A create needs `data.clientContactId` (the VSCO Workspace id of its client contact) and links that contact as the job's client.",
      "A created job carries the change's idempotency key as its external mapping, so `findExisting` finds a retried create exactly.",
      'Job type, lead source and status are not written (they are ids in VSCO Workspace; the mappings read their names).',
      `${incremental} A job whose job contacts changed is read too (its client may have changed); its modifiedAt is the newest of the job and its job contacts. A deleted job contact is not seen.`,
      'Closed jobs are read (their stage becomes lost or archived).',
      'A job whose client is a company contact links to a client that is never read (only people are clients).',
    ],
  },
  event: {
    read: true,
    write: false,
    delete: false,
    limitations: [incremental, 'Calendar entries attached to no job are not read.'],
  },
  invoice: {
    read: true,
    write: false,
    delete: false,
    limitations: [
      'Invoices are the instalments of orders; an order without invoices has none. Invoices carry no balance or issue date.',
      'Incremental reads walk orders by their modification date and read every invoice of a changed order.',
      'Amounts are read as minor units unless the `moneyUnit` setting says otherwise (the vendor does not document the unit).',
    ],
  },
  payment: {
    read: true,
    write: false,
    delete: false,
    limitations: [
      incremental,
      'A refund is not a status: posted payments map to `paid`; `refundedAmount` holds what was refunded.',
      'Payments are linked to their job only: the API documents no payment-to-invoice relation.',
    ],
  },
});

/**
 * Creates the Tave provider. `settings` are checked now (InvalidArgumentError names the first bad one); the API
 * key is read from each integration's credentials (`api_key`) when a session connects.
 *
 * ```ts
 * const tave = createTave();
 * const hub = createCrmHub({ providers: [tave], ... });
 * ```
 */
export function createTave(settings: TaveSettings = {}): CrmProviderV1 {
  const resolved = resolveTaveSettings(settings);
  const provider: CrmProviderV1 = {
    specificationVersion: 'v1',
    id: 'tave',
    name: 'Tave (VSCO Workspace)',
    description:
      'VSCO Workspace (formerly Tave) studio management: clients with their partner, jobs, events, invoices and payments, through the Workspace API v2 with a studio API key.',
    authKind: 'api_key',
    // The spec's numbers unless the settings say otherwise (see `taveDefaultRateLimits`).
    rateLimits: resolved.rateLimits,
    features: taveFeatures,
    fieldCatalog: taveFieldCatalog,
    // Built on each call: callers get mappings of their own to edit.
    defaultMappings: (recordType: ProviderRecordType) => taveDefaultMappings(recordType, resolved.moneyUnit),
    validateCredentials(credentials: Readonly<Record<string, unknown>>): void {
      validateTaveCredentials(credentials);
    },
    connect: (context) => createTaveSession(context, resolved),
  };
  return Object.freeze(provider);
}
