/**
 * The VSCO Workspace API v2 routes the fake serves, following the vendor's OpenAPI document: collections
 * with `page`/`pageSize` (10–100, default 100) and the `{ meta, type, items }` envelope, `sortBy`
 * (`field`, `field asc`, `field desc`) over the fields the document lists, the filters it defines, GET by id,
 * and the writes a sync needs. Errors use the vendor's bodies: `ErrorValidation` for 400, `Error` otherwise.
 */
import type { Context, Hono } from 'hono';
import { ulidPattern } from '../../generators/ulid.js';
import type { FakeServerEnv } from '../framework/server.js';
import type { TaveState } from './state.js';
import type {
  TaveAddress,
  TaveContact,
  TaveCustomFieldValue,
  TaveError,
  TaveExternalMapping,
  TaveJob,
  TaveJobContact,
  TavePhone,
  TaveResource,
  TaveRestHook,
  TaveValidationError,
} from './types.js';

type AppContext = Context<FakeServerEnv>;

/** Field errors of a request: field name to messages. */
type FieldErrors = Record<string, string[]>;

function addError(errors: FieldErrors, field: string, message: string): void {
  const messages = errors[field];
  if (messages === undefined) errors[field] = [message];
  else messages.push(message);
}

/** The vendor's validation error response (400). */
export function validationErrorResponse(detail: FieldErrors): Response {
  const body: TaveValidationError = {
    type: 'validation-error',
    title: 'Validation Error',
    detail,
    status: 400,
  };
  return Response.json(body, { status: 400 });
}

/** The vendor's error response (`Error` schema). */
export function errorResponse(
  status: number,
  title: string,
  detail: string,
  type: TaveError['type'] = 'unknown',
): Response {
  const body: TaveError = { type, title, detail, status };
  return Response.json(body, { status });
}

interface ListSpec {
  readonly resource: TaveResource;
  readonly path: string;
  readonly type: string;
  readonly sortable: readonly string[];
  readonly defaultSort: string;
  readonly links: boolean;
  readonly filters: readonly (
    | 'includeHidden'
    | 'includeClosed'
    | 'email'
    | 'externalMappingId'
    | 'jobId'
    | 'contactId'
    | 'canApplyTo'
    | 'kind'
    | 'search'
  )[];
}

const basic = ['id', 'modified', 'created'] as const;

// biome-ignore format: one entry per line reads as a table
/** Collections, their envelope `type`, sortable fields and filters, as the OpenAPI document lists them. */
const lists: readonly ListSpec[] = [
  {
    resource: 'address-book',
    path: '/address-book',
    type: 'addressbook-collection',
    sortable: [...basic, 'name', 'kind', 'accountBalance', 'anniversary', 'anonymized', 'bestDayToCall', 'bestTimeToCall', 'cellPhone', 'companyName', 'contactPreference', 'creditBalance', 'email', 'fax', 'firstName', 'gender', 'homePhone', 'jobTitle', 'lastName', 'maidenName', 'previousClient', 'privacyOptIn', 'requireStrictPrivacy', 'salutation', 'schoolGradYear', 'schoolName', 'sport', 'teamName', 'teamPosition', 'workPhone'],
    defaultSort: 'id',
    links: true,
    filters: ['includeHidden', 'email'],
  },
  {
    resource: 'job',
    path: '/job',
    type: 'job-collection',
    sortable: [...basic, 'name', 'accountBalance', 'bookingDate', 'closed', 'closedDate', 'completedDate', 'creditBalance', 'customNumber', 'eventDate', 'fulfillmentDate', 'guestCount', 'inquiryDate', 'lastClientActivity', 'leadConfidence', 'leadDecisionExpectedByDate', 'leadMaxBudget', 'leadRating', 'leadStatusChangedAt', 'pinned', 'previousInteractionDate', 'stage', 'staleDate', 'title', 'totalCost', 'totalGratuity', 'totalProfit', 'totalRevenue', 'webLead'],
    defaultSort: 'id',
    links: true,
    filters: ['includeClosed', 'externalMappingId'],
  },
  { resource: 'job-contact', path: '/job-contact', type: 'jobcontact-collection', sortable: basic, defaultSort: 'id', links: true, filters: ['includeHidden', 'externalMappingId', 'contactId', 'jobId'] },
  { resource: 'event', path: '/event', type: 'event-collection', sortable: [...basic, 'name'], defaultSort: 'id', links: true, filters: ['includeHidden', 'externalMappingId', 'jobId'] },
  { resource: 'order', path: '/order', type: 'order-collection', sortable: [...basic, 'name', 'sortPosition'], defaultSort: 'sortPosition', links: false, filters: [] },
  { resource: 'payment', path: '/payment', type: 'payment-collection', sortable: basic, defaultSort: 'id', links: true, filters: [] },
  { resource: 'payment-method', path: '/payment-method', type: 'paymentmethod-collection', sortable: [...basic, 'sortPosition'], defaultSort: 'sortPosition', links: false, filters: [] },
  { resource: 'note', path: '/note', type: 'note-collection', sortable: basic, defaultSort: 'id', links: true, filters: ['includeHidden', 'externalMappingId', 'jobId'] },
  { resource: 'custom-field', path: '/custom-field', type: 'customfield-collection', sortable: [...basic, 'name'], defaultSort: 'id', links: false, filters: ['canApplyTo', 'kind'] },
  { resource: 'lead-source', path: '/lead-source', type: 'leadsource-collection', sortable: [...basic, 'name'], defaultSort: 'id', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'lead-status', path: '/lead-status', type: 'leadstatus-collection', sortable: [...basic, 'name', 'sortPosition'], defaultSort: 'sortPosition', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'job-type', path: '/job-type', type: 'jobtype-collection', sortable: [...basic, 'name', 'sortPosition'], defaultSort: 'sortPosition', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'job-role', path: '/job-role', type: 'jobrole-collection', sortable: [...basic, 'name', 'sortPosition'], defaultSort: 'sortPosition', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'job-closed-reason', path: '/job-closed-reason', type: 'jobclosedreason-collection', sortable: [...basic, 'name'], defaultSort: 'id', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'event-type', path: '/event-type', type: 'eventtype-collection', sortable: [...basic, 'name', 'sortPosition'], defaultSort: 'sortPosition', links: true, filters: ['includeHidden', 'externalMappingId'] },
  { resource: 'timezone', path: '/timezone', type: 'timezone-collection', sortable: [...basic, 'name', 'usage'], defaultSort: 'name asc', links: true, filters: ['search'] },
  { resource: 'rest-hook', path: '/rest-hook', type: 'resthook-collection', sortable: basic, defaultSort: 'id', links: true, filters: ['includeHidden'] },
];

