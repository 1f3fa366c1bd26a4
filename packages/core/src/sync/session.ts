/**
 * Opening a provider session for one integration: the credentials come out of the vault only here, the session
 * gets HTTP clients from the host's factory (rate limited and retrying for this integration, counted for the
 * job's `requests` and `retries`), and a logger that redacts every credential value it might be handed.
 */
import { CredentialError, CrmError, UnsupportedCapabilityError } from '../errors/index.js';
import { isPlainObject } from '../mapping/types.js';
import type { CrmIntegration } from '../model/integration.js';
import { createRedactingLogger } from '../security/redact.js';
import type { Vault } from '../security/vault.js';
import type {
  CountingProviderHttpClient,
  CrmProviderV1,
  ProviderContext,
  ProviderHttpClientFactory,
  ProviderHttpClientOptions,
  ProviderHttpStats,
  ProviderLogger,
  ProviderScratch,
  ProviderSession,
} from '../spec/provider.js';

/** Credential values shorter than this are not treated as secrets inside text (they would redact noise). */
const minimumSecretLength = 4;

/** What opening sessions needs from the hub. */
export interface SessionEnvironment {
  readonly vault: Vault;
  readonly logger: ProviderLogger;
  /** Builds each session's HTTP clients; absent when the host gave none (HTTP providers then fail clearly). */
  readonly httpClientFactory?: ProviderHttpClientFactory | undefined;
}

/** An open session with what the hub needs around it. */
export interface OpenedSession {
  readonly session: ProviderSession;
  /** Exact secret strings to redact from anything logged or stored (credential values, auth headers). */
  readonly knownSecrets: () => readonly string[];
  /** Requests, retries and 429s of every HTTP client this session made, summed. */
  stats(): ProviderHttpStats;
  /** Closes the session (when it can be closed). Never throws. */
  close(): Promise<void>;
}

function collectStrings(value: unknown, into: Set<string>, depth = 0): void {
  if (depth > 8) return;
  if (typeof value === 'string') {
    if (value.length >= minimumSecretLength) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectStrings(item, into, depth + 1);
  } else if (isPlainObject(value)) {
    for (const item of Object.values(value)) collectStrings(item, into, depth + 1);
  }
}

/** Every string value inside credentials (at least four characters long): what redaction must hide. */
export function credentialSecrets(credentials: unknown): string[] {
  const secrets = new Set<string>();
  collectStrings(credentials, secrets);
  return [...secrets];
}

/**
 * Opens an integration's sealed credentials.
 * @throws CredentialError when the envelope cannot be opened or does not hold an object.
 */
export function openCredentials(vault: Vault, integration: CrmIntegration): Record<string, unknown> {
  const opened = vault.open(integration.auth_config, { integrationId: integration.id });
  if (!isPlainObject(opened)) {
    throw new CredentialError(`Credentials of integration \`${integration.id}\` are not an object`, {
      context: { integrationId: integration.id, reason: 'malformed' },
    });
  }
  return opened;
}

/**
 * Connects a provider for one integration.
 * @throws CredentialError when the credentials cannot be opened; whatever `connect` throws.
 */
export async function openSession(
  provider: CrmProviderV1,
  integration: CrmIntegration,
  options: {
    readonly signal: AbortSignal;
    readonly environment: SessionEnvironment;
    /** The job's working space for the provider (`ProviderContext.scratch`); absent outside a job. */
    readonly scratch?: ProviderScratch;
  },
): Promise<OpenedSession> {
  const { environment, signal, scratch } = options;
  const credentials = openCredentials(environment.vault, integration);
  const secrets = new Set(credentialSecrets(credentials));
  const knownSecrets = () => [...secrets];
  const logger = createRedactingLogger(environment.logger, { knownSecrets });
  const clients: CountingProviderHttpClient[] = [];
  const context: ProviderContext = {
    integrationId: integration.id,
    credentials: Object.freeze({ ...credentials }),
    rateLimits: provider.rateLimits,
    logger,
    signal,
    ...(scratch === undefined ? {} : { scratch }),
    createHttpClient(clientOptions: ProviderHttpClientOptions) {
      const factory = environment.httpClientFactory;
      if (factory === undefined) {
        throw new UnsupportedCapabilityError(
          `Provider \`${provider.id}\` needs HTTP, but the hub was created without \`httpClientFactory\` (pass provider-kit's createProviderHttpFactory())`,
          { context: { providerId: provider.id, integrationId: integration.id } },
        );
      }
      for (const value of Object.values(clientOptions.headers ?? {})) {
        if (typeof value === 'string' && value.length >= minimumSecretLength) secrets.add(value);
      }
      const client = factory({
        ...clientOptions,
        integrationId: integration.id,
        providerId: provider.id,
        rateLimits: provider.rateLimits,
        signal,
        logger,
      });
      clients.push(client);
      return client;
    },
  };
  const session = await provider.connect(context);
  return {
    session,
    knownSecrets,
    stats() {
      let requestsSent = 0;
      let retries = 0;
      let rateLimited = 0;
      for (const client of clients) {
        const stats = client.stats();
        requestsSent += stats.requestsSent;
        retries += stats.retries;
        rateLimited += stats.rateLimited;
      }
      return { requestsSent, retries, rateLimited };
    },
    async close() {
      try {
        await session.close?.();
      } catch (error) {
        logger.warn('Closing the provider session failed', {
          integrationId: integration.id,
          error: CrmError.isInstance(error) ? error.code : 'error',
        });
      }
    },
  };
}
