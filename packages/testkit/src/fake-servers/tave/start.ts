/**
 * `startFakeTave(options)`: a fake VSCO Workspace (Tave) API v2 on loopback, serving a generated studio
 * under `/api/v2` with the vendor's authentication, pagination, sorting, filters, error bodies and REST hooks,
 * plus the framework's rate limits, faults and request log.
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import { createManifestCollector, createStudioGenerator } from '../../generators/studio.js';
import type {
  GeneratedStudio,
  ResolvedStudioOptions,
  StudioManifest,
  StudioOptions,
  StudioSettings,
} from '../../generators/types.js';
import {
  functionOption,
  integerOption,
  invalid,
  numberOption,
  objectOption,
} from '../../generators/validate.js';
import type { FaultInjector, FaultSettings } from '../framework/faults.js';
import type { RateLimitOptions, SlidingWindowRateLimiter } from '../framework/rate-limiter.js';
import { keyFingerprint, type RequestLog } from '../framework/request-log.js';
import { createFakeServer, type FakeServer, type RunningFakeServer } from '../framework/server.js';
import { createTaveConverter, toTaveDataset } from './convert.js';
import { addTaveRoutes, errorResponse } from './routes.js';
import { TaveState } from './state.js';
import type { TaveDataset, TaveRecords, TaveResource, TaveRestHook } from './types.js';

/** The vendor's base path; the fake's `url` ends with it. */
export const taveBasePath = '/api/v2';

/** Options of the fake VSCO Workspace. */
export interface FakeTaveOptions {
  /** The API key the fake accepts, in `X-API-KEY` or `Authorization: Bearer`. */
  readonly apiKey: string;
  /** A generated studio, or the options to generate one. @default { seed: 1, clients: 50 } */
  readonly studio?: GeneratedStudio | StudioOptions;
  /** Per-key rate limits (the vendor documents none; 429 bodies and `Retry-After` follow its document). @default none */
  readonly rateLimits?: RateLimitOptions;
  /** Fault injection (5xx, connection reset, truncated JSON, latency), per path, seeded. @default none */
  readonly faults?: FaultSettings;
  /** Largest accepted `pageSize` (the vendor's is 100; raise it for benchmarks). @default 100 */
  readonly pageSizeMax?: number;
  /** Delay on every request, in milliseconds. @default 0 */
  readonly latencyMs?: number;
  /** Clock in milliseconds for `created`/`modified` of changes and for rate limits. @default Date.now */
  readonly now?: () => number;
}

/** A REST hook delivery the fake attempted. */
export interface WebhookDelivery {
  readonly hookId: string;
  readonly event: TaveRestHook['event'];
  readonly url: string;
  readonly targetId: string;
  readonly time: string;
  /** The receiver's HTTP status, or null when the request failed. */
  readonly status: number | null;
  readonly error: string | null;
}

/** REST hook deliveries (the vendor posts `{ "targetId": "<id>" }` to each subscribed URL). */
export interface WebhookLog {
  /** Deliveries attempted so far (a copy). */
  deliveries(): WebhookDelivery[];
  /** Resolves when every delivery started so far has finished. */
  settled(): Promise<void>;
}

/** A fake VSCO Workspace before it listens: its state, log and controls, and its hono app. */
export interface FakeTave {
  /** The framework server (its `app` answers `app.request()` without a socket). */
  readonly server: FakeServer;
  /** The CRM-side records; change them between syncs. */
  readonly state: TaveState;
  /** The generator options the studio was made with. */
  readonly options: ResolvedStudioOptions;
  /** The studio's settings (country, currency, time zone, date format). */
  readonly settings: StudioSettings;
  /** What was planted (duplicates, bad records…) and the totals. */
  readonly manifest: StudioManifest;
  /** The generated studio, when one was passed in (a studio generated from options is not kept). */
  readonly studio: GeneratedStudio | undefined;
  /** Fingerprint of the accepted key, as the request log records it. */
  readonly keyId: string;
  readonly requestLog: RequestLog;
  readonly faults: FaultInjector;
  readonly rateLimits: SlidingWindowRateLimiter;
  readonly webhooks: WebhookLog;
  /** Listens on 127.0.0.1 on a free port. */
  start(): Promise<RunningFakeTave>;
}

/** A listening fake VSCO Workspace: `url` is `http://127.0.0.1:PORT/api/v2`. */
export type RunningFakeTave = Omit<FakeTave, 'start'> & RunningFakeServer;

function isGeneratedStudio(value: GeneratedStudio | StudioOptions): value is GeneratedStudio {
  return 'manifest' in value && 'people' in value && 'settings' in value;
}

const statusTitles: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

function loadStudio(source: GeneratedStudio | StudioOptions): {
  dataset: TaveDataset;
  options: ResolvedStudioOptions;
  settings: StudioSettings;
  manifest: StudioManifest;
  studio: GeneratedStudio | undefined;
} {
  if (isGeneratedStudio(source)) {
    return {
      dataset: toTaveDataset(source),
      options: source.options,
      settings: source.settings,
      manifest: source.manifest,
      studio: source,
    };
  }
  // Converted client by client, so the vendor-neutral records of a large studio never sit in memory at once.
  const generator = createStudioGenerator(source);
  const converter = createTaveConverter(generator.reference, generator.options.seed);
  const records = converter.reference;
  const collector = createManifestCollector(generator.reference);
  for (const bundle of generator.clients()) {
    collector.add(bundle);
    const converted = converter.bundle(bundle);
    for (const resource of Object.keys(converted) as TaveResource[]) {
      const target = records[resource] as TaveRecords[TaveResource][];
      for (const record of converted[resource] ?? []) target.push(record);
    }
  }
  return {
    dataset: { studio: converter.studio, records },
    options: generator.options,
    settings: generator.reference.settings,
    manifest: collector.manifest(),
    studio: undefined,
  };
}