const specByResource = new Map(lists.map((spec) => [spec.resource, spec]));

/** Options of the routes. */
export interface TaveRouteOptions {
  readonly state: TaveState;
  /** Largest accepted `pageSize`. */
  readonly pageSizeMax: number;
  /** The server's base path (for `links.self`). */
  readonly basePath: string;
  /** ISO 3166-1 alpha-2 country used to parse phone numbers typed without `+`. */
  readonly studioCountry: string;
}

function sortValue(record: Record<string, unknown>, field: string): unknown {
  const value = record[field];
  if (value !== null && typeof value === 'object') {
    const phone = value as Partial<TavePhone>;
    return phone.e164 ?? phone.formatted ?? null;
  }
  return value;
}

/** Orders like MySQL: nulls first ascending, last descending; ties by id. */
function compareBy(field: string, descending: boolean) {
  return (left: Record<string, unknown>, right: Record<string, unknown>): number => {
    const a = sortValue(left, field);
    const b = sortValue(right, field);
    let order = 0;
    if (a === b) order = 0;
    else if (a === null || a === undefined) order = -1;
    else if (b === null || b === undefined) order = 1;
    else if (typeof a === 'number' && typeof b === 'number') order = a - b;
    else order = String(a) < String(b) ? -1 : 1;
    if (order === 0)
      order = String(left.id) < String(right.id) ? -1 : String(left.id) > String(right.id) ? 1 : 0;
    return descending ? -order : order;
  };
}

function parseBoolean(value: string | undefined, name: string, errors: FieldErrors): boolean {
  if (value === undefined) return false;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0' || value === '') return false;
  addError(errors, name, 'This value should be of type bool.');
  return false;
}

function parseInteger(
  value: string | undefined,
  name: string,
  fallback: number,
  min: number,
  max: number,
  errors: FieldErrors,
): number {
  if (value === undefined) return fallback;
  if (!/^-?\d+$/.test(value)) {
    addError(errors, name, 'This value should be of type int.');
    return fallback;
  }
  const number = Number(value);
  if (number < min || number > max) {
    addError(
      errors,
      name,
      max === Number.MAX_SAFE_INTEGER
        ? `This value should be greater than or equal to ${min}.`
        : `This value should be between ${min} and ${max}.`,
    );
    return fallback;
  }
  return number;
}

function parseSort(
  value: string | undefined,
  spec: ListSpec,
  errors: FieldErrors,
): { field: string; descending: boolean } {
  // The document's enum: `field`, `field asc` or `field desc` — one space, nothing else.
  const match = /^([A-Za-z]+)(?: (asc|desc))?$/.exec(value ?? spec.defaultSort);
  const field = match?.[1] ?? '';
  const direction = match?.[2] ?? 'asc';
  if (!spec.sortable.includes(field)) {
    addError(
      errors,
      'sortBy',
      `The value you selected is not a valid choice. Valid: ${spec.sortable.map((name) => `"${name}", "${name} asc", "${name} desc"`).join(', ')}.`,
    );
    return { field: 'id', descending: false };
  }
  return { field, descending: direction === 'desc' };
}

