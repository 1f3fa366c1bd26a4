// A provider for a CRM the hub does not know: Confetti, a made-up CRM for wedding planners, with a tiny HTTP API
// of its own (page/pageSize pagination, a bearer token). The script starts that API on 127.0.0.1, runs a full
// import of it through the hub into SQLite, and shows that a provider without `write` is reported, not faked.
// Run: node examples/custom-provider.mjs (after `pnpm build`). docs/writing-a-provider.md walks through it, and
// examples/test/docs.test.mjs checks that every code block of the guide is still in this file.
import { createServer } from 'node:http';
import {
  CrmError,
  createCrmHub,
  createInProcessRunner,
  createVault,
  generateVaultKey,
  UnsupportedCapabilityError,
  ValidationError,
} from '@wedsync/crm-core';
import { createProviderHttpFactory, pageNumberPagination } from '@wedsync/crm-provider-kit';
import { createKyselyClientStore, createKyselyStorage } from '@wedsync/crm-storage-kysely';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------------------
// 1. The CRM: Confetti's API, as small as it gets. GET /v1/account, /v1/contacts and /v1/bookings, each list
//    paged with `page` (from 1) and `pageSize`, answering `{ items, total }`; `Authorization: Bearer <token>`.
// ---------------------------------------------------------------------------------------------------------------

const confettiToken = 'confetti-token-5f2a9c';
const confettiData = {
  contacts: [
    contact('c-101', 'Amara', 'Okafor', 'amara.okafor@example.org', '07700 900461', '18/09/2027'),
    contact('c-102', 'Liam', "O'Connell", 'liam.oconnell@example.net', '+353 85 123 4567', '03/06/2028'),
    contact('c-103', 'Priya', 'Shah', 'Priya.Shah@Example.com', '07700 900123', '12/06/2027'),
    contact('c-104', 'Sophie', 'Martin', 'sophie(at)example.org', '07700 900555', '02/10/2027'),
    contact('c-105', 'Jonas', 'Berg', 'jonas.berg@example.se', '+46 70 123 45 67', '21/08/2027'),
    contact('c-106', 'Chloé', 'Dubois', 'chloe.dubois@example.fr', '+33 6 12 34 56 78', '25/05/2028'),
    contact('c-107', 'Hannah', 'Lee', 'hannah.lee@example.com', '07700 900789', '30/12/2027'),
  ],
  bookings: [
    booking('b-201', 'c-101', 'Okafor & Reed wedding', '2027-09-18', 'booked', 450000),
    booking('b-202', 'c-102', "O'Connell wedding", '2028-06-03', 'enquiry', null),
    booking('b-203', 'c-103', 'Shah wedding', '2027-06-12', 'booked', 620000),
    booking('b-204', 'c-104', 'Martin wedding', '2027-10-02', 'booked', 300000),
    booking('b-205', 'c-105', 'Berg elopement', '2027-08-21', 'cancelled', null),
    booking('b-206', 'c-107', 'Lee wedding', '2027-12-30', 'booked', 380000),
  ],
};

function contact(id, givenName, familyName, emailAddress, mobile, weddingOn) {
  return { id, givenName, familyName, emailAddress, mobile, weddingOn, updatedAt: '2026-11-20T09:30:00Z' };
}

function booking(id, contactId, title, date, status, budget) {
  return {
    id,
    contactId,
    title,
    date,
    status,
    budget: budget === null ? null : { amount: budget, currency: 'GBP' },
    updatedAt: '2026-11-21T16:05:00Z',
  };
}