function hookApplies(hook: TaveRestHook, resource: TaveResource, record: Record<string, unknown>): boolean {
  const limit = hook.limitTo;
  if (limit === null) return true;
  if (resource === 'address-book' && limit.contactKinds !== undefined) {
    if (!limit.contactKinds.includes(record.kind as 'person')) return false;
  }
  if (resource === 'job') {
    if (limit.jobTypes !== undefined && !limit.jobTypes.includes(String(record.jobTypeId))) return false;
    if (limit.webLead !== undefined && record.webLead !== limit.webLead) return false;
  }
  return true;
}

const hookEvents: Partial<Record<TaveResource, TaveRestHook['event']>> = {
  'address-book': 'contact.created',
  job: 'job.created',
  order: 'order.booked',
  payment: 'payment.created',
};

/** Creates a fake VSCO Workspace without starting it (use `start()`, or `server.app.request()`). */
export function createFakeTave(options: FakeTaveOptions): FakeTave {
  objectOption('options', options);
  if (typeof options.apiKey !== 'string' || options.apiKey.length < 8) {
    throw new InvalidArgumentError('Expected `apiKey` to be a string of at least 8 characters', {
      context: { option: 'apiKey' },
    });
  }
  const studioOption = options.studio ?? { seed: 1, clients: 50 };
  objectOption('studio', studioOption);
  const pageSizeMax = integerOption('pageSizeMax', options.pageSizeMax, 100, 10, 100_000);
  numberOption('latencyMs', options.latencyMs, 0, 0, 60_000);
  const now = functionOption<() => number>('now', options.now) ?? Date.now;
  if (options.rateLimits !== undefined) objectOption('rateLimits', options.rateLimits);
  if (options.faults !== undefined) objectOption('faults', options.faults);
  if (typeof now() !== 'number') invalid('now', 'a function returning milliseconds', options.now);

  const loaded = loadStudio(studioOption);
  const state = new TaveState(loaded.dataset, { now, seed: loaded.options.seed });
  const apiKey = options.apiKey;
  const server = createFakeServer({
    name: 'fake VSCO Workspace',
    basePath: taveBasePath,
    routes: (app) =>
      addTaveRoutes(app, {
        state,
        pageSizeMax,
        basePath: taveBasePath,
        studioCountry: loaded.settings.country,
      }),
    presentedKey: (request) => {
      const header = request.headers.get('x-api-key');
      if (header !== null && header !== '') return header;
      const authorization = request.headers.get('authorization');
      const match = authorization === null ? null : /^Bearer\s+(.+)$/i.exec(authorization);
      return match?.[1]?.trim();
    },
    acceptsKey: (key) => key === apiKey,
    responses: {
      unauthorized: () => errorResponse(401, 'Unauthorized', 'API key is missing or invalid'),
      rateLimited: () =>
        errorResponse(
          429,
          'Too Many Requests',
          'Exceeded request quota, see Retry-After header',
          'quota-limit',
        ),
      serverError: (status) =>
        errorResponse(
          status,
          statusTitles[status] ?? 'Server Error',
          'The server could not complete the request.',
        ),
      notFound: (path) => errorResponse(404, 'Not Found', `No route matches ${path}.`),
    },
    ...(options.rateLimits === undefined ? {} : { rateLimits: options.rateLimits }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    now,
  });

  // REST hooks: post `{ targetId }` to every subscription of the event, after the change is stored.
  const deliveries: WebhookDelivery[] = [];
  const pending = new Set<Promise<void>>();
  state.onCreated((resource, record) => {
    const event = hookEvents[resource];
    if (event === undefined) return;
    for (const hook of state.list('rest-hook')) {
      if (
        hook.event !== event ||
        hook.hidden ||
        !hookApplies(hook, resource, record as unknown as Record<string, unknown>)
      )
        continue;
      const time = new Date(now()).toISOString();
      const delivery = fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ targetId: record.id }),
        signal: AbortSignal.timeout(5000),
      })
        .then(async (response) => {
          await response.body?.cancel();
          deliveries.push({
            hookId: hook.id,
            event,
            url: hook.url,
            targetId: record.id,
            time,
            status: response.status,
            error: null,
          });
        })
        .catch((error: unknown) => {
          deliveries.push({
            hookId: hook.id,
            event,
            url: hook.url,
            targetId: record.id,
            time,
            status: null,
            error: error instanceof Error ? error.message : String(error),
          });
        })
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    }
  });

  const fake: FakeTave = {
    server,
    state,
    options: loaded.options,
    settings: loaded.settings,
    manifest: loaded.manifest,
    studio: loaded.studio,
    keyId: keyFingerprint(apiKey),
    requestLog: server.requestLog,
    faults: server.faults,
    rateLimits: server.rateLimits,
    webhooks: {
      deliveries: () => [...deliveries],
      settled: async () => {
        while (pending.size > 0) await Promise.all([...pending]);
      },
    },
    async start() {
      const running = await server.start();
      const { start: _start, ...rest } = fake;
      return { ...rest, url: running.url, port: running.port, close: running.close };
    },
  };
  return fake;
}

/**
 * Starts a fake VSCO Workspace API v2 on 127.0.0.1 (a free port) serving a generated studio. Its `url` is
 * `http://127.0.0.1:PORT/api/v2`, like the vendor's `https://workspace.vsco.co/api/v2`. Close it when done.
 */
export async function startFakeTave(options: FakeTaveOptions): Promise<RunningFakeTave> {
  return createFakeTave(options).start();
}