function checkId(value: string | undefined, name: string, errors: FieldErrors): string | undefined {
  if (value === undefined) return undefined;
  if (!ulidPattern.test(value)) addError(errors, name, 'This is not a valid ULID.');
  return value;
}

/** Adds `links.self` to a record. */
function withLinks<T extends { readonly id: string }>(
  record: T,
  href: string,
): T & { links: { self: { href: string } } } {
  return { links: { self: { href } }, ...record };
}

/** Drops `notes` from list items (the document: notes are only returned when getting one contact). */
function listItem(resource: TaveResource, record: Record<string, unknown>): Record<string, unknown> {
  if (resource === 'address-book' && 'notes' in record) {
    const { notes: _notes, ...rest } = record;
    return rest;
  }
  return record;
}

/** Adds the VSCO Workspace routes to the app. */
export function addTaveRoutes(app: Hono<FakeServerEnv>, options: TaveRouteOptions): void {
  const { state, pageSizeMax, basePath } = options;
  const origin = (context: AppContext) => `${new URL(context.req.url).origin}${basePath}`;
  const selfLink = (context: AppContext, path: string, id: string) => `${origin(context)}${path}/${id}`;
  const notFound = (resource: string, id: string) =>
    errorResponse(404, 'Not Found', `No ${resource} item with id ${id}.`);
  const present: Present = (context, resource, record) => {
    const spec = specByResource.get(resource);
    return (
      spec?.links === true ? withLinks(record, selfLink(context, spec.path, record.id)) : record
    ) as Record<string, unknown>;
  };

  const list = (
    spec: ListSpec,
    context: AppContext,
    scope?: (records: readonly Record<string, unknown>[]) => readonly Record<string, unknown>[],
  ) => {
    const url = new URL(context.req.url);
    const query = (name: string) => url.searchParams.get(name) ?? undefined;
    const errors: FieldErrors = {};
    const page = parseInteger(query('page'), 'page', 1, 1, Number.MAX_SAFE_INTEGER, errors);
    const pageSize = parseInteger(
      query('pageSize'),
      'pageSize',
      Math.min(100, pageSizeMax),
      10,
      pageSizeMax,
      errors,
    );
    const sort = parseSort(query('sortBy'), spec, errors);
    const has = (filter: ListSpec['filters'][number]) => spec.filters.includes(filter);
    const includeHidden = has('includeHidden')
      ? parseBoolean(query('includeHidden'), 'includeHidden', errors)
      : true;
    const includeClosed = has('includeClosed')
      ? parseBoolean(query('includeClosed'), 'includeClosed', errors)
      : true;
    const jobId = has('jobId') ? checkId(query('jobId'), 'jobId', errors) : undefined;
    const contactId = has('contactId') ? checkId(query('contactId'), 'contactId', errors) : undefined;
    const email = has('email') ? query('email')?.trim().toLowerCase() : undefined;
    const externalMappingId = has('externalMappingId') ? query('externalMappingId') : undefined;
    const canApplyTo = has('canApplyTo') ? query('canApplyTo') : undefined;
    if (canApplyTo !== undefined && canApplyTo !== 'contact' && canApplyTo !== 'job') {
      addError(errors, 'canApplyTo', 'The value you selected is not a valid choice.');
    }
    const kinds = has('kind')
      ? url.searchParams.getAll('kind').concat(url.searchParams.getAll('kind[]'))
      : [];
    const search = has('search') ? query('search')?.toLowerCase() : undefined;
    if (Object.keys(errors).length > 0) return validationErrorResponse(errors);

    const collection = state.collection(spec.resource);
    type Item = Record<string, unknown>;
    let candidates: readonly Item[];
    const indexed = jobId !== undefined || contactId !== undefined || email !== undefined;
    if (jobId !== undefined) {
      candidates = (collection
        .index('jobId', (record) => {
          const value = (record as unknown as Item).jobId;
          return typeof value === 'string' ? [value] : [];
        })
        .get(jobId) ?? []) as unknown as Item[];
    } else if (contactId !== undefined) {
      candidates = (collection
        .index('contactId', (record) => {
          const value = (record as unknown as Item).contactId;
          return typeof value === 'string' ? [value] : [];
        })
        .get(contactId) ?? []) as unknown as Item[];
    } else if (email !== undefined) {
      candidates = (collection
        .index('email', (record) => {
          const contact = record as unknown as Item;
          return [contact.email, contact.secondaryEmail]
            .filter((value): value is string => typeof value === 'string')
            .map((value) => value.trim().toLowerCase());
        })
        .get(email) ?? []) as unknown as Item[];
    } else {
      candidates = collection.view(`all|${sort.field}|${sort.descending}`, () =>
        [...collection.items.values()].sort(compareBy(sort.field, sort.descending) as never),
      ) as unknown as Item[];
    }
    if (scope !== undefined) candidates = scope(candidates);
    const predicates: ((item: Item) => boolean)[] = [];
    if (!includeHidden) predicates.push((item) => item.hidden !== true);
    if (!includeClosed) predicates.push((item) => item.closed !== true);
    if (contactId !== undefined && jobId !== undefined)
      predicates.push((item) => item.contactId === contactId);
    if (externalMappingId !== undefined) {
      predicates.push((item) =>
        ((item.externalMappings as TaveExternalMapping[] | null) ?? []).some(
          (mapping) => mapping.id === externalMappingId,
        ),
      );
    }
    if (canApplyTo !== undefined)
      predicates.push((item) => String(item.canApplyTo).toLowerCase() === canApplyTo);
    if (kinds.length > 0) predicates.push((item) => kinds.includes(String(item.kind).toLowerCase()));
    if (search !== undefined) {
      predicates.push((item) =>
        [item.name, item.city, item.code, item.country].some(
          (value) => typeof value === 'string' && value.toLowerCase().includes(search),
        ),
      );
    }
    let matching: readonly Item[] = candidates;
    if (predicates.length > 0) {
      const key = `${indexed || scope !== undefined ? '' : `filtered|${sort.field}|${sort.descending}|${includeHidden}|${includeClosed}|${externalMappingId ?? ''}|${canApplyTo ?? ''}|${kinds.join(',')}|${search ?? ''}`}`;
      const build = () => candidates.filter((item) => predicates.every((predicate) => predicate(item)));
      matching = key === '' ? build() : (collection.view(key, build as never) as unknown as Item[]);
    }
    if (indexed || scope !== undefined) {
      const sorted = [...matching].sort(compareBy(sort.field, sort.descending));
      // An email search ranks primary-email matches first unless the caller asked for an order.
      if (email !== undefined && query('sortBy') === undefined) {
        sorted.sort(
          (left, right) =>
            Number(String(right.email).toLowerCase() === email) -
            Number(String(left.email).toLowerCase() === email),
        );
      }
      matching = sorted;
    }
    const totalItems = matching.length;
    const start = (page - 1) * pageSize;
    const items = matching.slice(start, start + pageSize).map((item) => {
      const shaped = listItem(spec.resource, item);
      return spec.links
        ? withLinks(shaped as { id: string }, selfLink(context, spec.path, String(item.id)))
        : shaped;
    });
    return context.json({
      meta: { currentPage: page, totalPages: Math.ceil(totalItems / pageSize), totalItems, rows: pageSize },
      type: spec.type,
      items,
    });
  };

  const getOne = (spec: ListSpec, context: AppContext) => {
    const id = context.req.param('id') ?? '';
    if (!ulidPattern.test(id)) return validationErrorResponse({ id: ['This is not a valid ULID.'] });
    const record = state.get(spec.resource, id);
    if (record === undefined) return notFound(spec.path.slice(1), id);
    if (spec.resource === 'address-book') {
      const notes = (
        state
          .collection('note')
          .index('contactId', (note) => (note.contactId === null ? [] : [note.contactId]))
          .get(id) ?? []
      ).map((note) => present(context, 'note', note));
      return context.json({ ...present(context, spec.resource, record), notes });
    }
    return context.json(present(context, spec.resource, record));
  };

  app.get('/studio/me', (context) => context.json(withLinks(state.studio, `${origin(context)}/studio/me`)));
  for (const spec of lists) {
    app.get(spec.path, (context) => list(spec, context));
    app.get(`${spec.path}/:id`, (context) => getOne(spec, context));
  }

  // Payments and orders of one job.
  const jobScoped = (context: AppContext, spec: ListSpec, type: string) => {
    const id = context.req.param('id') ?? '';
    if (!ulidPattern.test(id)) return validationErrorResponse({ id: ['This is not a valid ULID.'] });
    if (state.get('job', id) === undefined) {
      // The document answers an unknown job here with a 404 in the validation-error shape.
      const body: TaveValidationError = {
        type: 'validation-error',
        title: 'Not Found',
        detail: { id: [`No job with id ${id}.`] },
        status: 404,
      };
      return Response.json(body, { status: 404 });
    }
    return list({ ...spec, type }, context, (records) => records.filter((record) => record.jobId === id));
  };
  const paymentSpec = specByResource.get('payment') as ListSpec;
  const orderSpec = specByResource.get('order') as ListSpec;
  app.get('/job/:id/payment', (context) => jobScoped(context, paymentSpec, 'jobpayment-collection'));
  app.get('/job/:id/order', (context) => jobScoped(context, orderSpec, 'joborder-collection'));

  addWrites(app, state, options.studioCountry, present, notFound);
}

