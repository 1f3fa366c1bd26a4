/**
 * The shared provider contract suite. Every CrmProviderV1 runs it from a vitest file against a server (a fake on
 * loopback, or a vendor sandbox); hono's router suite is the model: one suite, and each provider lists what it
 * skips, with the reason. Test names read `provider contract [tave] > reads > client: resumes from a cursor...`.
 *
 * It checks the descriptor (identity, rate limits, features; a field catalog and default mappings for every
 * readable record type; mappings valid against the WedSync and CRM catalogs), credentials (missing ones refused
 * with a typed error), testConnection, and for each readable record type a walk of every page (unique external
 * ids, a cursor on every page but the last), a resume from the middle (the rest, nothing skipped or repeated),
 * the abort signal, and that no credential value appears in any error or log line.
 *
 * ```ts
 * import { createProviderHttpFactory } from '@wedsync/crm-provider-kit';
 * import { runProviderContract } from '@wedsync/crm-testkit';
 * import { startFakeTave } from '@wedsync/crm-testkit/servers';
 *
 * runProviderContract({
 *   name: 'tave',
 *   startServer: async () => {
 *     const fake = await startFakeTave({ apiKey: 'key-123456789', studio: { clients: 25 } });
 *     return { url: fake.url, credentials: { api_key: 'key-123456789' },
 *       invalidCredentials: { api_key: 'wrong-key-987654321' }, close: fake.close };
 *   },
 *   createProvider: (server) => createTave({ baseUrl: server.url, pageSize: 10 }),
 *   httpClientFactory: createProviderHttpFactory(),
 *   skip: { 'reads > event: honours its abort signal': 'reason' },
 * });
 * ```
 */
import { InvalidArgumentError } from '@wedsync/crm-core';
import { afterAll, beforeAll, describe } from 'vitest';
import { connectionTests, credentialTests, descriptorTests, readTests, secretTests } from './groups.js';
import { contractScope, type ProviderContractFixture, type ProviderContractOptions } from './harness.js';

export type {
  ContractSession,
  ProviderContractFixture,
  ProviderContractOptions,
  ProviderContractServer,
} from './harness.js';

/**
 * Declares the provider contract suite for one provider. Call it at the top level of a vitest test file.
 * `skip` keys are `<group> > <test name>`; groups are `descriptor`, `credentials`, `connection`, `reads`,
 * `secrets`.
 */
export function runProviderContract(options: ProviderContractOptions): void {
  describe(`provider contract [${options.name}]`, () => {
    let fixture: ProviderContractFixture | undefined;
    const current = (): ProviderContractFixture => {
      if (fixture === undefined) {
        throw new InvalidArgumentError(
          'The provider contract fixture is not ready (startServer or createProvider failed?)',
        );
      }
      return fixture;
    };

    beforeAll(async () => {
      const server = await options.startServer();
      try {
        fixture = { server, provider: await options.createProvider(server) };
      } catch (error) {
        await server.close();
        throw error;
      }
    }, 120_000);

    afterAll(async () => {
      await fixture?.server.close();
    }, 120_000);

    const scope = contractScope(options, current);
    descriptorTests(scope);
    credentialTests(scope);
    connectionTests(scope);
    readTests(scope);
    secretTests(scope);
  });
}
