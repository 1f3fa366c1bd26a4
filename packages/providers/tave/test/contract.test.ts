/** The shared provider contract suite, run against the fake VSCO Workspace on 127.0.0.1. */
import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
import { runProviderContract } from '@wedsync/crm-testkit';
import { startFakeTave } from '@wedsync/crm-testkit/servers';
import { createTave } from '../src/index.js';
import { apiKey } from './helpers.js';

runProviderContract({
  name: 'tave',
  startServer: async () => {
    // Enough records for several pages of 10 of every record type, planted duplicates and bad records included.
    const fake = await startFakeTave({
      apiKey,
      studio: { seed: 11, clients: 24, duplicates: 2, badRecords: 3 },
    });
    return {
      url: fake.url,
      credentials: { api_key: apiKey },
      invalidCredentials: { api_key: 'wrong-key-0a9b8c7d6e' },
      close: fake.close,
    };
  },
  createProvider: (server) => createTave({ baseUrl: server.url, pageSize: 10 }),
  httpClientFactory: createProviderHttpFactory({
    retry: { retries: 2, minTimeoutMs: 20, maxTimeoutMs: 100 },
  }),
  // The fake answers at once; the provider's own 60 a minute would only slow the suite down.
  rateLimits: { requestsPerMinute: 100_000, requestsPerHour: 1_000_000 },
});