// ---------------------------------------------------------------------------------------------------------
// Writes

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

function isRealDate(value: string): boolean {
  if (!datePattern.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Reads a request body's fields with the document's constraints, collecting messages per field. */
class BodyReader {
  readonly errors: FieldErrors = {};
  readonly values: Record<string, unknown> = {};

  constructor(
    readonly body: Record<string, unknown>,
    readonly state: TaveState,
  ) {}

  private fail(field: string, message: string): void {
    addError(this.errors, field, message);
  }

  private take(field: string): unknown {
    return this.body[field];
  }

  has(field: string): boolean {
    return field in this.body;
  }

  string(
    field: string,
    options: {
      max: number;
      min?: number;
      nullable?: boolean;
      required?: boolean;
      pattern?: RegExp;
      patternMessage?: string;
    },
  ): void {
    if (!this.has(field)) {
      if (options.required === true) this.fail(field, 'This value should not be blank.');
      return;
    }
    const value = this.take(field);
    if (value === null && options.nullable !== false && options.required !== true) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'string') {
      this.fail(field, 'This value should be of type string.');
      return;
    }
    if (value.length > options.max) {
      this.fail(field, `This value is too long. It should have ${options.max} characters or less.`);
      return;
    }
    if (options.min !== undefined && value.length < options.min) {
      this.fail(field, `This value is too short. It should have ${options.min} characters or more.`);
      return;
    }
    if (options.pattern !== undefined && !options.pattern.test(value)) {
      this.fail(field, options.patternMessage ?? 'This value is not valid.');
      return;
    }
    this.values[field] = value;
  }

  email(field: string, max: number): void {
    this.string(field, {
      max,
      pattern: emailPattern,
      patternMessage: 'This value is not a valid email address.',
    });
  }

  date(field: string): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'string' || !isRealDate(value)) {
      this.fail(field, 'This value is not a valid date.');
      return;
    }
    this.values[field] = value;
  }

  boolean(field: string, nullable = true): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null && nullable) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'boolean') {
      this.fail(field, 'This value should be of type bool.');
      return;
    }
    this.values[field] = value;
  }

  integer(field: string, min: number, max: number): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      this.fail(field, 'This value should be of type int.');
      return;
    }
    if (value < min || value > max) {
      this.fail(field, `This value should be between ${min} and ${max}.`);
      return;
    }
    this.values[field] = value;
  }

  choice(field: string, choices: readonly (string | null)[]): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (!choices.includes(value as string | null)) {
      this.fail(field, 'The value you selected is not a valid choice.');
      return;
    }
    this.values[field] = value;
  }

  reference(field: string, resource: TaveResource, required = false): void {
    if (!this.has(field)) {
      if (required) this.fail(field, 'This value should not be blank.');
      return;
    }
    const value = this.take(field);
    if (value === null && !required) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'string' || !ulidPattern.test(value)) {
      this.fail(field, 'This is not a valid ULID.');
      return;
    }
    if (this.state.get(resource, value) === undefined) {
      this.fail(field, `No ${resource} with this id exists.`);
      return;
    }
    this.values[field] = value;
  }

  phone(field: string, studioCountry: string): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(field, 'This value should be of type object.');
      return;
    }
    const input = value as Record<string, unknown>;
    const e164 = typeof input.e164 === 'string' ? input.e164.replace(/x\d+$/, '') : undefined;
    const formatted = typeof input.formatted === 'string' ? input.formatted : undefined;
    if (e164 !== undefined) {
      if (!/^\+[1-9]\d{1,14}$/.test(e164)) {
        this.fail(`${field}.e164`, 'This value is not a valid E.164 phone number.');
        return;
      }
      this.values[field] = phoneFromE164(e164, studioCountry);
      return;
    }
    if (formatted !== undefined) {
      if (formatted.length > 24 || !/^[ -~]+$/.test(formatted)) {
        this.fail(`${field}.formatted`, 'This value is too long or not printable ASCII.');
        return;
      }
      this.values[field] = phoneFromText(formatted, studioCountry);
      return;
    }
    this.fail(field, 'Provide `e164` or `formatted`.');
  }

  address(field: string): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.fail(field, 'This value should be of type object.');
      return;
    }
    const allowed: Record<string, number> = {
      streetAddress: 512,
      village: 255,
      city: 255,
      state: 255,
      postalCode: 255,
      country: 2,
    };
    const readOnly = new Set([
      'links',
      'id',
      'created',
      'modified',
      'hidden',
      'name',
      'latitude',
      'longitude',
      'googlePlaceId',
      'timezone',
    ]);
    const address: Record<string, string | null> = {
      streetAddress: null,
      city: null,
      state: null,
      postalCode: null,
      country: null,
    };
    for (const [key, part] of Object.entries(value as Record<string, unknown>)) {
      if (readOnly.has(key)) continue;
      const max = allowed[key];
      if (max === undefined) {
        this.fail(`${field}.${key}`, 'This field was not expected.');
        continue;
      }
      if (part !== null && typeof part !== 'string')
        this.fail(`${field}.${key}`, 'This value should be of type string.');
      else if (typeof part === 'string' && part.length > max)
        this.fail(`${field}.${key}`, `This value is too long. It should have ${max} characters or less.`);
      else address[key] = part;
    }
    this.values[field] = address as unknown as TaveAddress;
  }

  customFields(field: string, appliesTo: 'Job' | 'Contact'): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (!Array.isArray(value)) {
      this.fail(field, 'This value should be of type array.');
      return;
    }
    const values: TaveCustomFieldValue[] = [];
    value.forEach((entry: unknown, position) => {
      const item = entry as Record<string, unknown> | null;
      const fieldId = item?.fieldId;
      const definition = typeof fieldId === 'string' ? this.state.get('custom-field', fieldId) : undefined;
      if (definition === undefined) {
        this.fail(`${field}[${position}].fieldId`, 'No custom field with this id exists.');
        return;
      }
      if (definition.canApplyTo !== appliesTo) {
        this.fail(`${field}[${position}].fieldId`, `This custom field does not apply to a ${appliesTo}.`);
        return;
      }
      const fieldValue = item?.value;
      if (fieldValue !== null && fieldValue !== undefined && typeof fieldValue !== 'string') {
        this.fail(`${field}[${position}].value`, 'This value should be of type string.');
        return;
      }
      values.push({ fieldId: definition.id, value: (fieldValue as string | null | undefined) ?? null });
    });
    this.values[field] = values;
  }

  externalMappings(field: string): void {
    if (!this.has(field)) return;
    const value = this.take(field);
    if (value === null) {
      this.values[field] = null;
      return;
    }
    if (!Array.isArray(value)) {
      this.fail(field, 'This value should be of type array.');
      return;
    }
    const mappings: TaveExternalMapping[] = [];
    value.forEach((entry: unknown, position) => {
      const item = entry as Record<string, unknown> | null;
      const id = item?.id;
      const url = item?.url;
      if (typeof id !== 'string' || id.length < 1 || id.length > 64) {
        this.fail(`${field}[${position}].id`, 'This value should have 1 to 64 characters.');
        return;
      }
      if (typeof url !== 'string' || url.length < 12 || url.length > 255 || !URL.canParse(url)) {
        this.fail(`${field}[${position}].url`, 'This value is not a valid URL.');
        return;
      }
      mappings.push({ id, url });
    });
    this.values[field] = mappings;
  }

  url(field: string, required = false): void {
    if (!this.has(field)) {
      if (required) this.fail(field, 'This value should not be blank.');
      return;
    }
    const value = this.take(field);
    if (value === null && !required) {
      this.values[field] = null;
      return;
    }
    if (typeof value !== 'string' || !URL.canParse(value)) {
      this.fail(field, 'This value is not a valid URL.');
      return;
    }
    this.values[field] = value;
  }
}