async function startConfettiApi() {
  const server = createServer((request, response) => {
    const send = (status, body) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.headers.authorization !== `Bearer ${confettiToken}`) return send(401, { error: 'bad token' });
    if (url.pathname === '/v1/account') {
      return send(200, {
        name: 'Bloom & Vow Weddings',
        currency: 'GBP',
        country: 'GB',
        dateStyle: 'dd/mm/yyyy',
      });
    }
    const items = { '/v1/contacts': confettiData.contacts, '/v1/bookings': confettiData.bookings }[
      url.pathname
    ];
    if (items === undefined) return send(404, { error: 'not found' });
    const page = Number(url.searchParams.get('page') ?? '1');
    const pageSize = Number(url.searchParams.get('pageSize') ?? '20');
    return send(200, { items: items.slice((page - 1) * pageSize, page * pageSize), total: items.length });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 2. The provider: a CrmProviderV1 for Confetti.
// ---------------------------------------------------------------------------------------------------------------

/** What Confetti's API answers, checked before anything is mapped (a surprise is a ValidationError). */
const ContactSchema = z.looseObject({ id: z.string().min(1), updatedAt: z.iso.datetime() });
const BookingSchema = z.looseObject({
  id: z.string().min(1),
  contactId: z.string().min(1),
  updatedAt: z.iso.datetime(),
});
const AccountSchema = z.looseObject({
  name: z.string(),
  currency: z.string(),
  country: z.string(),
  dateStyle: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']),
});

/** What the provider reads: Confetti's path, the item schema, and how an item becomes an ExternalRecord. */
const confettiCollections = {
  client: {
    path: 'contacts',
    schema: ContactSchema,
    toRecord: (item) => ({ externalId: item.id, modifiedAt: item.updatedAt, data: item }),
  },
  project: {
    path: 'bookings',
    schema: BookingSchema,
    toRecord: (item) => ({
      externalId: item.id,
      modifiedAt: item.updatedAt,
      data: item,
      links: { client: item.contactId }, // the hub fills project.client_id from the client's record link
    }),
  },
};

/** Confetti's fields, per record type: what a field picker offers, as paths into `ExternalRecord.data`. */
const confettiFieldCatalog = {
  client: [
    field('givenName', 'Given name', 'text', 'Given name of the contact.', ['Amara']),
    field('familyName', 'Family name', 'text', 'Family name of the contact.', ['Okafor']),
    field('emailAddress', 'Email', 'email', 'Email address, as typed.', ['amara.okafor@example.org']),
    field('mobile', 'Mobile', 'phone', 'Mobile number, national or international.', ['07700 900461']),
    field('weddingOn', 'Wedding day', 'date', 'Wedding day, dd/mm/yyyy.', ['18/09/2027']),
  ],
  project: [
    field('title', 'Title', 'text', 'Name of the booking.', ['Okafor & Reed wedding']),
    field('date', 'Date', 'date', 'Day of the booked event (YYYY-MM-DD).', ['2027-09-18']),
    field('status', 'Status', 'text', 'enquiry, booked or cancelled.', ['enquiry', 'booked', 'cancelled']),
    field('budget.amount', 'Budget amount', 'number', 'Budget in minor units (pence).', ['450000']),
    field('budget.currency', 'Budget currency', 'text', 'ISO 4217 currency of the budget.', ['GBP']),
  ],
};

function field(name, displayName, fieldType, description, sampleValues) {
  return {
    name,
    display_name: displayName,
    field_type: fieldType,
    description,
    is_required: false,
    sample_values: sampleValues,
  };
}

/**
 * The mappings a new Confetti integration starts with. Client fields are plain (`first_name`); other record
 * types carry their type in front (`project.name`); `crm_field` is a path into that type's `data`.
 * Import only: Confetti cannot be written.
 */
function confettiDefaultMappings(recordType) {
  const map = (wedsyncField, crmField, fieldType, transformRules = {}) => ({
    wedsync_field: wedsyncField,
    crm_field: crmField,
    field_type: fieldType,
    transform_rules: transformRules,
    sync_direction: 'import_only',
    is_required: wedsyncField === 'first_name',
  });
  if (recordType === 'client') {
    return [
      map('first_name', 'givenName', 'text'),
      map('last_name', 'familyName', 'text'),
      map('email', 'emailAddress', 'email'),
      map('phone', 'mobile', 'phone'),
      map('wedding_date', 'weddingOn', 'date'),
    ];
  }
  if (recordType === 'project') {
    const stages = { enquiry: 'inquiry', booked: 'booked', cancelled: 'lost' };
    return [
      map('project.name', 'title', 'text'),
      map('project.event_date', 'date', 'date'),
      map('project.status.stage', 'status', 'text', { steps: [{ type: 'map', values: stages }] }),
      map('project.status.raw', 'status', 'text'),
      map('project.budget.amount_minor', 'budget.amount', 'number'),
      map('project.budget.currency', 'budget.currency', 'text'),
    ];
  }
  return [];
}

/** Checks the credentials' shape before they are sealed and stored; names the key, never its value. */
function readConfettiToken(credentials) {
  const token = credentials?.token;
  if (typeof token !== 'string' || token.trim() === '') {
    throw new ValidationError('Expected credentials to hold `token`, the Confetti API token, as a string', {
      issues: [{ path: 'token', message: 'Expected a non-empty string' }],
      context: { credential: 'token' },
    });
  }
  return token.trim();
}

/** Parses a response body with its schema; a ValidationError naming the path (never the values) otherwise. */
function parseBody(schema, body, path) {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ValidationError(`Confetti answered GET /${path} with a body of an unexpected shape`, {
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    context: { path: `/${path}` },
    cause: parsed.error,
  });
}

/** Creates the Confetti provider. `baseUrl` is the API root, e.g. `https://api.confetti.example/v1`. */
function createConfetti({ baseUrl, pageSize = 3 }) {
  return {
    specificationVersion: 'v1',
    id: 'custom', // the spec's crm_provider values are fixed; a CRM without its own id uses `custom`
    name: 'Confetti CRM',
    description:
      'Confetti, a made-up CRM for wedding planners: contacts and bookings, read with an API token.',
    authKind: 'api_key',
    rateLimits: { requestsPerMinute: 120, requestsPerHour: 3000 },
    features: {
      client: { read: true, write: false, delete: false },
      project: {
        read: true,
        write: false,
        delete: false,
        limitations: [
          'No modified-since filter: a read with `since` walks every page and keeps newer items.',
        ],
      },
    },
    fieldCatalog: confettiFieldCatalog,
    defaultMappings: confettiDefaultMappings,
    validateCredentials(credentials) {
      readConfettiToken(credentials);
    },
    connect(context) {
      const token = readConfettiToken(context.credentials);
      // Rate limited and retrying for this integration; header values are kept out of logs and errors.
      const http = context.createHttpClient({ baseUrl, headers: { authorization: `Bearer ${token}` } });
      return {
        async testConnection(options = {}) {
          const response = await http.request({ method: 'GET', path: 'account', signal: options.signal });
          const account = parseBody(AccountSchema, response.body, 'account');
          return {
            accountName: account.name,
            availableFeatures: ['clients', 'projects'],
            // Settings the hub's mapping uses: the currency, the country of phones written without one, and
            // whether 03/06/2028 is the 3rd of June (day_first) or the 6th of March (month_first).
            settings: {
              currency: account.currency,
              country: account.country,
              dateOrder: account.dateStyle === 'dd/mm/yyyy' ? 'day_first' : 'month_first',
            },
          };
        },
        read(recordType, options = {}) {
          const collection = confettiCollections[recordType];
          if (collection === undefined) {
            throw new UnsupportedCapabilityError(`Confetti CRM has no \`${recordType}\` records to read`, {
              context: { providerId: 'custom', recordType },
            });
          }
          const since = options.since == null ? undefined : Date.parse(options.since);
          const ItemsSchema = z.object({ items: z.array(collection.schema), total: z.number().int().min(0) });
          const walk = pageNumberPagination({
            pageSize,
            cursor: options.cursor,
            signal: options.signal,
            fetchPage: async (page) => {
              const response = await http.request({
                method: 'GET',
                path: collection.path,
                searchParams: { page: page.page, pageSize: page.pageSize },
                signal: page.signal,
              });
              const body = parseBody(ItemsSchema, response.body, collection.path);
              return { items: body.items, totalItems: body.total };
            },
          });
          return (async function* () {
            for await (const page of walk) {
              const items = page.items.filter(
                (item) => since === undefined || Date.parse(item.updatedAt) > since,
              );
              yield {
                records: items.map(collection.toRecord),
                cursor: page.cursor, // resumes right after this page: the hub saves it with the page's records
                ...(since === undefined ? { totalRecords: page.totalItems } : {}),
              };
            }
          })();
        },
        // No `write`: Confetti's API cannot be written, so the hub refuses export jobs for this provider.
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Into the hub: SQLite in memory, a client the planner once typed in by hand, a full import, an export refused.
// ---------------------------------------------------------------------------------------------------------------

const confettiApi = await startConfettiApi();
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
const storage = createKyselyStorage({ db });
await storage.migrate();
const clientStore = createKyselyClientStore({ db });
const supplierId = 'a1b2c3d4-0000-4000-8000-000000000001';
await db
  .insertInto('suppliers')
  .values({ id: supplierId, name: 'Bloom & Vow', tier: 'PROFESSIONAL' })
  .execute();
await clientStore.upsert('client', [
  {
    supplier_id: supplierId,
    record: { first_name: 'Priya', last_name: 'Shah', email: 'priya.shah@example.com' },
  },
]);

const hub = createCrmHub({
  storage,
  clientStore,
  vault: createVault({ keys: [{ id: 'example', key: generateVaultKey() }] }),
  providers: [createConfetti({ baseUrl: confettiApi.url })],
  httpClientFactory: createProviderHttpFactory(),
});
const [descriptor] = hub.listProviders().providers;
const features = descriptor.supported_features.map(
  (entry) => `${entry.feature}: ${entry.supported_operations}`,
);
console.log(`provider: ${descriptor.name} (${features.join('; ')})`);

const { integration } = await hub.createIntegration({
  supplierId,
  body: { crm_provider: 'custom', connection_name: 'Confetti', auth_config: { token: confettiToken } },
});
const integrationId = integration.id;
const connection = await hub.testConnection({ supplierId, integrationId });
console.log(`connection: ${connection.success ? 'ok' : connection.error_message}`);

await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'full_import' } });
const [outcome] = await createInProcessRunner({ hub }).drain();
console.log(`job: ${outcome.status} (${outcome.resultStatus}), ${outcome.counts.requests} requests`);
for (const type of ['client', 'project']) {
  const count = (kind) => outcome.counts[`${type}.${kind}`] ?? 0;
  const kinds = ['read', 'created', 'linked', 'rejected'].map((kind) => `${count(kind)} ${kind}`);
  console.log(`${type}: ${kinds.join(', ')}`);
}
const { logs } = await hub.listSyncLogs({ supplierId, integrationId, action_type: 'error' });
for (const log of logs) console.log(`rejected ${log.record_type} ${log.record_id}: ${log.error_message}`);

try {
  await hub.triggerSync({ supplierId, integrationId, body: { job_type: 'export_to_crm' } });
} catch (error) {
  if (!CrmError.isInstance(error)) throw error;
  console.log(`export: ${error.name} (${error.code}): ${error.message}`);
}

await db.destroy();
await confettiApi.close();
