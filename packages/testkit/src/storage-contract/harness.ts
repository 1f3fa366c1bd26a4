/**
 * What the storage contract suite's groups share: the fixture (one storage for the whole suite), a skip-aware
 * `test`, builders of valid rows, and helpers to assert on CrmErrors by code (which works across copies of core,
 * where `instanceof` would not).
 */
import {
  CrmError,
  type CrmErrorCode,
  CrmSyncConfigSchema,
  type HubStorage,
  type NewIntegration,
  type SupplierTier,
} from '@wedsync/crm-core';
import { describe, expect, it } from 'vitest';

/** What a storage under test gives the suite. */
export interface StorageContractFixture {
  /** The storage, migrated and empty of this suite's data. */
  readonly storage: HubStorage;
  /**
   * Creates a supplier (a row of the host's suppliers table, which HubStorage only reads) and returns its id.
   * Integrations reference suppliers, so the suite needs a way to make them.
   */
  createSupplier(options?: { readonly tier?: SupplierTier; readonly name?: string }): Promise<string>;
  /** Releases the database. */
  cleanup(): Promise<void>;
}

/** Options of `runStorageContract`. */
export interface StorageContractOptions {
  /** Shown in test names: `storage contract [name] > ...`. */
  readonly name: string;
  /** Creates one migrated storage for the whole suite (called once, in beforeAll). */
  readonly createStorage: () => Promise<StorageContractFixture>;
  /** Tests this storage cannot pass, by their full name within the suite, each with the reason. */
  readonly skip?: Readonly<Record<string, string>>;
  /** Timeout of each test, in milliseconds. @default 60000 */
  readonly testTimeout?: number;
}

/** The suite's state as a group sees it. */
export interface ContractScope {
  /** The fixture; available inside tests (after beforeAll). */
  fixture(): StorageContractFixture;
  /** Declares a group of tests (a vitest `describe`); its name prefixes the skip keys of its tests. */
  group(name: string, body: () => void): void;
  /** Declares a test (skipped when `skip` lists `<group> > <name>`). */
  test(name: string, body: () => Promise<void>): void;
}

/** The scope groups declare their tests through, honouring `skip`. */
export function contractScope(
  options: StorageContractOptions,
  fixture: () => StorageContractFixture,
): ContractScope {
  let currentGroup = '';
  return {
    fixture,
    group(name, body) {
      describe(name, () => {
        const previous = currentGroup;
        currentGroup = name;
        try {
          body();
        } finally {
          currentGroup = previous;
        }
      });
    },
    test(name, body) {
      const reason = options.skip?.[`${currentGroup} > ${name}`];
      if (reason !== undefined) {
        it.skip(`${name} (skipped: ${reason})`, body);
        return;
      }
      it(name, body, options.testTimeout ?? 60_000);
    },
  };
}

/** The CrmError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejectionOf(promise: Promise<unknown>): Promise<CrmError> {
  let outcome: unknown;
  try {
    await promise;
  } catch (error) {
    outcome = error;
  }
  expect(CrmError.isInstance(outcome), `expected a CrmError, got ${String(outcome)}`).toBe(true);
  return outcome as CrmError;
}

/** Asserts that a promise rejects with a CrmError of `code`, and returns it. */
export async function expectCrmError(promise: Promise<unknown>, code: CrmErrorCode): Promise<CrmError> {
  const error = await rejectionOf(promise);
  expect(error.code).toBe(code);
  return error;
}

/** An ISO 8601 UTC timestamp with milliseconds, as every backend must return. */
export const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Asserts that each named property of `row` is an ISO timestamp (when present). */
export function expectIsoTimestamps(row: object, names: readonly string[]): void {
  for (const name of names) {
    const value = (row as Record<string, unknown>)[name];
    if (value === undefined) continue;
    expect(value, name).toMatch(isoTimestampPattern);
  }
}

/** A sealed credential envelope as the vault makes them (opaque to storage). */
export function sealedEnvelope(): Record<string, unknown> {
  return {
    v: 1,
    alg: 'A256GCM',
    kid: 'key-2026-01',
    iv: 'Jb4qTNAbVUwq1ElS',
    tag: 'Yv1PQ9lMbRv7nE2kPjQf0w',
    ciphertext: 'kZpN1QyK9Y0o9xgCq4M2sV7hH8Q',
  };
}

let sequence = 0;

/** A unique connection name (unicode included, to check text round trips). */
export function uniqueName(prefix = 'Studio'): string {
  sequence += 1;
  return `${prefix} ${sequence} — Ærøskøbing 📸 ${Date.now().toString(36)}`;
}

/** A valid new integration for a supplier. */
export function newIntegration(supplierId: string, overrides: Partial<NewIntegration> = {}): NewIntegration {
  return {
    supplier_id: supplierId,
    crm_provider: 'tave',
    connection_name: uniqueName(),
    auth_config: sealedEnvelope(),
    sync_config: CrmSyncConfigSchema.parse({}),
    ...overrides,
  };
}

/** Creates a supplier and an integration of it; returns both ids. */
export async function integrationFixture(
  fixture: StorageContractFixture,
  overrides: Partial<NewIntegration> = {},
): Promise<{ supplierId: string; integrationId: string }> {
  const supplierId = await fixture.createSupplier({ tier: 'ENTERPRISE' });
  const integration = await fixture.storage.integrations.create(newIntegration(supplierId, overrides));
  return { supplierId, integrationId: integration.id };
}

/** Milliseconds later than `date`. */
export function later(date: Date, milliseconds: number): Date {
  return new Date(date.getTime() + milliseconds);
}

/** Waits a few milliseconds (so a clock-based timestamp can move). */
export function pause(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