// biome-ignore format: one entry per line reads as a table
const dialCodes: Readonly<Record<string, string>> = {
  US: '1', CA: '1', GB: '44', IE: '353', AU: '61', DE: '49', FR: '33', ES: '34', IT: '39', NL: '31', SE: '46', PL: '48', TR: '90',
  JP: '81', KR: '82', CN: '86', IN: '91', BR: '55', MX: '52', AE: '971', NG: '234', IL: '972', VN: '84',
};

/** A phone object for an E.164 number (the fake does not format numbers it did not generate). */
function phoneFromE164(e164: string, studioCountry: string): TavePhone {
  const entries = Object.entries(dialCodes).filter(([, code]) => e164.startsWith(`+${code}`));
  entries.sort((left, right) => right[1].length - left[1].length);
  const match = entries.find(([country]) => country === studioCountry) ?? entries[0];
  return {
    id: null,
    formatted: e164,
    e164,
    extension: null,
    telUri: `tel:${e164}`,
    dialCode: match === undefined ? null : Number(match[1]),
    countryCode: match === undefined ? null : match[0].toLowerCase(),
  };
}

/** Parses typed text roughly the way the vendor does with the studio's country. */
function phoneFromText(text: string, studioCountry: string): TavePhone {
  const digits = text.replace(/\D/g, '');
  if (text.trim().startsWith('+') && digits.length >= 8 && digits.length <= 15)
    return { ...phoneFromE164(`+${digits}`, studioCountry), formatted: text };
  const code = dialCodes[studioCountry];
  const national = digits.replace(/^0/, '');
  if (code !== undefined && national.length >= 8 && national.length <= 12) {
    return { ...phoneFromE164(`+${code}${national}`, studioCountry), formatted: text };
  }
  return {
    id: null,
    formatted: text,
    e164: null,
    extension: null,
    telUri: null,
    dialCode: null,
    countryCode: null,
  };
}

