/**
 * Reads of events, invoices (the invoices of orders) and payments: one walk of the collection, one yielded page
 * per page of it, after the small reference reads each one needs (read once per session). Cursors are `<collection>:page:N`
 * (`<collection>:modified:page:N` with `since`); resuming repeats only the reference reads. Projects are read in
 * `projects.ts`.
 */
import type { ExternalRecord, ProviderPage } from '@wedsync/crm-core';
import type { PaginatedPage } from '@wedsync/crm-provider-kit';
import { TaveEventSchema, TaveOrderSchema, TavePaymentSchema } from '../api/schemas.js';
import { type ReadContext, studioCurrency, withoutLinks } from './context.js';
import { formatTaveCursor, parseTaveCursor, type TaveCursorPhase } from './cursor.js';

/** Options of one walk. */
export interface WalkOptions {
  readonly cursor: string | null | undefined;
  /** Incremental: only records modified after this instant (epoch milliseconds). */
  readonly modifiedAfter: number | undefined;
}

function walkQuery(options: WalkOptions): { readonly sortBy: string } {
  return { sortBy: options.modifiedAfter === undefined ? 'id' : 'modified desc' };
}

function walkSettings(context: ReadContext, phase: TaveCursorPhase, options: WalkOptions) {
  const incremental = options.modifiedAfter !== undefined;
  return {
    incremental,
    start: parseTaveCursor(options.cursor, phase, incremental),
    extra: {
      pageSize: context.settings.pageSize,
      ...(options.modifiedAfter === undefined ? {} : { modifiedAfter: options.modifiedAfter }),
      ...(context.signal === undefined ? {} : { signal: context.signal }),
    },
  };
}

function toPage<Item>(
  page: PaginatedPage<Item>,
  phase: TaveCursorPhase,
  incremental: boolean,
  records: ExternalRecord[],
  countsRecords: boolean,
): ProviderPage {
  return {
    records,
    cursor: formatTaveCursor(phase, page.cursor, incremental),
    ...(countsRecords && !incremental && page.totalItems !== undefined
      ? { totalRecords: page.totalItems }
      : {}),
  };
}

function modified(value: unknown): { modifiedAt?: string } {
  return typeof value === 'string' ? { modifiedAt: value } : {};
}

/**
 * Events of jobs (calendar entries attached to no job are not read). `data` is the event plus `typeName` (its
 * event type's name); the venue is `location.address`, times are local to `timezoneName`; `links.project` is the
 * job.
 */
export async function* readEvents(context: ReadContext, options: WalkOptions): AsyncGenerator<ProviderPage> {
  const { incremental, start, extra } = walkSettings(context, 'event', options);
  // Docs: GET /event-type (operation listResourceEventType) https://workspace.vsco.co/api#tag/Event-Types
  const types = await context.cache.reference('event-type', context.signal);
  // Docs: GET /event (operation listResourceEvent) https://workspace.vsco.co/api#tag/Events
  for await (const page of context.api.list({
    path: 'event',
    schema: TaveEventSchema,
    query: walkQuery(options),
    cursor: start,
    ...extra,
  })) {
    const records: ExternalRecord[] = [];
    for (const event of page.items) {
      if (typeof event.jobId !== 'string' || event.jobId === '') continue;
      const typeName = event.typeId ? (types.get(event.typeId)?.name ?? null) : null;
      records.push({
        externalId: event.id,
        ...modified(event.modified),
        data: { ...withoutLinks(event), typeName },
        links: { project: event.jobId },
      });
    }
    yield toPage(page, 'event', incremental, records, false);
  }
}

/**
 * Invoices: the invoices (instalments) of every order, hidden ones left out. `data` is the invoice plus `jobId`,
 * `currencyCode` and `order` (the order's id, name, title, number, status, total, balance, booking date and line
 * items); `links.project` is the order's job. With `since`, orders are walked by their modification date and all
 * invoices of a changed order are read.
 */
export async function* readInvoices(
  context: ReadContext,
  options: WalkOptions,
): AsyncGenerator<ProviderPage> {
  const { incremental, start, extra } = walkSettings(context, 'order', options);
  const currencyCode = await studioCurrency(context);
  // Docs: GET /order (operation listResourceOrder) https://workspace.vsco.co/api#tag/Orders
  for await (const page of context.api.list({
    path: 'order',
    schema: TaveOrderSchema,
    query: walkQuery(options),
    cursor: start,
    ...extra,
  })) {
    const records: ExternalRecord[] = [];
    for (const order of page.items) {
      const summary = {
        id: order.id,
        name: order['name'] ?? null,
        title: order['title'] ?? null,
        customNumber: order['customNumber'] ?? null,
        status: order['status'] ?? null,
        total: order['total'] ?? null,
        balance: order['balance'] ?? null,
        bookedOn: order['bookedOn'] ?? null,
        lineItems: order['lineItems'] ?? [],
      };
      for (const invoice of order.invoices ?? []) {
        if (invoice.hidden === true) continue;
        records.push({
          externalId: invoice.id,
          ...modified(invoice.modified),
          data: { ...withoutLinks(invoice), jobId: order.jobId, currencyCode, order: summary },
          links: { project: order.jobId },
        });
      }
    }
    yield toPage(page, 'order', incremental, records, false);
  }
}

/**
 * Payments (scheduled, pending, posted, failed). `data` is the payment plus `currencyCode` and `paymentMethod`
 * (`{ id, name, kind }`, or null); `links.project` is the payment's job. Tave documents no relation from a
 * payment to an invoice (`invoiceItemId` is undocumented), so no `links.invoice` is given.
 */
export async function* readPayments(
  context: ReadContext,
  options: WalkOptions,
): AsyncGenerator<ProviderPage> {
  const { incremental, start, extra } = walkSettings(context, 'payment', options);
  const currencyCode = await studioCurrency(context);
  // Docs: GET /payment-method (operation listResourcePaymentMethod) https://workspace.vsco.co/api#tag/Payment-Methods
  const methods = await context.cache.reference('payment-method', context.signal);
  // Docs: GET /payment (operation listResourcePayment) https://workspace.vsco.co/api#tag/Payments
  for await (const page of context.api.list({
    path: 'payment',
    schema: TavePaymentSchema,
    query: walkQuery(options),
    cursor: start,
    ...extra,
  })) {
    const records = page.items.map((payment): ExternalRecord => {
      const method = payment.paymentMethodId ? methods.get(payment.paymentMethodId) : undefined;
      const jobId = typeof payment.jobId === 'string' && payment.jobId !== '' ? payment.jobId : undefined;
      return {
        externalId: payment.id,
        ...modified(payment.modified),
        data: {
          ...withoutLinks(payment),
          currencyCode,
          paymentMethod:
            method === undefined
              ? null
              : { id: method.id, name: method.name ?? null, kind: method.kind ?? null },
        },
        ...(jobId === undefined ? {} : { links: { project: jobId } }),
      };
    });
    yield toPage(page, 'payment', incremental, records, true);
  }
}
