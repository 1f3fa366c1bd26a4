export { describeValue, invalidOption } from './errors/describe.js';
export * from './errors/index.js';
export {
  type ConflictsRequest,
  type CrmHub,
  type CrmHubOptions,
  createCrmHub,
  type HubSyncJob,
  type IntegrationRequest,
  type JobRequest,
  type PageRequest,
  type ResolveConflictRequest,
  type SupplierRequest,
  type SyncLogsRequest,
} from './hub.js';
export * from './mapping/index.js';
export * from './model/index.js';
export * from './runner/index.js';
export * from './security/index.js';
export * from './spec/index.js';
export * from './sync/index.js';
