/**
 * @wedsync/crm-testkit — what implementers of the hub's contracts test with: the shared HubStorage and
 * ClientStore contract suites (run them from a vitest file, once per database).
 */

export type {
  ClientStoreContractOptions,
  ClientStoreFixture,
  DedupeKeyNormalizer,
} from './client-store-contract/index.js';
export {
  bulkClient,
  longNotes,
  runClientStoreContract,
  sampleClient,
  sampleEvent,
  sampleInvoice,
  samplePayment,
  sampleProject,
} from './client-store-contract/index.js';
export type {
  ContractSession,
  ProviderContractFixture,
  ProviderContractOptions,
  ProviderContractServer,
} from './provider-contract/index.js';
export { runProviderContract } from './provider-contract/index.js';
export type { StorageContractFixture, StorageContractOptions } from './storage-contract/index.js';
export { awkwardJson, largeBatchSize, runStorageContract } from './storage-contract/index.js';