/** Shapes a record for a response (adds `links.self` where the document has it). */
type Present = (
  context: AppContext,
  resource: TaveResource,
  record: { readonly id: string },
) => Record<string, unknown>;

async function readJson(context: AppContext): Promise<Record<string, unknown> | Response> {
  let body: unknown;
  try {
    body = await context.req.json();
  } catch {
    return validationErrorResponse({ body: ['The request body is not valid JSON.'] });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return validationErrorResponse({ body: ['The request body should be a JSON object.'] });
  }
  return body as Record<string, unknown>;
}

function readContact(reader: BodyReader, kind: TaveContact['kind'], studioCountry: string): void {
  reader.email('email', 255);
  reader.email('secondaryEmail', 64);
  reader.address('address');
  reader.customFields('customFields', 'Contact');
  reader.externalMappings('externalMappings');
  reader.boolean('pinned');
  reader.url('url');
  if (kind === 'person') {
    for (const field of ['firstName', 'lastName', 'maidenName']) reader.string(field, { max: 48 });
    reader.string('companyName', { max: 128 });
    reader.string('jobTitle', { max: 64 });
    for (const field of ['cellPhone', 'homePhone', 'workPhone', 'fax']) reader.phone(field, studioCountry);
    reader.address('mailingAddress');
    reader.date('birthdate');
    reader.date('anniversary');
    reader.choice('gender', ['male', 'female', null]);
    reader.choice('salutation', ['mr', 'miss', 'mrs', 'ms', 'dr', null]);
    reader.choice('contactPreference', ['email', 'cell-phone', 'home-phone', 'work-phone', null]);
    for (const field of ['previousClient', 'privacyOptIn', 'requireStrictPrivacy']) reader.boolean(field);
  } else if (kind === 'company') {
    reader.string('name', { max: 255, min: 1, nullable: false });
    for (const field of ['phone', 'cellPhone', 'fax', 'tollFree']) reader.phone(field, studioCountry);
    reader.address('mailingAddress');
    reader.string('primaryContactFirstName', { max: 48 });
    reader.string('primaryContactLastName', { max: 48 });
    reader.string('accountNumber', { max: 50 });
  } else if (kind === 'location') {
    reader.string('name', { max: 255, min: 1, nullable: false });
    for (const field of ['phone', 'tollFree']) reader.phone(field, studioCountry);
  }
}

function readJob(reader: BodyReader): void {
  for (const field of [
    'bookingDate',
    'closedDate',
    'completedDate',
    'eventDate',
    'fulfillmentDate',
    'inquiryDate',
  ])
    reader.date(field);
  reader.boolean('closed', false);
  reader.boolean('webLead', false);
  reader.boolean('pinned');
  reader.reference('closedReasonId', 'job-closed-reason');
  reader.reference('jobTypeId', 'job-type');
  reader.reference('leadSourceId', 'lead-source');
  reader.reference('leadStatusId', 'lead-status');
  reader.customFields('customFields', 'Job');
  reader.externalMappings('externalMappings');
  reader.integer('guestCount', 0, 99_999_999_999);
  reader.integer('leadMaxBudget', -99_999_999_999, 99_999_999_999);
  reader.integer('leadRating', 1, 5);
  reader.choice('leadConfidence', ['low', 'medium', 'high', null]);
  reader.choice('stage', ['lead', 'booked', 'fulfillment', 'completed']);
  reader.string('name', { max: 255 });
  reader.string('leadNotes', { max: 1_000_000_000 });
}

function addWrites(
  app: Hono<FakeServerEnv>,
  state: TaveState,
  country: string,
  present: Present,
  notFound: (resource: string, id: string) => Response,
): void {
  const studioCountry = () => country;
  const idOf = (context: AppContext) => {
    const id = context.req.param('id') ?? '';
    return ulidPattern.test(id) ? id : undefined;
  };
  const invalidId = () => validationErrorResponse({ id: ['This is not a valid ULID.'] });

  // Contacts.
  app.post('/address-book', async (context) => {
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const kind = body.kind;
    if (kind !== 'person' && kind !== 'company' && kind !== 'location') {
      return validationErrorResponse({
        kind: ['The value you selected is not a valid choice. Valid: "person", "company", "location".'],
      });
    }
    const reader = new BodyReader(body, state);
    readContact(reader, kind, studioCountry());
    if ((kind === 'company' || kind === 'location') && !reader.has('name'))
      addError(reader.errors, 'name', 'This value should not be blank.');
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.create('address-book', { ...reader.values, kind } as Partial<TaveContact>);
    return context.json(present(context, 'address-book', record), 201);
  });
  app.put('/address-book/:id', async (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    const current = state.get('address-book', id);
    if (current === undefined) return notFound('address-book', id);
    const body = await readJson(context);
    if (body instanceof Response) return body;
    if ('kind' in body && body.kind !== current.kind)
      return validationErrorResponse({ kind: ['The kind of a contact cannot change.'] });
    if (current.kind === 'employee')
      return validationErrorResponse({ kind: ['Employees are managed in the studio settings.'] });
    const reader = new BodyReader(body, state);
    readContact(reader, current.kind, studioCountry());
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.update('address-book', id, reader.values as Partial<TaveContact>);
    return context.json(present(context, 'address-book', record));
  });
  app.delete('/address-book/:id', (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('address-book', id) === undefined) return notFound('address-book', id);
    state.remove('address-book', id);
    return context.body(null, 204);
  });

  // Jobs.
  app.post('/job', async (context) => {
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readJob(reader);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.create('job', reader.values as Partial<TaveJob>);
    return context.json(present(context, 'job', record), 201);
  });
  app.put('/job/:id', async (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('job', id) === undefined) return notFound('job', id);
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readJob(reader);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.update('job', id, reader.values as Partial<TaveJob>);
    return context.json(present(context, 'job', record));
  });
  app.delete('/job/:id', (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('job', id) === undefined) return notFound('job', id);
    state.remove('job', id);
    return context.body(null, 204);
  });

  // Contacts on jobs.
  const readJobContact = (reader: BodyReader, creating: boolean) => {
    reader.reference('contactId', 'address-book', creating);
    reader.reference('jobId', 'job', creating);
    reader.boolean('client');
    reader.externalMappings('externalMappings');
    if (reader.has('jobRoles')) {
      const roles = reader.body.jobRoles;
      if (
        roles !== null &&
        (!Array.isArray(roles) ||
          roles.some((role) => typeof role !== 'string' || state.get('job-role', role) === undefined))
      ) {
        addError(reader.errors, 'jobRoles', 'Every job role must be the id of an existing job role.');
      } else {
        reader.values.jobRoles = roles;
      }
    }
  };
  app.post('/job-contact', async (context) => {
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readJobContact(reader, true);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.create('job-contact', reader.values as Partial<TaveJobContact>);
    return context.json(present(context, 'job-contact', record), 201);
  });
  app.put('/job-contact/:id', async (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('job-contact', id) === undefined) return notFound('job-contact', id);
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readJobContact(reader, false);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    return context.json(
      present(
        context,
        'job-contact',
        state.update('job-contact', id, reader.values as Partial<TaveJobContact>),
      ),
    );
  });
  app.delete('/job-contact/:id', (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('job-contact', id) === undefined) return notFound('job-contact', id);
    state.remove('job-contact', id);
    return context.body(null, 204);
  });

  // REST hooks.
  const readHook = (reader: BodyReader, creating: boolean) => {
    if (creating || reader.has('event')) {
      if (!reader.has('event')) addError(reader.errors, 'event', 'This value should not be blank.');
      else reader.choice('event', ['contact.created', 'job.created', 'order.booked', 'payment.created']);
    }
    reader.url('url', creating);
    if (reader.has('limitTo')) {
      const limitTo = reader.body.limitTo;
      const allowed = new Set(['contactKinds', 'jobTypes', 'brands', 'webLead']);
      if (
        limitTo !== null &&
        (typeof limitTo !== 'object' ||
          Array.isArray(limitTo) ||
          Object.keys(limitTo).some((key) => !allowed.has(key)))
      ) {
        addError(
          reader.errors,
          'limitTo',
          'This value should be an object with contactKinds, jobTypes, brands or webLead.',
        );
      } else {
        reader.values.limitTo = limitTo;
      }
    }
  };
  app.post('/rest-hook', async (context) => {
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readHook(reader, true);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    const record = state.create('rest-hook', { hidden: false, limitTo: null, ...reader.values } as Omit<
      TaveRestHook,
      'id' | 'created' | 'modified'
    >);
    return context.json(present(context, 'rest-hook', record), 201);
  });
  app.put('/rest-hook/:id', async (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('rest-hook', id) === undefined) return notFound('rest-hook', id);
    const body = await readJson(context);
    if (body instanceof Response) return body;
    const reader = new BodyReader(body, state);
    readHook(reader, false);
    if (Object.keys(reader.errors).length > 0) return validationErrorResponse(reader.errors);
    return context.json(
      present(context, 'rest-hook', state.update('rest-hook', id, reader.values as Partial<TaveRestHook>)),
    );
  });
  app.delete('/rest-hook/:id', (context) => {
    const id = idOf(context);
    if (id === undefined) return invalidId();
    if (state.get('rest-hook', id) === undefined) return notFound('rest-hook', id);
    state.remove('rest-hook', id);
    return context.body(null, 204);
  });
}
